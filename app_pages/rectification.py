"""Cards and rectification (亮牌与整改): card cases with their steps (issued → plan →
follow-up check → lifted, or escalated → closed) and the rectification ledger (整改台账)
with its filters, overdue items and rates per unit (整改率).

Admins see every unit and take the admin steps (issue, check, lift, escalate, close;
open ledger items, reopen or re-date them). On a card recommending the removal of the
unit's head, admins record what was done about the head (免职 or not, with the decision)
and then close the card; a list at the top of the cards names the recommended removals
with nothing recorded yet. A unit's liaison sees only its own unit, submits its
rectification plan, records progress and evidence on its own items and sees the head's
action read-only. Only services are called (services/cards.py, services/heads.py,
services/rectification.py).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from db.models import Role
from db.uow import UnitOfWork
from services import cards, heads, rectification, results
from services.appeals import MAX_EVIDENCE_BYTES
from services.errors import NotFound, ServiceError
from services.heads import HeadRefused
from services.permissions import PermissionDenied
from services.units import RegisterRefused
from ui.auth import current_user
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time, beijing_today
from ui.widgets import choose_campaign, file_field, show_flash

GEN_KEY = "rectification.gen"  # bumped after a change: fresh form fields
FLASH_KEY = "rectification.flash"  # a success message to show after st.rerun()
STEPS = ("issued", "plan", "check", "lifted")
ITEM_STATUSES = ("open", "in_progress", "done")
ALL = ""


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("rectification.error.denied", lang)
    if isinstance(exc, NotFound):
        return t("rectification.error.not_found", lang, detail=str(exc))
    return t("rectification.error.refused", lang, detail=str(exc))


def head_error_text(exc: ServiceError, lang: str) -> str:
    """A refusal of the head's action in ``lang``: its own wording (field names translated),
    or the unit register's for a new head it refused."""
    if isinstance(exc, HeadRefused):
        params = dict(exc.params)
        if "field" in params:
            params["field"] = t(f"heads.field.{params['field']}", lang)
        return t(exc.key, lang, **params)
    if isinstance(exc, RegisterRefused):
        try:
            return t(exc.key, lang, **exc.params)
        except (KeyError, IndexError, ValueError):
            pass
    return error_text(exc, lang)


def head_summary(action: cards.HeadActionView, lang: str) -> None:
    """The recorded action, for admins and the unit's liaison alike."""
    head = action.head_name or t("heads.unknown_head", lang)
    day = action.decided_on.isoformat() if action.decided_on else "—"
    st.markdown(f"**{t('heads.summary.header', lang)}**")
    if action.outcome == "removed":
        st.success(
            t(
                "heads.summary.removed",
                lang,
                head=head,
                on=day,
                body=action.decision_body,
                number=action.document_number,
            ),
            icon=":material/gavel:",
        )
        if action.reason:
            st.text(t("heads.summary.note", lang, reason=action.reason))
    else:
        st.info(t("heads.summary.not_removed", lang, head=head, reason=action.reason), icon=":material/info:")
        if action.decided_on:
            st.text(
                t(
                    "heads.summary.decision",
                    lang,
                    on=day,
                    body=action.decision_body,
                    number=action.document_number,
                )
            )
    if action.new_head_name:
        since = action.new_head_since.isoformat() if action.new_head_since else "—"
        st.text(t("heads.summary.new_head", lang, name=action.new_head_name, since=since))
    st.caption(t("heads.summary.recorded", lang, by=action.recorded_by, at=beijing_time(action.recorded_at)))


def head_form(card: cards.CardView, gen: int, lang: str) -> None:
    """Admins: record what was done about the head of ``card``."""
    # the head concerned: the one this appraisal recorded (as services/heads.py names it)
    named = {p.card_id: p.head_name for p in pending}.get(card.id, "")
    head = named or (card.head.now.name if card.head is not None else "") or t("heads.unknown_head", lang)
    st.markdown(f"**{t('heads.form.header', lang)}**")
    st.caption(t("heads.form.help", lang, head=head))
    key = f"{gen}.{card.id}"
    with st.form(f"heads.form.{key}", enter_to_submit=False, border=False):
        outcome = st.radio(
            t("heads.outcome", lang),
            heads.OUTCOMES,
            format_func=lambda o: t(f"heads.outcome.{o}", lang),
            horizontal=True,
            key=f"heads.outcome.{key}",
        )
        left, middle, right = st.columns(3)
        decided_on = left.date_input(
            t("heads.decided_on", lang), value=None, max_value=beijing_today(), key=f"heads.decided_on.{key}"
        )
        body = middle.text_input(t("heads.decision_body", lang), max_chars=100, key=f"heads.body.{key}")
        number = right.text_input(t("heads.document_number", lang), max_chars=100, key=f"heads.number.{key}")
        reason = st.text_area(t("heads.reason", lang), height=80, key=f"heads.reason.{key}")
        st.caption(t("heads.new_head.help", lang))
        left, right = st.columns(2)
        new_head = left.text_input(t("heads.new_head_name", lang), max_chars=100, key=f"heads.new_head.{key}")
        new_since = right.date_input(
            t("heads.new_head_since", lang),
            value=None,
            max_value=beijing_today(),
            key=f"heads.new_since.{key}",
        )
        send = st.form_submit_button(t("heads.submit", lang), type="primary", key="heads.submit")
    if send:
        try:
            heads.record_head_action(
                uow(),
                user,
                card.id,
                outcome=outcome,
                decided_on=decided_on,
                decision_body=body,
                document_number=number,
                reason=reason,
                new_head_name=new_head,
                new_head_since=new_since,
            )
        except ServiceError as exc:
            st.error(head_error_text(exc, lang))
        else:
            bump(t("heads.done", lang))


def bump(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def steps_line(card: cards.CardView, lang: str) -> str:
    """The card's lifecycle as badges: done steps green, the current one blue."""
    if card.status == "escalated":
        return f":red-badge[{t('cards.status.escalated', lang)}]"
    if card.status == "closed":
        closed = t("cards.status.closed", lang)
        return f":red-badge[{t('cards.status.escalated', lang)}] → :green-badge[{closed}]"
    current = STEPS.index(card.status)
    badges = []
    for i, step in enumerate(STEPS):
        label = t(f"cards.status.{step}", lang)
        color = "green" if i < current else ("blue" if i == current else "gray")
        badges.append(f":{color}-badge[{label}]")
    return " → ".join(badges)


lang = current_lang()
user = current_user()
st.title(t("rectification.title", lang))
if user is None:
    st.info(t("auth.sign_in_first", lang))
    st.stop()
try:
    own_unit = cards.card_scope(user)
except PermissionDenied:
    st.warning(t("auth.not_allowed", lang, role=t(f"role.{user.role}", lang)))
    st.stop()
is_admin = Role(user.role) == Role.admin
is_liaison = Role(user.role) == Role.liaison
st.caption(t("rectification.intro", lang))

show_flash(FLASH_KEY)

code = choose_campaign(
    results.published_campaigns(uow()),
    t("rectification.campaign", lang),
    lambda c: t("rectification.campaign_option", lang, name=c.name, code=c.code),
    empty=t("rectification.no_campaigns", lang),
    key="rectification.campaign",
).code
gen = st.session_state.get(GEN_KEY, 0)

try:
    card_list = cards.list_cards(uow(), user, code)
    items = rectification.ledger(uow(), user, code)
    rates = rectification.unit_rates(uow(), user, code)
    pending = heads.pending_head_actions(uow(), user, code) if is_admin else []
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()

overdue = [i for i in items if i.overdue]
cols = st.columns(4)
cols[0].metric(t("cards.metric.cards", lang), len(card_list), border=True)
cols[1].metric(t("cards.metric.open", lang), sum(c.status in cards.OPEN for c in card_list), border=True)
cols[2].metric(t("rectification.metric.items", lang), len(items), border=True)
cols[3].metric(t("rectification.metric.overdue", lang), len(overdue), border=True)

tab_cards, tab_ledger, tab_rates = st.tabs(
    [t("cards.tab", lang), t("rectification.tab.ledger", lang), t("rectification.tab.rates", lang)]
)

# ---------------------------------------------------------------- cards
with tab_cards:
    st.caption(t("cards.help", lang))
    if is_admin and st.button(t("cards.issue", lang), icon=":material/style:", key="cards.issue"):
        try:
            report = cards.issue_cards(uow(), user, code)
        except ServiceError as exc:
            st.error(error_text(exc, lang))
        else:
            message = t("cards.issued", lang, created=len(report.created), existing=len(report.existing))
            if report.no_longer_carded:
                message += " " + t("cards.no_longer", lang, units="、".join(report.no_longer_carded))
            bump(message)
    if pending:
        with st.container(border=True):
            st.markdown(f"**:red[{t('heads.pending.header', lang, n=len(pending))}]**")
            for p in pending:
                st.text(
                    t(
                        "heads.pending.line",
                        lang,
                        unit=p.unit_name,
                        code=p.unit_code,
                        head=p.head_name or t("heads.unknown_head", lang),
                        status=t(f"cards.status.{p.status}", lang),
                    )
                )
    if not card_list:
        st.info(t("cards.empty", lang))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "unit": [f"{c.unit_name}（{c.unit_code}）" for c in card_list],
                    "color": [t(f"cards.color.{c.color}", lang) for c in card_list],
                    "status": [t(f"cards.status.{c.status}", lang) for c in card_list],
                    "reasons": [
                        "、".join(t(f"cards.reason.{r}", lang) for r in c.reasons) for c in card_list
                    ],
                    "head": [t("cards.yes", lang) if c.head_removal_recommended else "" for c in card_list],
                    "items": [c.open_items for c in card_list],
                }
            ),
            hide_index=True,
            column_config={
                "unit": st.column_config.TextColumn(t("cards.col.unit", lang), width="medium"),
                "color": st.column_config.TextColumn(t("cards.col.color", lang)),
                "status": st.column_config.TextColumn(t("cards.col.status", lang)),
                "reasons": st.column_config.TextColumn(t("cards.col.reasons", lang), width="medium"),
                "head": st.column_config.TextColumn(t("cards.col.head", lang)),
                "items": st.column_config.NumberColumn(t("cards.col.items", lang)),
            },
        )
        by_id = {c.id: c for c in card_list}
        chosen = st.selectbox(
            t("cards.choose", lang),
            list(by_id),
            format_func=lambda i: (
                f"{by_id[i].unit_name}（{by_id[i].unit_code}）· {t(f'cards.color.{by_id[i].color}', lang)}"
            ),
            key=f"cards.choose.{gen}",
        )
        card = by_id[chosen]
        with st.container(border=True):
            st.markdown(steps_line(card, lang))
            if card.head_removal_recommended:
                st.error(t("cards.head_removal", lang), icon=":material/priority_high:")
                if card.head_action is not None:
                    head_summary(card.head_action, lang)
                elif is_admin and card.status not in cards.FINAL:
                    head_form(card, gen, lang)
                else:
                    st.caption(t("heads.not_yet", lang))
            st.markdown(f"**{t('cards.plan', lang)}**")
            st.text(card.plan or "—")
            st.markdown(f"**{t('cards.check_note', lang)}**")
            st.text(card.check_note or "—")

            if is_liaison and card.status in ("issued", "plan"):
                with st.form(f"cards.plan.form.{gen}.{card.id}", enter_to_submit=False, border=False):
                    plan = st.text_area(
                        t("cards.plan.input", lang),
                        value=card.plan,
                        key=f"cards.plan.{gen}.{card.id}",
                        height=120,
                    )
                    send_plan = st.form_submit_button(
                        t("cards.plan.submit", lang), type="primary", key="cards.plan.submit"
                    )
                if send_plan:
                    try:
                        cards.submit_plan(uow(), user, card.id, plan)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        bump(t("cards.plan.done", lang))
            if is_admin and card.status == "plan":
                with st.form(f"cards.check.form.{gen}.{card.id}", enter_to_submit=False, border=False):
                    note = st.text_area(
                        t("cards.check.input", lang), key=f"cards.check.{gen}.{card.id}", height=100
                    )
                    send_check = st.form_submit_button(
                        t("cards.check.submit", lang), type="primary", key="cards.check.submit"
                    )
                if send_check:
                    try:
                        cards.record_check(uow(), user, card.id, note)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        bump(t("cards.check.done", lang))
            if (
                is_admin
                and card.status == "check"
                and st.button(
                    t("cards.lift", lang), type="primary", icon=":material/verified:", key="cards.lift"
                )
            ):
                try:
                    cards.lift_card(uow(), user, card.id)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    bump(t("cards.lift.done", lang))
            if is_admin and card.status in cards.OPEN:
                with (
                    st.expander(t("cards.escalate", lang)),
                    st.form(f"cards.escalate.form.{gen}.{card.id}", enter_to_submit=False, border=False),
                ):
                    reason = st.text_area(
                        t("cards.escalate.input", lang), key=f"cards.escalate.{gen}.{card.id}", height=80
                    )
                    escalate = st.form_submit_button(
                        t("cards.escalate.submit", lang), icon=":material/warning:", key="cards.escalate"
                    )
                if escalate:
                    try:
                        cards.escalate_card(uow(), user, card.id, reason)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        bump(t("cards.escalate.done", lang))
            if is_admin and card.status == "escalated" and card.head_action is not None:
                st.caption(t("heads.close.help", lang))
                if st.button(
                    t("heads.close", lang), type="primary", icon=":material/task_alt:", key="heads.close"
                ):
                    try:
                        cards.close_card(uow(), user, card.id)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        bump(t("heads.close.done", lang))
            if card.status in cards.FINAL:
                st.caption(t("cards.closed", lang))

# ---------------------------------------------------------------- the ledger
with tab_ledger:
    st.caption(t("rectification.help", lang))
    if is_admin:
        with st.expander(t("rectification.generate", lang)):
            st.caption(t("rectification.generate.help", lang))
            deadline = st.date_input(
                t("rectification.generate.deadline", lang),
                value=beijing_today() + timedelta(days=30),
                key=f"rectification.deadline.{gen}",
            )
            if st.button(t("rectification.generate.submit", lang), key="rectification.generate"):
                try:
                    made = rectification.generate_items(uow(), user, code, deadline)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    bump(
                        t(
                            "rectification.generate.done",
                            lang,
                            n=sum(made.values()),
                            survey=made.get("survey", 0),
                            call=made.get("call", 0),
                            appeal=made.get("appeal", 0),
                            card=made.get("card", 0),
                        )
                    )
    left, middle, right = st.columns([2, 2, 1])
    units = sorted({(i.unit_code, i.unit_name) for i in items})
    unit_filter = ALL
    if own_unit is None:
        unit_filter = left.selectbox(
            t("rectification.filter.unit", lang),
            [ALL, *[u for u, _ in units]],
            format_func=lambda u: (
                t("rectification.filter.all", lang) if u == ALL else f"{dict(units)[u]}（{u}）"
            ),
            key="rectification.filter.unit",
        )
    status_filter = middle.selectbox(
        t("rectification.filter.status", lang),
        [ALL, *ITEM_STATUSES],
        format_func=lambda s: (
            t("rectification.filter.all", lang) if s == ALL else t(f"rectification.status.{s}", lang)
        ),
        key="rectification.filter.status",
    )
    overdue_only = right.toggle(t("rectification.filter.overdue", lang), key="rectification.filter.overdue")
    shown = [
        i
        for i in items
        if (not unit_filter or i.unit_code == unit_filter)
        and (not status_filter or i.status == status_filter)
        and (not overdue_only or i.overdue)
    ]
    if not shown:
        st.info(t("rectification.empty", lang))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "id": [i.id for i in shown],
                    "unit": [f"{i.unit_name}（{i.unit_code}）" for i in shown],
                    "source": [t(f"rectification.source.{i.source}", lang) for i in shown],
                    "description": [i.description for i in shown],
                    "deadline": [i.deadline.isoformat() if i.deadline else "" for i in shown],
                    "status": [t(f"rectification.status.{i.status}", lang) for i in shown],
                    "overdue": [t("rectification.overdue", lang) if i.overdue else "" for i in shown],
                    "note": [i.progress_note for i in shown],
                    "evidence": [i.evidence_name for i in shown],
                }
            ),
            hide_index=True,
            column_config={
                "id": st.column_config.NumberColumn(t("rectification.col.id", lang), width="small"),
                "unit": st.column_config.TextColumn(t("rectification.col.unit", lang), width="medium"),
                "source": st.column_config.TextColumn(t("rectification.col.source", lang)),
                "description": st.column_config.TextColumn(
                    t("rectification.col.description", lang), width="large"
                ),
                "deadline": st.column_config.TextColumn(t("rectification.col.deadline", lang)),
                "status": st.column_config.TextColumn(t("rectification.col.status", lang)),
                "overdue": st.column_config.TextColumn(t("rectification.col.overdue", lang)),
                "note": st.column_config.TextColumn(t("rectification.col.note", lang), width="medium"),
                "evidence": st.column_config.TextColumn(t("rectification.col.evidence", lang)),
            },
        )
        # ------------------------------------------------------------ update one item
        st.markdown(f"**{t('rectification.edit.header', lang)}**")
        by_item = {i.id: i for i in shown}
        item_id = st.selectbox(
            t("rectification.edit.choose", lang),
            list(by_item),
            format_func=lambda i: f"#{i} · {by_item[i].unit_name} · {by_item[i].description[:40]}",
            key=f"rectification.edit.choose.{gen}",
        )
        item = by_item[item_id]
        allowed_statuses = ITEM_STATUSES if is_admin else ("in_progress", "done")
        current = item.status if item.status in allowed_statuses else allowed_statuses[0]
        if item.evidence_name:
            try:
                name, data = rectification.item_evidence(uow(), user, item.id)
            except ServiceError as exc:
                st.error(error_text(exc, lang))
            else:
                st.download_button(
                    t("rectification.edit.download", lang, name=name),
                    data,
                    file_name=name,
                    key=f"rectification.download.{item.id}",
                    icon=":material/attach_file:",
                )
        with st.form(f"rectification.edit.{gen}.{item.id}", enter_to_submit=False, border=False):
            new_status = st.selectbox(
                t("rectification.edit.status", lang),
                allowed_statuses,
                index=allowed_statuses.index(current),
                format_func=lambda s: t(f"rectification.status.{s}", lang),
                key=f"rectification.edit.status.{gen}.{item.id}",
            )
            note = st.text_area(
                t("rectification.edit.note", lang),
                value=item.progress_note,
                key=f"rectification.edit.note.{gen}.{item.id}",
                height=100,
            )
            new_deadline = None
            if is_admin:
                new_deadline = st.date_input(
                    t("rectification.edit.deadline", lang),
                    value=item.deadline,
                    key=f"rectification.edit.deadline.{gen}.{item.id}",
                )
            upload = file_field(
                t("rectification.edit.evidence", lang, mb=MAX_EVIDENCE_BYTES // 2**20),
                key=f"rectification.edit.evidence.{gen}.{item.id}",
                max_bytes=MAX_EVIDENCE_BYTES,
            )
            save = st.form_submit_button(
                t("rectification.edit.save", lang), type="primary", key="rectification.edit.save"
            )
        if save:
            if upload is not None and upload.size > MAX_EVIDENCE_BYTES:
                st.warning(t("rectification.edit.too_large", lang, mb=MAX_EVIDENCE_BYTES // 1024 // 1024))
            else:
                try:
                    rectification.update_item(
                        uow(),
                        user,
                        item.id,
                        status=new_status if new_status != item.status else None,
                        progress_note=note if note != item.progress_note else None,
                        evidence=upload.getvalue() if upload is not None else None,
                        evidence_name=upload.name if upload is not None else "",
                        deadline=new_deadline if new_deadline and new_deadline != item.deadline else None,
                    )
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    bump(t("rectification.edit.done", lang, id=item.id))

# ---------------------------------------------------------------- rates and overdue items
with tab_rates:
    st.caption(t("rectification.rates.help", lang))
    if not rates:
        st.info(t("rectification.empty", lang))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "unit": [f"{r.unit_name}（{r.unit_code}）" for r in rates],
                    "items": [r.items for r in rates],
                    "done": [r.done for r in rates],
                    "in_progress": [r.in_progress for r in rates],
                    "open": [r.open for r in rates],
                    "overdue": [r.overdue for r in rates],
                    "rate": pd.array(
                        [None if r.rate is None else 100 * r.rate for r in rates], dtype="Float64"
                    ),
                }
            ),
            hide_index=True,
            column_config={
                "unit": st.column_config.TextColumn(t("rectification.col.unit", lang), width="medium"),
                "items": st.column_config.NumberColumn(t("rectification.rates.items", lang)),
                "done": st.column_config.NumberColumn(t("rectification.status.done", lang)),
                "in_progress": st.column_config.NumberColumn(t("rectification.status.in_progress", lang)),
                "open": st.column_config.NumberColumn(t("rectification.status.open", lang)),
                "overdue": st.column_config.NumberColumn(t("rectification.overdue", lang)),
                "rate": st.column_config.ProgressColumn(
                    t("rectification.rates.rate", lang), format="%.0f%%", min_value=0, max_value=100
                ),
            },
        )
    st.markdown(f"**{t('rectification.overdue.header', lang, n=len(overdue))}**")
    if overdue:
        for i in overdue:
            st.text(
                t(
                    "rectification.overdue.line",
                    lang,
                    unit=i.unit_name,
                    deadline=i.deadline.isoformat() if i.deadline else "—",
                    description=i.description,
                )
            )
    else:
        st.caption(t("rectification.overdue.none", lang))
