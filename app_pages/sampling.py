"""Sampling (抽样), staff: sampling frames and the do-not-call list in, a phone sample out.

Admins and the contractor's supervisors upload frames (CSV or XLSX), check them line by
line before importing, and upload do-not-call numbers; they see the design a set of
parameters gives (sizes, expected completes, cost in calls) before anything is drawn.
Only supervisors draw the sample and release replacement batches. The page never shows
a name or a number: frames are summarised by counts.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

import streamlit as st

from db.uow import UnitOfWork
from services.errors import NotFound, ServiceError
from services.permissions import CurrentUser, Permission, PermissionDenied, allowed
from services.sampling import (
    DoNotCallReport,
    FrameRefused,
    FrameSummary,
    ImportReport,
    SampleInfo,
    SamplingCampaign,
    check_frame,
    draw_sample,
    frame_summary,
    import_do_not_call,
    import_frame,
    preview_design,
    release_replacement_batch,
    sample_status,
    sampling_campaigns,
)
from survey.sampling import Design, DesignParams
from ui.auth import current_user, require_page_permission
from ui.defects import show_defects
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_date, beijing_time
from ui.widgets import choose_campaign

# The last file report (a frozen dataclass from the service) and the design the person
# previewed, kept across reruns until replaced.
FRAME_REPORT_KEY: Final = "sampling.frame_report"
DNC_REPORT_KEY: Final = "sampling.dnc_report"
DESIGN_KEY: Final = "sampling.design"
NOTICE_KEY: Final = "sampling.notice"
SEED_KEY: Final = "sampling.seed"
# number_input travels through JavaScript numbers: larger seeds would lose digits.
MAX_UI_SEED: Final = 2**53 - 1
DEFAULT_SEED_BELOW: Final = 10**9  # nine digits: easy to write into a fieldwork report
CONFIDENCES: Final = (0.90, 0.95, 0.99)
MAX_DEFECTS_SHOWN: Final = 500


def show_error(exc: ServiceError, lang: str) -> None:
    if isinstance(exc, PermissionDenied):
        st.error(t("sampling.error.permission", lang))
    elif isinstance(exc, NotFound):
        st.error(t("sampling.error.not_found", lang, reason=exc))
    else:
        st.error(t("sampling.error.refused", lang, reason=exc))


def campaign_label(campaign: SamplingCampaign, lang: str) -> str:
    status = t(f"sampling.status.{campaign.status.value}", lang)
    return t("sampling.campaign_option", lang, name=campaign.name, code=campaign.code, status=status)


def upload_frame(user: CurrentUser, campaign_code: str, name: str, data: bytes, *, check_only: bool) -> None:
    """Check or import an uploaded frame; the report is kept for :func:`draw_frame_report`."""
    try:
        if check_only:
            report = check_frame(UnitOfWork(actor="web"), user, campaign_code, data, name)
        else:
            report = import_frame(UnitOfWork(actor="web"), user, campaign_code, data, name)
    except FrameRefused as exc:
        st.session_state[FRAME_REPORT_KEY] = exc.report
        st.session_state[NOTICE_KEY] = ("error", "sampling.frame.refused")
    except ServiceError as exc:
        show_error(exc, current_lang())
    else:
        st.session_state[FRAME_REPORT_KEY] = report
        if check_only:
            notice = "sampling.frame.check_refuses" if report.refused else "sampling.frame.check_ok"
        else:
            notice = "sampling.frame.imported" if report.frame_id is not None else "sampling.frame.nothing"
        st.session_state[NOTICE_KEY] = ("error" if report.refused else "success", notice)


def upload_do_not_call(user: CurrentUser, name: str, data: bytes) -> None:
    try:
        report = import_do_not_call(UnitOfWork(actor="web"), user, data, name)
    except FrameRefused as exc:
        st.session_state[DNC_REPORT_KEY] = exc.report
    except ServiceError as exc:
        show_error(exc, current_lang())
    else:
        st.session_state[DNC_REPORT_KEY] = report


def draw_defects(defects: tuple[Any, ...], lang: str) -> None:
    show_defects(defects, lang, kind=lambda k: t(f"sampling.kind.{k}", lang), limit=MAX_DEFECTS_SHOWN)


def draw_frame_report(report: ImportReport, lang: str) -> None:
    notice = st.session_state.get(NOTICE_KEY)
    if isinstance(notice, tuple) and len(notice) == 2:
        level, key = notice
        text = t(key, lang, file=report.file, stored=report.stored, rows=report.rows)
        (st.error if level == "error" else st.success)(text)
    st.caption(
        t(
            "sampling.frame.report",
            lang,
            file=report.file,
            encoding=report.encoding or "—",
            rows=report.rows,
            stored=report.stored,
            invalid=report.skipped("invalid_phone"),
            duplicate=report.skipped("duplicate"),
            dnc=report.skipped("do_not_call"),
        )
    )
    draw_defects(report.defects, lang)


def draw_dnc_report(report: DoNotCallReport, lang: str) -> None:
    level = st.error if report.refused else st.success
    level(
        t(
            "sampling.dnc.report",
            lang,
            file=report.file,
            rows=report.rows,
            added=report.added,
            already=report.already_listed,
        )
    )
    draw_defects(report.defects, lang)


def draw_frames(summary: FrameSummary, lang: str) -> None:
    frames_column, entries_column, callable_column, blocked_column = st.columns(4)
    frames_column.metric(t("sampling.frames.count", lang), len(summary.frames))
    entries_column.metric(t("sampling.frames.entries", lang), summary.entries)
    callable_column.metric(t("sampling.frames.callable", lang), summary.callable)
    blocked_column.metric(t("sampling.frames.blocked", lang), summary.blocked)
    if not summary.frames:
        st.info(t("sampling.frames.none", lang))
        return
    with st.expander(t("sampling.frames.by_unit", lang)):
        st.dataframe(
            [
                {
                    "unit": u.unit_name,
                    "code": u.unit_code,
                    "entries": u.entries,
                    "callable": u.callable,
                    "groups": " · ".join(f"{g or '—'} {n}" for g, n in u.groups),
                }
                for u in summary.units
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "unit": st.column_config.TextColumn(t("sampling.col.unit", lang)),
                "code": st.column_config.TextColumn(t("sampling.col.code", lang)),
                "entries": st.column_config.NumberColumn(t("sampling.frames.entries", lang)),
                "callable": st.column_config.NumberColumn(t("sampling.frames.callable", lang)),
                "groups": st.column_config.TextColumn(t("sampling.col.groups", lang)),
            },
        )
        st.caption(
            " · ".join(
                t(
                    "sampling.frames.frame",
                    lang,
                    name=f.name,
                    entries=f.entries,
                    at=beijing_date(f.imported_at),
                )
                for f in summary.frames
            )
        )


def design_form(lang: str) -> dict[str, Any] | None:
    """The design parameters and seed, when the preview button was pressed."""
    st.session_state.setdefault(SEED_KEY, secrets.randbelow(DEFAULT_SEED_BELOW))
    with st.form("sampling.design_form", enter_to_submit=False):
        st.subheader(t("sampling.design.header", lang))
        left, middle, right = st.columns(3)
        with left:
            moe = st.number_input(
                t("sampling.design.moe", lang),
                1.0,
                30.0,
                8.0,
                0.5,
                key="sampling.moe",
                help=t("sampling.design.moe_help", lang),
            )
            confidence = st.selectbox(
                t("sampling.design.confidence", lang),
                CONFIDENCES,
                index=1,
                format_func=lambda c: f"{c:.0%}",
                key="sampling.confidence",
            )
            expected_p = st.number_input(
                t("sampling.design.expected_p", lang),
                1.0,
                99.0,
                50.0,
                1.0,
                key="sampling.expected_p",
                help=t("sampling.design.expected_p_help", lang),
            )
        with middle:
            response_rate = st.number_input(
                t("sampling.design.response_rate", lang),
                1.0,
                100.0,
                50.0,
                1.0,
                key="sampling.response_rate",
                help=t("sampling.design.response_rate_help", lang),
            )
            attempts = st.number_input(
                t("sampling.design.attempts", lang),
                1.0,
                20.0,
                2.5,
                0.5,
                key="sampling.attempts",
                help=t("sampling.design.attempts_help", lang),
            )
            quotas = st.toggle(
                t("sampling.design.quotas", lang),
                key="sampling.quotas",
                help=t("sampling.design.quotas_help", lang),
            )
        with right:
            fixed = st.toggle(t("sampling.design.fixed", lang), key="sampling.fixed")
            fixed_completes = st.number_input(
                t("sampling.design.fixed_completes", lang), 1, 10_000, 30, 1, key="sampling.fixed_completes"
            )
            seed = st.number_input(
                t("sampling.design.seed", lang),
                0,
                MAX_UI_SEED,
                step=1,
                key=SEED_KEY,
                help=t("sampling.design.seed_help", lang),
            )
        submitted = st.form_submit_button(
            t("sampling.design.preview", lang), type="primary", icon=":material/calculate:"
        )
    if not submitted:
        return None
    return {
        "margin_of_error": float(moe) / 100.0,
        "confidence": float(confidence),
        "expected_p": float(expected_p) / 100.0,
        "response_rate": float(response_rate) / 100.0,
        "attempts_per_case": float(attempts),
        "fixed_completes": int(fixed_completes) if fixed else None,
        "quotas": bool(quotas),
        "seed": int(seed),
    }


def params_of(stored: dict[str, Any]) -> DesignParams:
    return DesignParams(
        margin_of_error=stored["margin_of_error"],
        confidence=stored["confidence"],
        expected_p=stored["expected_p"],
        response_rate=stored["response_rate"],
        attempts_per_case=stored["attempts_per_case"],
        fixed_completes=stored["fixed_completes"],
        quotas=stored["quotas"],
    )


def draw_design(design: Design, names: dict[str, str], lang: str) -> None:
    st.subheader(t("sampling.preview.header", lang))
    draw_column, completes_column, calls_column, capped_column = st.columns(4)
    draw_column.metric(t("sampling.preview.to_draw", lang), design.to_draw)
    completes_column.metric(t("sampling.preview.completes", lang), f"{design.expected_completes:,.0f}")
    calls_column.metric(t("sampling.preview.calls", lang), f"{design.expected_calls:,.0f}")
    capped_column.metric(t("sampling.preview.capped", lang), design.capped_units)
    rows = [
        {
            "unit": names.get(u.unit, u.unit),
            "code": u.unit,
            "frame": u.frame_size,
            "target": u.target_completes,
            "to_draw": u.to_draw,
            "completes": round(u.expected_completes, 1),
            "calls": round(u.expected_calls, 1),
            "margin": None if u.expected_margin == float("inf") else 100.0 * u.expected_margin,
            "capped": u.capped,
            "groups": " · ".join(f"{g} {d}" for g, _, d, _ in u.groups if g),
        }
        for u in design.units
    ]
    rows.append(
        {
            "unit": t("sampling.preview.total", lang),
            "code": "",
            "frame": design.frame_size,
            "target": design.target_completes,
            "to_draw": design.to_draw,
            "completes": round(design.expected_completes, 1),
            "calls": round(design.expected_calls, 1),
            "margin": None,
            "capped": design.capped_units > 0,
            "groups": "",
        }
    )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "unit": st.column_config.TextColumn(t("sampling.col.unit", lang)),
            "code": st.column_config.TextColumn(t("sampling.col.code", lang)),
            "frame": st.column_config.NumberColumn(t("sampling.col.frame", lang)),
            "target": st.column_config.NumberColumn(t("sampling.col.target", lang)),
            "to_draw": st.column_config.NumberColumn(t("sampling.col.to_draw", lang)),
            "completes": st.column_config.NumberColumn(t("sampling.col.completes", lang), format="%.1f"),
            "calls": st.column_config.NumberColumn(t("sampling.col.calls", lang), format="%.1f"),
            "margin": st.column_config.NumberColumn(t("sampling.col.margin", lang), format="±%.1f"),
            "capped": st.column_config.CheckboxColumn(t("sampling.col.capped", lang)),
            "groups": st.column_config.TextColumn(t("sampling.col.groups", lang)),
        },
    )
    if design.capped_units:
        st.caption(t("sampling.preview.capped_note", lang))


def draw_sample_status(info: SampleInfo, names: dict[str, str], lang: str) -> None:
    st.subheader(t("sampling.sample.header", lang))
    st.success(
        t(
            "sampling.sample.info",
            lang,
            seed=info.seed,
            by=info.drawn_by,
            at=beijing_time(info.drawn_at),
            batches=info.replacements,
        )
    )
    rows = [
        {
            "unit": u.unit_name,
            "code": u.unit_code,
            "target": u.target_completes,
            "batch": u.batch,
            "cases": u.cases,
            "open": u.batch_open,
            "completes": u.completes,
            "remaining": u.remaining,
            "eligible": u.eligible,
        }
        for u in info.units
        if u.cases
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "unit": st.column_config.TextColumn(t("sampling.col.unit", lang)),
            "code": st.column_config.TextColumn(t("sampling.col.code", lang)),
            "target": st.column_config.NumberColumn(t("sampling.col.target", lang)),
            "batch": st.column_config.NumberColumn(t("sampling.col.batch", lang)),
            "cases": st.column_config.NumberColumn(t("sampling.col.cases", lang)),
            "open": st.column_config.NumberColumn(t("sampling.col.open", lang)),
            "completes": st.column_config.NumberColumn(t("sampling.col.done", lang)),
            "remaining": st.column_config.NumberColumn(t("sampling.col.remaining", lang)),
            "eligible": st.column_config.CheckboxColumn(t("sampling.col.eligible", lang)),
        },
    )


# ---------------------------------------------------------------- the page

lang = current_lang()
# Admins and supervisors both manage frames; the navigation lists the page for either.
signed_in = current_user()
needed = (
    Permission.configure_campaign
    if allowed(signed_in, Permission.configure_campaign)
    else Permission.assign_cases
)
user = require_page_permission(needed, lang)
may_draw = allowed(user, Permission.assign_cases)

st.title(t("nav.sampling", lang))
st.write(t("sampling.intro", lang))

try:
    campaigns = sampling_campaigns(UnitOfWork(actor="web"), user)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
campaign_code = choose_campaign(
    campaigns,
    t("sampling.campaign", lang),
    lambda c: campaign_label(c, lang),
    empty=t("sampling.no_campaigns", lang),
    key="sampling.campaign",
).code

# Frames and the do-not-call list
st.header(t("sampling.frames.header", lang))
frame_tab, dnc_tab = st.tabs([t("sampling.frame.tab", lang), t("sampling.dnc.tab", lang)])
with frame_tab:
    st.caption(t("sampling.frame.rule", lang))
    frame_file = st.file_uploader(
        t("sampling.frame.upload", lang), type=["csv", "xlsx"], key="sampling.frame_file"
    )
    check_column, import_column = st.columns(2)
    check_clicked = check_column.button(
        t("sampling.frame.check", lang),
        key="sampling.frame_check",
        disabled=frame_file is None,
        width="stretch",
    )
    import_clicked = import_column.button(
        t("sampling.frame.import", lang),
        key="sampling.frame_import",
        disabled=frame_file is None,
        type="primary",
        width="stretch",
    )
    if frame_file is not None and (check_clicked or import_clicked):
        with st.spinner(t("sampling.working", lang)):
            upload_frame(
                user, campaign_code, frame_file.name, frame_file.getvalue(), check_only=check_clicked
            )
    frame_report = st.session_state.get(FRAME_REPORT_KEY)
    if isinstance(frame_report, ImportReport):
        draw_frame_report(frame_report, lang)
with dnc_tab:
    st.caption(t("sampling.dnc.rule", lang))
    dnc_file = st.file_uploader(t("sampling.dnc.upload", lang), type=["csv", "xlsx"], key="sampling.dnc_file")
    if (
        st.button(t("sampling.dnc.import", lang), key="sampling.dnc_import", disabled=dnc_file is None)
        and dnc_file
    ):
        upload_do_not_call(user, dnc_file.name, dnc_file.getvalue())
    dnc_report = st.session_state.get(DNC_REPORT_KEY)
    if isinstance(dnc_report, DoNotCallReport):
        draw_dnc_report(dnc_report, lang)

try:
    summary = frame_summary(UnitOfWork(actor="web"), user, campaign_code)
    info = sample_status(UnitOfWork(actor="web"), user, campaign_code)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
draw_frames(summary, lang)
names = {u.unit_code: u.unit_name for u in summary.units}

# The sample: design and draw before it exists, its batches afterwards
st.header(t("sampling.sample.section", lang))
if info is None:
    submitted = design_form(lang)
    if submitted is not None:
        st.session_state[DESIGN_KEY] = {**submitted, "campaign": campaign_code}
    stored = st.session_state.get(DESIGN_KEY)
    if isinstance(stored, dict) and stored.get("campaign") == campaign_code:
        try:
            design = preview_design(UnitOfWork(actor="web"), user, campaign_code, params_of(stored))
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            draw_design(design, names, lang)
            if not may_draw:
                st.info(t("sampling.draw.supervisors_only", lang))
            elif st.button(
                t("sampling.draw.button", lang, n=design.to_draw, seed=stored["seed"]),
                key="sampling.draw",
                type="primary",
                icon=":material/casino:",
                disabled=design.to_draw == 0,
            ):
                try:
                    result = draw_sample(
                        UnitOfWork(actor="web"),
                        user,
                        campaign_code,
                        params_of(stored),
                        stored["seed"],
                        expected_to_draw=design.to_draw,
                    )
                except ServiceError as exc:
                    show_error(exc, lang)
                else:
                    st.session_state.pop(DESIGN_KEY, None)
                    st.session_state[NOTICE_KEY] = None
                    st.success(
                        t(
                            "sampling.draw.done",
                            lang,
                            cases=result.cases,
                            units=result.units,
                            first=result.first_code,
                            last=result.last_code,
                            seed=result.seed,
                        )
                    )
                    info = sample_status(UnitOfWork(actor="web"), user, campaign_code)
    else:
        st.caption(t("sampling.preview.first", lang))
if info is not None:
    draw_sample_status(info, names, lang)
    eligible = info.eligible_units
    if not eligible:
        st.caption(t("sampling.replace.none", lang))
    elif not may_draw:
        st.info(t("sampling.draw.supervisors_only", lang))
    else:
        replace_unit = st.selectbox(
            t("sampling.replace.unit", lang),
            options=list(eligible),
            format_func=lambda code: f"{names.get(code, code)} ({code})",
            key="sampling.replace_unit",
        )
        if st.button(t("sampling.replace.button", lang), key="sampling.replace", icon=":material/autorenew:"):
            try:
                batch = release_replacement_batch(UnitOfWork(actor="web"), user, campaign_code, replace_unit)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                st.success(
                    t(
                        "sampling.replace.done",
                        lang,
                        unit=names.get(batch.unit_code, batch.unit_code),
                        batch=batch.batch,
                        cases=batch.cases,
                        first=batch.first_code,
                        last=batch.last_code,
                    )
                )
