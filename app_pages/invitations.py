"""Invitation codes (评议邀请码), staff: issue a batch of single-use tokens for one unit and
hand over the printable QR sheet (PDF) and the links (CSV, for SMS) at once.

Only a token's hash is stored, so the sheet and the links exist only in the batch just
issued; the page keeps that batch in the session until the staff member clears it or
issues the next one, and says plainly that it cannot be shown again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import streamlit as st

import config
from db.models import CampaignStatus
from db.uow import UnitOfWork
from services.defects import LabelRefused
from services.errors import NotFound, ServiceError
from services.invitations import (
    MAX_BATCH,
    IssuableCampaign,
    UnitInvitations,
    invitation_summary,
    issuable_campaigns,
    issue_batch,
    links_csv,
    qr_sheet_pdf,
)
from services.permissions import Permission, PermissionDenied
from services.telephony import send_sms_invitations
from ui.auth import require_page_permission
from ui.defects import refusal_text
from ui.messages import MESSAGES, t
from ui.page import current_lang
from ui.widgets import choose_campaign

# The batch just issued, until cleared or replaced: a plain dict (a class defined in this
# script would be a new class on every rerun). Its PDF and CSV are stored nowhere else.
BATCH_KEY = "invitations.batch"
# The campaign the form was last drawn for: if the list of campaigns changed under the
# staff member (theirs closed meanwhile), the selector falls back to another campaign,
# and a submission must not silently issue codes for that one.
FORM_CAMPAIGN_KEY = "invitations.form_campaign"
KIND_ORDER = ("ticket", "hotline", "sms")
PER_SHEET = 12  # QR codes on one A4 page (services.invitations: 3 x 4)
FALLBACK_URL = "http://localhost:8501"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def public_base_url() -> str:
    """Where the links point: the configured public address, else the origin of the
    address the staff member is using, else the local default."""
    configured = config.PUBLIC_URL.get().strip()
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(st.context.url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return FALLBACK_URL


def show_error(exc: ServiceError, lang: str) -> None:
    if isinstance(exc, PermissionDenied):
        st.error(t("invitations.error.permission", lang))
    elif isinstance(exc, NotFound):
        st.error(t("invitations.error.not_found", lang, reason=exc))
    elif isinstance(exc, LabelRefused):
        st.error(t("invitations.error.refused", lang, reason=refusal_text(exc, lang)))
    else:
        st.error(t("invitations.error.refused", lang, reason=exc))


def campaign_label(campaign: IssuableCampaign, lang: str) -> str:
    status = t(f"invitations.status.{campaign.status.value}", lang)
    return t("invitations.campaign_option", lang, name=campaign.name, code=campaign.code, status=status)


def category_label(category: str, lang: str) -> str:
    """The unit category's name where the catalogue has one (the demo city's), else as stored."""
    return t(f"category.{category}", lang) if f"category.{category}" in MESSAGES else category


def parse_references(text: str) -> list[str] | None:
    """One reference per non-empty line; None when none are given."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines or None


def draw_batch(batch: dict[str, Any], lang: str) -> None:
    kind = batch["kind"]
    with st.container(border=True):
        st.success(
            t(
                "invitations.batch.done",
                lang,
                count=batch["count"],
                unit=batch["unit_name"],
                code=batch["unit_code"],
                kind=t(f"invitations.kind.{kind}", lang),
            )
        )
        st.warning(t("invitations.batch.once", lang))
        pdf_column, csv_column, clear_column = st.columns(3)
        with pdf_column:
            st.download_button(
                t("invitations.batch.pdf", lang),
                data=batch["pdf"],
                file_name=f"{batch['file_stem']}.pdf",
                mime="application/pdf",
                on_click="ignore",
                type="primary",
                icon=":material/print:",
                key="invitations.download_pdf",
                width="stretch",
            )
        with csv_column:
            st.download_button(
                t("invitations.batch.csv", lang),
                data=batch["csv"],
                file_name=f"{batch['file_stem']}.csv",
                mime="text/csv",
                on_click="ignore",
                icon=":material/sms:",
                key="invitations.download_csv",
                width="stretch",
            )
        with clear_column:
            if st.button(t("invitations.batch.clear", lang), key="invitations.clear", width="stretch"):
                st.session_state.pop(BATCH_KEY, None)
                st.rerun()
        st.caption(t("invitations.batch.link_note", lang, base=batch["base_url"]))


def draw_sms(campaign: IssuableCampaign, names: dict[str, str], base_url: str, lang: str) -> None:
    """Send single-use links by SMS to the unit's sampling frame (services.telephony)."""
    st.subheader(t("telephony.sms.header", lang))
    st.caption(t("telephony.sms.intro", lang))
    with st.form("telephony.sms_form", enter_to_submit=False):
        sms_unit = st.selectbox(
            t("invitations.form.unit", lang),
            options=list(names),
            index=None,
            format_func=lambda code: t("invitations.form.unit_option", lang, name=names[code], code=code),
            placeholder=t("invitations.form.unit_placeholder", lang),
            key="telephony.sms_unit",
        )
        limit = st.number_input(
            t("telephony.sms.limit", lang),
            min_value=1,
            max_value=MAX_BATCH,
            value=50,
            step=1,
            key="telephony.sms_limit",
        )
        send = st.form_submit_button(t("telephony.sms.submit", lang), icon=":material/sms:")
    if not send:
        return
    if campaign.status != CampaignStatus.fieldwork:
        st.error(t("telephony.sms.not_fieldwork", lang))
    elif sms_unit is None:
        st.error(t("invitations.error.no_unit", lang))
    else:
        try:
            with st.spinner(t("invitations.working", lang)):
                sent = send_sms_invitations(
                    UnitOfWork(actor="web"),
                    user,
                    campaign.code,
                    sms_unit,
                    limit=int(limit),
                    base_url=base_url,
                )
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            if sent:
                st.success(t("telephony.sms.sent", lang, count=sent))
            else:
                st.info(t("telephony.sms.none", lang))


def draw_summary(units: list[UnitInvitations], lang: str) -> None:
    st.subheader(t("invitations.summary.header", lang))
    with_invitations = [u for u in units if u.issued]
    issued = sum(u.issued for u in with_invitations)
    used = sum(u.used for u in with_invitations)
    units_column, issued_column, used_column, rate_column = st.columns(4)
    units_column.metric(t("invitations.summary.units", lang), f"{len(with_invitations)} / {len(units)}")
    issued_column.metric(t("invitations.summary.issued", lang), issued)
    used_column.metric(t("invitations.summary.used", lang), used)
    rate_column.metric(t("invitations.summary.rate", lang), f"{used / issued:.0%}" if issued else "—")
    if not with_invitations:
        st.caption(t("invitations.summary.none", lang))
        return
    rows = [
        {
            "unit": u.unit_name,
            "code": u.unit_code,
            "category": category_label(u.category, lang),
            "issued": u.issued,
            "used": u.used,
            "unused": u.unused,
            "rate": u.used / u.issued,
        }
        for u in with_invitations
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "unit": st.column_config.TextColumn(t("invitations.summary.col.unit", lang)),
            "code": st.column_config.TextColumn(t("invitations.summary.col.code", lang)),
            "category": st.column_config.TextColumn(t("invitations.summary.col.category", lang)),
            "issued": st.column_config.NumberColumn(t("invitations.summary.issued", lang)),
            "used": st.column_config.NumberColumn(t("invitations.summary.used", lang)),
            "unused": st.column_config.NumberColumn(t("invitations.summary.col.unused", lang)),
            "rate": st.column_config.ProgressColumn(
                t("invitations.summary.rate", lang), format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )


lang = current_lang()
user = require_page_permission(Permission.configure_campaign, lang)

st.title(t("nav.invitations", lang))
st.write(t("invitations.intro", lang))

try:
    campaigns = issuable_campaigns(UnitOfWork(actor="web"), user)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
campaign = choose_campaign(
    campaigns,
    t("invitations.campaign", lang),
    lambda c: campaign_label(c, lang),
    empty=t("invitations.no_campaigns", lang),
    key="invitations.campaign",
)
campaign_code = campaign.code
if campaign.status == CampaignStatus.draft:
    st.caption(t("invitations.draft_note", lang))

try:
    units = invitation_summary(UnitOfWork(actor="web"), user, campaign.code)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
names = {u.unit_code: u.unit_name for u in units}

base_url = public_base_url()
with st.form("invitations.issue_form", enter_to_submit=False):
    st.subheader(t("invitations.form.header", lang))
    unit_code = st.selectbox(
        t("invitations.form.unit", lang),
        options=list(names),
        index=None,
        format_func=lambda code: t("invitations.form.unit_option", lang, name=names[code], code=code),
        placeholder=t("invitations.form.unit_placeholder", lang),
        key="invitations.unit",
    )
    count_column, kind_column = st.columns(2)
    with count_column:
        count = st.number_input(
            t("invitations.form.count", lang),
            min_value=1,
            max_value=MAX_BATCH,
            value=PER_SHEET,
            step=1,
            help=t("invitations.form.count_help", lang, per_sheet=PER_SHEET, max=MAX_BATCH),
            key="invitations.count",
        )
    with kind_column:
        kind = st.radio(
            t("invitations.form.kind", lang),
            options=KIND_ORDER,
            format_func=lambda k: t(f"invitations.kind.{k}", lang),
            horizontal=True,
            help=t("invitations.form.kind_help", lang),
            key="invitations.kind",
        )
    references_text = st.text_area(
        t("invitations.form.references", lang),
        placeholder=t("invitations.form.references_placeholder", lang),
        help=t("invitations.form.references_help", lang),
        key="invitations.references",
    )
    st.caption(t("invitations.form.link_base", lang, base=base_url))
    submitted = st.form_submit_button(
        t("invitations.form.submit", lang), type="primary", icon=":material/qr_code_2:"
    )

if urlsplit(base_url).hostname in LOCAL_HOSTS:
    st.warning(t("invitations.local_address", lang, base=base_url))

if submitted:
    references = parse_references(references_text)
    if st.session_state.get(FORM_CAMPAIGN_KEY) != campaign.code:
        st.error(t("invitations.error.campaign_changed", lang, name=campaign.name))
    elif unit_code is None:
        st.error(t("invitations.error.no_unit", lang))
    elif references is not None and len(references) != int(count):
        st.error(t("invitations.error.references_count", lang, given=len(references), count=int(count)))
    else:
        st.session_state.pop(BATCH_KEY, None)  # the next batch replaces the last one
        try:
            with st.spinner(t("invitations.working", lang)):
                issued = issue_batch(
                    UnitOfWork(actor="web"), user, campaign.code, unit_code, int(count), kind, references
                )
                # The printed sheet is for citizens: its heading is always in Chinese.
                title = t("invitations.pdf_title", "zh", campaign=campaign.name, unit=names[unit_code])
                pdf = qr_sheet_pdf(issued, base_url, title)
                csv = links_csv(
                    issued, base_url, (t("invitations.csv.reference", lang), t("invitations.csv.link", lang))
                )
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            first, last = issued[0].invitation_id, issued[-1].invitation_id
            st.session_state[BATCH_KEY] = {
                "unit_code": unit_code,
                "unit_name": names[unit_code],
                "kind": kind,
                "count": len(issued),
                "base_url": base_url,
                "file_stem": f"invitations-{campaign.code}-{unit_code}-{first}-{last}",
                "pdf": pdf,
                "csv": csv,
            }
            try:
                units = invitation_summary(UnitOfWork(actor="web"), user, campaign.code)
            except ServiceError as exc:
                show_error(exc, lang)

st.session_state[FORM_CAMPAIGN_KEY] = campaign.code

batch = st.session_state.get(BATCH_KEY)
if isinstance(batch, dict):
    draw_batch(batch, lang)

draw_summary(units, lang)
draw_sms(campaign, names, base_url, lang)
