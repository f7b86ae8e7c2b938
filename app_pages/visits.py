"""Inspection visits (检查记录), the inspector's phone page: pick an active round assigned to
them and a unit (those not yet visited first), the time of the visit (Beijing time, now by
default), the four head counts with the three rates (三率) shown as they are typed, the
findings typed with the twelve harms (十二害), notes and photos (uploaded or taken with
the camera), check the summary, save; then the own visits of the day. Only services are
called (services/inspections.py, inspection_rounds.py); a refusal is shown, never a traceback.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from db.uow import UnitOfWork
from scoring.registries import HARMS, check_head_counts
from services import inspection_rounds as ir
from services import inspections as ins
from services.errors import NotFound, ServiceError
from services.inspection_photos import MAX_PHOTO_BYTES, PhotoRefused
from services.permissions import PermissionDenied
from ui.auth import current_user
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import BEIJING, beijing_time, to_beijing
from ui.widgets import multi_choice, show_flash

GEN_KEY = "visits.gen"  # bumped after a visit is saved: fresh fields
FLASH_KEY = "visits.flash"
CONFIRM_KEY = "visits.confirm"  # the generation whose summary is being confirmed
COUNTS = ("expected", "present", "on_post", "focused")
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp"]


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("inspections.error.denied", lang)
    if isinstance(exc, PhotoRefused):
        return t("visits.error.photo", lang, detail=str(exc))
    if isinstance(exc, NotFound):
        return t("inspections.error.not_found", lang, detail=str(exc))
    return t("inspections.error.refused", lang, detail=str(exc))


def rates_line(rates: ins.Rates, lang: str) -> str:
    return t(
        "inspections.rates.line",
        lang,
        attendance=f"{rates.attendance:.0f}%",
        on_post=f"{rates.on_post:.0f}%",
        focus=f"{rates.focus:.0f}%",
    )


lang = current_lang()
user = current_user()
st.title(t("visits.title", lang))
if user is None:
    st.info(t("auth.sign_in_first", lang))
    st.stop()
try:
    assignments = ins.my_assignments(uow(), user)
except PermissionDenied:
    st.warning(t("auth.not_allowed", lang, role=t(f"role.{user.role}", lang)))
    st.stop()
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
show_flash(FLASH_KEY)
gen = st.session_state.get(GEN_KEY, 0)

if not assignments:
    st.info(t("visits.no_rounds", lang))
else:
    by_round = {a.round_id: a for a in assignments}
    round_id = st.selectbox(
        t("visits.round", lang),
        list(by_round),
        format_func=lambda i: t(
            "visits.round_option",
            lang,
            name=by_round[i].name or by_round[i].code,
            mode=t(f"inspections.mode.{by_round[i].mode}", lang),
            start=by_round[i].starts_on.strftime("%m-%d"),
            end=by_round[i].ends_on.strftime("%m-%d"),
        ),
        key="visits.round",
    )
    assignment = by_round[round_id]
    unit_by_code = {u.code: u for u in assignment.units}
    unit_code = st.selectbox(
        t("visits.unit", lang),
        list(unit_by_code),
        format_func=lambda c: (
            f"{unit_by_code[c].name}"
            + (
                f"（{t('visits.visited', lang, n=unit_by_code[c].visits)}）"
                if unit_by_code[c].visited
                else ""
            )
        ),
        key=f"visits.unit.{gen}.{round_id}",
    )
    now = to_beijing(datetime.now(BEIJING))
    chosen = by_round[round_id]
    # the day offered is today, or the round's last day once its period is over (a visit
    # recorded late); a day outside the period is refused by the service, in words
    offered = chosen.ends_on if chosen.starts_on <= chosen.ends_on < now.date() else now.date()
    left, right = st.columns(2)
    day = left.date_input(
        t("visits.day", lang),
        value=offered,
        max_value=now.date(),
        key=f"visits.day.{gen}",
    )
    clock_time = right.time_input(
        t("visits.time", lang),
        value=now.time().replace(second=0, microsecond=0),
        step=60,
        key=f"visits.time.{gen}",
    )

    st.markdown(f"**{t('visits.counts', lang)}**")
    counts: dict[str, int | None] = {}
    for i, name in enumerate(COUNTS):
        if i % 2 == 0:  # rows of two: on a phone the four counts stack in their order
            cols = st.columns(2)
        counts[name] = cols[i % 2].number_input(
            t(f"inspections.count.{name}", lang),
            min_value=0,
            max_value=ins.MAX_HEADS,
            value=None,
            step=1,
            placeholder="0",
            key=f"visits.{name}.{gen}",
        )
    given = [counts[name] for name in COUNTS]
    if all(v is not None for v in given):
        expected, present, on_post, focused = (int(v or 0) for v in given)
        if check_head_counts(expected, present, on_post, focused) is None:
            rates = ins.visit_rates(expected, present, on_post, focused)
            if rates is not None:
                st.success(rates_line(rates, lang), icon=":material/groups:")
        else:
            st.warning(t("visits.counts.impossible", lang))
    else:
        st.caption(t("visits.counts.help", lang))

    harms = multi_choice(
        t("visits.harms", lang),
        list(HARMS),
        lang,
        format_func=lambda h: t(f"inspections.harm.{h}", lang),
        key=f"visits.harms.{gen}",
    )
    descriptions = {
        h: st.text_area(
            t("visits.finding", lang, harm=t(f"inspections.harm.{h}", lang)),
            key=f"visits.finding.{gen}.{h}",
            max_chars=ins.MAX_DESCRIPTION,
            height=80,
        )
        for h in harms
    }
    notes = st.text_area(
        t("visits.notes", lang), key=f"visits.notes.{gen}", max_chars=ir.MAX_NOTES, height=80
    )
    uploads = (
        st.file_uploader(
            t("visits.photos", lang, n=ins.MAX_PHOTOS, mb=MAX_PHOTO_BYTES // 2**20),
            type=PHOTO_TYPES,
            accept_multiple_files=True,
            key=f"visits.photos.{gen}",
            max_upload_size=MAX_PHOTO_BYTES // 2**20,
        )
        or []
    )
    shot = None
    if st.toggle(t("visits.camera", lang), key=f"visits.camera.{gen}"):
        shot = st.camera_input(t("visits.camera.take", lang), key=f"visits.shot.{gen}")
    photos = [(f.name, f.getvalue()) for f in uploads]
    if shot is not None:
        photos.append((shot.name or "camera.jpg", shot.getvalue()))

    if st.button(t("visits.review", lang), type="primary", icon=":material/fact_check:", key="visits.review"):
        st.session_state[CONFIRM_KEY] = gen
    if st.session_state.get(CONFIRM_KEY) == gen:
        with st.container(border=True):
            st.markdown(f"**{t('visits.confirm.header', lang)}**")
            unit = unit_by_code.get(unit_code)
            st.markdown(
                t(
                    "visits.confirm.summary",
                    lang,
                    unit=unit.name if unit else "—",
                    at=f"{day} {clock_time.strftime('%H:%M') if clock_time else '—'}",
                    counts=" / ".join("—" if v is None else str(v) for v in given),
                    findings="、".join(harms) or "—",
                    photos=len(photos),
                )
            )
            left, right = st.columns(2)
            save = left.button(t("visits.confirm.save", lang), type="primary", key="visits.save")
            back = right.button(t("visits.confirm.back", lang), key="visits.back")
        if back:
            st.session_state.pop(CONFIRM_KEY, None)
            st.rerun()
        if save:
            missing = [h for h in harms if not descriptions[h].strip()]
            if any(v is None for v in given):
                st.warning(t("visits.counts.missing", lang))
            elif missing:
                st.warning(t("visits.finding.missing", lang, harms="、".join(missing)))
            elif clock_time is None:
                st.warning(t("visits.time.missing", lang))
            else:
                visited_at = datetime.combine(day, clock_time).replace(tzinfo=BEIJING)
                try:
                    with st.spinner(t("visits.saving", lang)):
                        ins.record_visit(
                            uow(),
                            user,
                            round_id,
                            unit_code=unit_code,
                            visited_at=visited_at,
                            staff_expected=int(given[0] or 0),
                            staff_present=int(given[1] or 0),
                            staff_on_post=int(given[2] or 0),
                            staff_focused=int(given[3] or 0),
                            findings=[(h, descriptions[h]) for h in harms],
                            notes=notes,
                            photos=photos,
                        )
                except ins.OutsidePeriod as exc:  # the refusal met most, said in words
                    st.warning(t("visits.day.outside", lang, start=exc.starts_on, end=exc.ends_on))
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    st.session_state.pop(CONFIRM_KEY, None)
                    st.session_state[FLASH_KEY] = t(
                        "visits.saved", lang, unit=unit.name if unit else unit_code
                    )
                    st.session_state[GEN_KEY] = gen + 1
                    st.rerun()

# ---------------------------------------------------------------- today's own visits
st.subheader(t("visits.today", lang))
try:
    today_visits = ins.my_visits(uow(), user)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    today_visits = []
if not today_visits:
    st.caption(t("visits.today.none", lang))
for v in today_visits:
    with st.container(border=True):
        st.markdown(
            f"**{v.unit_name}** · {beijing_time(v.visited_at, '%H:%M')} · "
            f"{t(f'inspections.visit_status.{v.status}', lang)}"
        )
        rates = v.rates
        line = rates_line(rates, lang) if rates else ""
        harms_seen = "、".join(f.harm for f in v.findings)
        st.caption(t("visits.today.line", lang, rates=line, findings=harms_seen or "—", photos=len(v.photos)))
