"""The campaign designer (评议活动设计): create a campaign, choose its units, set its method.

Every function checks ``configure_campaign``, works in one transaction and writes the audit
trail with before and after values. The method is kept as ``Campaign.method_toml`` (the
method tables and ``[campaign]`` of ``campaign.toml``), written from a
:class:`~services.design_method.CampaignDesign` and checked by the bundle reader's rules;
the non-method settings go to the campaign's own columns (fieldwork dates, public
bulletin, notice days, ``design``) and the respondent groups to their rows. Method
settings and units change only while the campaign is a draft (方法设置在调查开始后锁定;
to change them later, return the campaign to draft with a reason,
:func:`services.campaigns.return_to_draft`).

Next year in one step (换届) is :mod:`services.design_rollover`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from db import audit
from db.models import (
    Campaign,
    CampaignSeries,
    CampaignStatus,
    CampaignUnit,
    District,
    Item,
    PhoneCase,
    RespondentGroup,
    Scale,
    ScaleOption,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from scoring.errors import Defect
from scoring.params import YEAR_RANGE, CampaignInfo
from services import defects as worded
from services.campaigns import load_campaign
from services.design_method import (
    FILE,
    CampaignDesign,
    DesignRefused,
    MarginShare,
    check,
    design_from_toml,
    fold,
    id_defects,
    method_toml,
)
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

S = CampaignStatus
NAME_WIDTH: Final = 200
CODE_WIDTH: Final = 64
#: Largest margins file accepted (a few hundred rows at most in practice).
MAX_MARGIN_BYTES: Final = 1 * 2**20
MARGIN_COLUMNS: Final = ("variable", "category", "share")

MARGIN_SHARE: Final = worded.Wording(
    "designer.defect.share", '"{value}" is not a population share between 0 and 1'
)
MARGIN_EMPTY: Final = worded.Wording("designer.defect.cell_empty", "the cell is empty")
MARGIN_TWICE: Final = worded.Wording(
    "designer.defect.margin_twice", 'category "{category}" of "{variable}" appears twice (line {first})'
)
MARGIN_SUM: Final = worded.Wording(
    "designer.defect.margin_sum", 'the shares of "{variable}" add up to {total}, not 1'
)
MARGIN_SPACES: Final = worded.Wording(
    "designer.defect.spaces", '"{value}" has spaces before or after it; an id must not'
)


class NotDraft(Refused):
    """The campaign's method settings and units are locked: fieldwork has opened."""


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """A campaign in the designer's list, by series."""

    code: str
    name: str
    year: int
    status: str
    series_code: str
    series_name: str
    units: int


def list_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[CampaignRow]:
    """Every campaign, by series then newest year first, with its status and unit count."""
    require(user, Permission.configure_campaign)
    with uow:
        counts = (
            select(CampaignUnit.campaign_id, func.count().label("n"))
            .group_by(CampaignUnit.campaign_id)
            .subquery()
        )
        rows = uow.session.execute(
            select(Campaign, CampaignSeries, counts.c.n)
            .join(CampaignSeries, CampaignSeries.id == Campaign.series_id)
            .outerjoin(counts, counts.c.campaign_id == Campaign.id)
            .order_by(CampaignSeries.code, Campaign.year.desc(), Campaign.code)
        ).all()
        return [
            CampaignRow(c.code, c.name, c.year, S(c.status).value, s.code, s.name, int(n or 0))
            for c, s, n in rows
        ]


def campaign_info(campaign: Campaign) -> CampaignInfo:
    """The ``[campaign]`` table of a stored campaign."""
    series = campaign.series.code if campaign.series is not None else ""
    return CampaignInfo(id=campaign.code, year=campaign.year, name=campaign.name, series=series)


def _group_labels(campaign: Campaign) -> dict[str, tuple[str, str]]:
    session = object_session(campaign)
    if session is None:
        return {}
    rows = session.execute(
        select(RespondentGroup).where(RespondentGroup.campaign_id == campaign.id).order_by(RespondentGroup.id)
    ).scalars()
    return {g.code: (g.label_zh, g.label_en) for g in rows}


def design_from_campaign(campaign: Campaign) -> CampaignDesign:
    """The stored campaign's design: its method text read by the bundle reader, its
    groups' labels, fieldwork dates, bulletin, notice days and ``design``. A method that
    does not parse (a campaign made by hand) gives the defaults for what it cannot say."""
    labels = _group_labels(campaign)
    # labelled groups without a weight join with weight 0 (design_from_params)
    _info, design, _defects = design_from_toml(campaign.method_toml or "", labels)
    stored = dict(campaign.design or {})
    grade_labels = stored.pop("grade_labels", {}) or {}
    grades = tuple(
        replace(
            b,
            label_zh=grade_labels.get(b.name, {}).get("zh", b.label_zh),
            label_en=grade_labels.get(b.name, {}).get("en", b.label_en),
        )
        for b in design.grades
    )
    return replace(
        design,
        grades=grades,
        fieldwork_opens=campaign.fieldwork_opens_on,
        fieldwork_closes=campaign.fieldwork_closes_on,
        public_bulletin=bool(campaign.public_bulletin),
        notice_days=int(campaign.notice_days),
        extra=stored,
    )


def load_design(uow: UnitOfWork, user: CurrentUser | None, code: str) -> CampaignDesign:
    """The design of campaign ``code`` (for the page and ``campaign show``)."""
    require(user, Permission.configure_campaign)
    with uow:
        return design_from_campaign(load_campaign(uow, code))


def describe(uow: UnitOfWork, user: CurrentUser | None, code: str) -> str:
    """The design of campaign ``code`` as ``campaign.toml`` text (method and ``[platform]``)."""
    from services.design_method import design_to_toml

    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, code)
        return design_to_toml(campaign_info(campaign), design_from_campaign(campaign))


# ---------------------------------------------------------------------------- writing


def _expect_draft(campaign: Campaign, what: str = "method settings") -> None:
    status = S(campaign.status)
    if status != S.draft:
        raise NotDraft(
            f"campaign {campaign.code} is {status.value}: its {what} are locked once fieldwork opens "
            "(return it to draft with a reason to change them)"
        )


def _snapshot(campaign: Campaign, design: CampaignDesign) -> dict[str, Any]:
    return {
        "method_toml": campaign.method_toml,
        "fieldwork_opens_on": campaign.fieldwork_opens_on,
        "fieldwork_closes_on": campaign.fieldwork_closes_on,
        "public_bulletin": bool(campaign.public_bulletin),
        "notice_days": campaign.notice_days,
        "design": dict(campaign.design or {}),
        "groups": [[g.code, g.label_zh, g.label_en] for g in design.groups],
    }


def _sync_groups(uow: UnitOfWork, campaign: Campaign, design: CampaignDesign) -> None:
    """Make the campaign's respondent group rows those of ``design`` (labels included);
    a group that already has answers cannot be taken away."""
    session = uow.session
    rows = {
        g.code: g
        for g in session.execute(
            select(RespondentGroup).where(RespondentGroup.campaign_id == campaign.id)
        ).scalars()
    }
    wanted = {g.code: g for g in design.groups}
    for code, row in rows.items():
        if code in wanted:
            row.label_zh, row.label_en = wanted[code].label_zh, wanted[code].label_en
            continue
        answered = session.execute(select(func.count()).where(SurveyResponse.group_id == row.id)).scalar_one()
        if answered:
            raise Refused(
                f"respondent group {code} of campaign {campaign.code} has {answered} answer sheet(s): "
                "it cannot be taken out of the campaign"
            )
        session.delete(row)
    for code, g in wanted.items():
        if code not in rows:
            session.add(
                RespondentGroup(campaign_id=campaign.id, code=code, label_zh=g.label_zh, label_en=g.label_en)
            )


def store_design(uow: UnitOfWork, campaign: Campaign, design: CampaignDesign) -> None:
    """Write a checked design onto the campaign (no audit here)."""
    campaign.method_toml = method_toml(campaign_info(campaign), design)
    campaign.fieldwork_opens_on = design.fieldwork_opens
    campaign.fieldwork_closes_on = design.fieldwork_closes
    campaign.public_bulletin = design.public_bulletin
    campaign.notice_days = design.notice_days
    campaign.design = design.campaign_design()
    _sync_groups(uow, campaign, design)


def update_design(
    uow: UnitOfWork, user: CurrentUser | None, code: str, design: CampaignDesign
) -> CampaignDesign:
    """Set every designer setting of campaign ``code`` at once (a draft only).

    Raises
    ------
    DesignRefused
        The design has defects (each names its TOML key; see ``design_method.field_of``).
    NotDraft
        Fieldwork has opened: the method is locked.
    """
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, code, for_update=True)
        _expect_draft(campaign)
        check(campaign_info(campaign), design)
        before = _snapshot(campaign, design_from_campaign(campaign))
        store_design(uow, campaign, design)
        after = _snapshot(campaign, design)
        changed = {k for k in after if after[k] != before[k]}
        if changed:
            audit.record(
                uow,
                "campaign.design",
                "campaign",
                campaign.code,
                {k: before[k] for k in sorted(changed)},
                {k: after[k] for k in sorted(changed)},
            )
        uow.commit()
        return design_from_campaign(campaign)


def apply_toml(uow: UnitOfWork, user: CurrentUser | None, code: str, text: str) -> CampaignDesign:
    """Apply a ``campaign.toml``-style text (method tables and ``[platform]``) to campaign
    ``code``. Its ``[campaign]`` table may be left out; if given, its id must be ``code``
    (its name and year are the campaign's: they are changed by the basics, not here)."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, code)
        info = campaign_info(campaign)
        labels = _group_labels(campaign)
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        doc = None
    prefix = ""
    if doc is not None and "campaign" not in doc:
        prefix = method_toml(info, CampaignDesign()).split("\n\n", 1)[0] + "\n\n"
    full_info, design, found = design_from_toml(prefix + text, labels)
    if doc is not None and prefix:
        # lines of the file as given: the table added in front shifts them
        shift = prefix.count("\n")
        found = [replace(d, line=d.line - shift) if d.line else d for d in found]
    if full_info is not None and full_info.id != code:
        found.append(
            Defect(
                FILE,
                None,
                "campaign.id",
                f'"{full_info.id}" is not campaign {code}: the file is for another one',
            )
        )
    if found:
        raise DesignRefused(found)
    return update_design(uow, user, code, design)


def create_campaign(
    uow: UnitOfWork,
    user: CurrentUser | None,
    *,
    series_code: str,
    series_name: str = "",
    code: str,
    name: str,
    year: int,
    copy_from: str | None = None,
) -> Campaign:
    """A new draft campaign in series ``series_code`` (created if new): blank (the
    methodology's default method, groups citizen 群众 and service_recipient 服务对象) or a
    copy of campaign ``copy_from`` (its method, groups, questionnaire and units; not its
    fieldwork dates, answers or results).

    Raises
    ------
    DesignRefused
        The code, name, series or year break the bundle reader's rules, or the code is
        taken (also by one differing only by case, width or spaces).
    """
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        session = uow.session
        info = CampaignInfo(id=code, year=year, name=name, series=series_code)
        check_identity(uow, info, series_name)
        source = load_campaign(uow, copy_from) if copy_from else None
        series = session.execute(select(CampaignSeries).where(CampaignSeries.code == series_code)).scalar()
        if series is None:
            series = CampaignSeries(code=series_code, name=series_name)
            session.add(series)
            session.flush()
        design = design_from_campaign(source) if source is not None else CampaignDesign()
        design = replace(design, fieldwork_opens=None, fieldwork_closes=None)
        campaign = Campaign(code=code, series=series, year=year, name=name, status=S.draft)
        session.add(campaign)
        session.flush()
        store_design(uow, campaign, design)
        copied: dict[str, int] = {}
        if source is not None:
            copied = copy_questionnaire(uow, source, campaign)
            copied["units"] = _copy_units(uow, source, campaign)
        audit.record(
            uow,
            "campaign.create",
            "campaign",
            code,
            None,
            {
                "series": series_code,
                "name": name,
                "year": year,
                "copy_from": copy_from,
                "method_toml": campaign.method_toml,
                "copied": copied,
            },
        )
        uow.commit()
        return campaign


def check_identity(uow: UnitOfWork, info: CampaignInfo, series_name: str = "") -> None:
    defects = id_defects("campaign.id", info.id, CODE_WIDTH, "id")
    defects += id_defects("campaign.series", info.series, CODE_WIDTH, "id")
    if info.name:
        defects += [
            d for d in id_defects("campaign.name", info.name, NAME_WIDTH, "name") if "spaces" not in d.message
        ]
    else:
        defects.append(Defect(FILE, None, "campaign.name", "the name is missing"))
    if series_name:
        defects += [
            replace(d, column="campaign.series")
            for d in id_defects("series.name", series_name, NAME_WIDTH, "name")
            if "spaces" not in d.message
        ]
    if isinstance(info.year, bool) or not isinstance(info.year, int) or info.year not in YEAR_RANGE:
        defects.append(
            Defect(
                FILE,
                None,
                "campaign.year",
                f'"{info.year}" is outside the years {YEAR_RANGE[0]}..{YEAR_RANGE[-1]} '
                "an appraisal can be held in",
            )
        )
    if info.id.strip():
        taken = {fold(c): c for c in uow.session.execute(select(Campaign.code)).scalars()}
        if fold(info.id) in taken:
            defects.append(
                Defect(
                    FILE,
                    None,
                    "campaign.id",
                    f'campaign code "{info.id}" is taken (by "{taken[fold(info.id)]}")',
                )
            )
    if defects:
        raise DesignRefused(defects)


def copy_questionnaire(uow: UnitOfWork, source: Campaign, target: Campaign) -> dict[str, int]:
    """Copy ``source``'s scales with their options and its items (with their item sets)
    to ``target``; groups come with the design. Returns the rows copied per kind."""
    session = uow.session
    scale_ids: dict[int, int] = {}
    options = 0
    for scale in session.execute(
        select(Scale).where(Scale.campaign_id == source.id).order_by(Scale.id)
    ).scalars():
        new = Scale(campaign_id=target.id, code=scale.code, builtin=scale.builtin)
        session.add(new)
        session.flush()
        scale_ids[scale.id] = new.id
        for o in scale.options:
            session.add(
                ScaleOption(
                    scale_id=new.id,
                    code=o.code,
                    label_zh=o.label_zh,
                    label_en=o.label_en,
                    score=o.score,
                    position=o.position,
                )
            )
            options += 1
    items = 0
    for item in session.execute(
        select(Item).where(Item.campaign_id == source.id).order_by(Item.position, Item.id)
    ).scalars():
        session.add(
            Item(
                campaign_id=target.id,
                instrument=item.instrument,
                code=item.code,
                scale_id=scale_ids[item.scale_id],
                text_zh=item.text_zh,
                text_en=item.text_en,
                weight=item.weight,
                position=item.position,
                unit_categories=list(item.unit_categories or []),
                respondent_groups=list(item.respondent_groups or []),
            )
        )
        items += 1
    session.flush()
    return {"scales": len(scale_ids), "options": options, "items": items}


def _copy_units(uow: UnitOfWork, source: Campaign, target: Campaign) -> int:
    rows = uow.session.execute(
        select(CampaignUnit).where(CampaignUnit.campaign_id == source.id).order_by(CampaignUnit.position)
    ).scalars()
    n = 0
    for cu in rows:
        uow.session.add(
            CampaignUnit(
                campaign_id=target.id,
                unit_id=cu.unit_id,
                position=cu.position,
                name=cu.name,
                category=cu.category,
                head_name=cu.head_name,
                head_since=cu.head_since,
                parent_code=cu.parent_code,
            )
        )
        n += 1
    return n


# ---------------------------------------------------------------------------- units


@dataclass(frozen=True, slots=True)
class RegisterUnit:
    """An active unit of the register as the designer lists it."""

    code: str
    name: str
    category: str
    district: str
    kind: str


@dataclass(frozen=True, slots=True)
class Selection:
    """The units a filter chooses, with counts per category, district and kind."""

    units: tuple[RegisterUnit, ...]
    by_category: dict[str, int]
    by_district: dict[str, int]
    by_kind: dict[str, int]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _selection(units: Sequence[RegisterUnit]) -> Selection:
    return Selection(
        tuple(units),
        _counts(u.category for u in units),
        _counts(u.district for u in units),
        _counts(u.kind for u in units),
    )


def _register(uow: UnitOfWork) -> list[tuple[Unit, str]]:
    """Active register units with their district's name, in code order."""
    return list(
        uow.session.execute(
            select(Unit, func.coalesce(District.name, ""))
            .outerjoin(District, District.id == Unit.district_id)
            .where(Unit.active.is_(True))
            .order_by(Unit.code)
        )
    )


def register_facets(uow: UnitOfWork, user: CurrentUser | None) -> Selection:
    """Every active register unit, with the counts the filters offer."""
    require(user, Permission.configure_campaign)
    with uow:
        return _selection([_register_unit(u, d) for u, d in _register(uow)])


def _register_unit(unit: Unit, district: str) -> RegisterUnit:
    return RegisterUnit(unit.code, unit.name, unit.category, district, unit.kind or "")


def _pick(
    uow: UnitOfWork,
    categories: Sequence[str],
    districts: Sequence[str],
    kinds: Sequence[str],
    include: Sequence[str],
    exclude: Sequence[str],
) -> tuple[list[tuple[Unit, str]], Selection]:
    register = _register(uow)
    codes = {u.code for u, _ in register}
    unknown = [c for c in (*include, *exclude) if c not in codes]
    if unknown:
        raise NotFound(f"no active unit of the register has the code {', '.join(sorted(set(unknown)))}")
    filtered = bool(categories or districts or kinds)
    chosen = [
        (u, d)
        for u, d in register
        if u.code not in exclude
        and (
            u.code in include
            or (
                filtered
                and (not categories or u.category in categories)
                and (not districts or d in districts)
                and (not kinds or (u.kind or "") in kinds)
            )
        )
    ]
    return chosen, _selection([_register_unit(u, d) for u, d in chosen])


def preview_units(
    uow: UnitOfWork,
    user: CurrentUser | None,
    code: str,
    *,
    categories: Sequence[str] = (),
    districts: Sequence[str] = (),
    kinds: Sequence[str] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Selection:
    """The active register units the filters choose, with counts; nothing is written.

    A unit is chosen when it is in ``include``, or when it passes every filter given
    (categories, districts, kinds; at least one), and it is not in ``exclude``."""
    require(user, Permission.configure_campaign)
    with uow:
        load_campaign(uow, code)
        return _pick(uow, categories, districts, kinds, include, exclude)[1]


def choose_units(
    uow: UnitOfWork,
    user: CurrentUser | None,
    code: str,
    *,
    categories: Sequence[str] = (),
    districts: Sequence[str] = (),
    kinds: Sequence[str] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Selection:
    """Make the chosen units (see :func:`preview_units`) the campaign's units, as the
    register has them now: name, category, head and since when, parent when the parent
    takes part too. A draft only; a unit with answers or phone cases cannot be dropped."""
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, code, for_update=True)
        _expect_draft(campaign, "units")
        chosen, selection = _pick(uow, categories, districts, kinds, include, exclude)
        if not chosen:
            raise Refused(f"the filters choose no unit for campaign {code}: choose at least one")
        before = set_campaign_units(uow, campaign, [u for u, _ in chosen])
        audit.record(
            uow,
            "campaign.units",
            "campaign",
            code,
            {"units": before},
            {
                "units": list(selection.codes),
                "filters": {
                    "categories": list(categories),
                    "districts": list(districts),
                    "kinds": list(kinds),
                    "include": list(include),
                    "exclude": list(exclude),
                },
            },
        )
        uow.commit()
        return selection


def set_campaign_units(uow: UnitOfWork, campaign: Campaign, units: Sequence[Unit]) -> list[str]:
    """Replace the campaign's units by ``units`` in that order, copied from the register;
    returns the codes it had. Refused when a unit that goes has answers or phone cases."""
    session = uow.session
    current = session.execute(
        select(CampaignUnit, Unit.code)
        .join(Unit, Unit.id == CampaignUnit.unit_id)
        .where(CampaignUnit.campaign_id == campaign.id)
        .order_by(CampaignUnit.position)
    ).all()
    keep = {u.id for u in units}
    going = [(cu, c) for cu, c in current if cu.unit_id not in keep]
    if going:
        ids = [cu.unit_id for cu, _ in going]
        used = {
            *session.execute(
                select(SurveyResponse.unit_id).where(
                    SurveyResponse.campaign_id == campaign.id, SurveyResponse.unit_id.in_(ids)
                )
            ).scalars(),
            *session.execute(
                select(PhoneCase.unit_id).where(
                    PhoneCase.campaign_id == campaign.id, PhoneCase.unit_id.in_(ids)
                )
            ).scalars(),
        }
        if used:
            names = sorted(c for cu, c in going if cu.unit_id in used)
            raise Refused(
                f"unit(s) {', '.join(names)} of campaign {campaign.code} have answers or phone cases: "
                "they cannot be taken out of the campaign"
            )
    for cu, _ in current:
        session.delete(cu)
    session.flush()
    by_id = {u.id: u for u in units}
    parents = {
        u.id: session.get(Unit, u.parent_id).code if u.parent_id and u.parent_id in by_id else ""
        for u in units
    }
    for position, unit in enumerate(units):
        session.add(
            CampaignUnit(
                campaign_id=campaign.id,
                unit_id=unit.id,
                position=position,
                name=unit.name,
                category=unit.category,
                head_name=unit.head_name or "",
                head_since=unit.head_since,
                parent_code=parents[unit.id],
            )
        )
    session.flush()
    return [c for _, c in current]


@dataclass(frozen=True, slots=True)
class CampaignUnitRow:
    """A unit as appraised in a campaign."""

    code: str
    name: str
    category: str
    head_name: str


def campaign_units(uow: UnitOfWork, user: CurrentUser | None, code: str) -> list[CampaignUnitRow]:
    """The campaign's units in their order."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, code)
        rows = uow.session.execute(
            select(Unit.code, CampaignUnit.name, CampaignUnit.category, CampaignUnit.head_name)
            .join(Unit, Unit.id == CampaignUnit.unit_id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position)
        ).all()
        return [CampaignUnitRow(*r) for r in rows]


# ---------------------------------------------------------------------------- margins


def read_margins(name: str, raw: bytes) -> tuple[tuple[MarginShare, ...], list[worded.ImportDefect]]:
    """Raking margins from a CSV or XLSX file ``variable,category,share`` (GBK accepted):
    the shares and every defect by line and column. Each variable's shares add up to 1."""
    from services.indicators import MAX_FILE_BYTES, read_table

    defects: list[worded.ImportDefect] = []
    if len(raw) > min(MAX_MARGIN_BYTES, MAX_FILE_BYTES):
        defects.append(
            worded.ImportDefect.of(name, None, None, worded.TOO_LARGE, mb=MAX_MARGIN_BYTES // 2**20)
        )
        return (), defects
    table = read_table(name, raw, defects)
    if table is None:
        return (), defects
    missing = [c for c in MARGIN_COLUMNS if c not in table.header]
    for column in missing:
        defects.append(
            worded.ImportDefect.of(
                name, 1, column, worded.COLUMN_MISSING, name=column, accepted=", ".join(MARGIN_COLUMNS)
            )
        )
    if missing:
        return (), defects
    if not table.rows:
        defects.append(worded.ImportDefect.of(name, None, None, worded.NO_ROWS))
        return (), defects
    shares: list[MarginShare] = []
    first: dict[tuple[str, str], int] = {}
    lines: dict[str, int] = {}
    for line, cells in table.rows:
        ok = True
        texts: dict[str, str] = {}
        for column in ("variable", "category"):
            raw_value = cells.get(column, "")
            value = "" if raw_value is None else str(raw_value)
            if isinstance(raw_value, float) and raw_value.is_integer():
                value = str(int(raw_value))
            texts[column] = value
            if not value.strip():
                defects.append(worded.ImportDefect.of(name, line, column, MARGIN_EMPTY))
                ok = False
            elif value != value.strip():
                defects.append(worded.ImportDefect.of(name, line, column, MARGIN_SPACES, value=value))
                ok = False
            elif (found := worded.ImportDefect.for_label(name, line, column, value)) is not None:
                defects.append(found)
                ok = False
            elif len(value) > CODE_WIDTH:
                defects.append(worded.ImportDefect.of(name, line, column, worded.TOO_LONG, max=CODE_WIDTH))
                ok = False
        share = _share(cells.get("share", ""))
        if share is None:
            shown = cells.get("share", "")
            if shown == "" or shown is None:
                defects.append(worded.ImportDefect.of(name, line, "share", MARGIN_EMPTY))
            else:
                defects.append(
                    worded.ImportDefect.of(name, line, "share", MARGIN_SHARE, value=str(shown)[:40])
                )
            ok = False
        if not ok:
            continue
        key = (fold(texts["variable"]), fold(texts["category"]))
        if key in first:
            defects.append(
                worded.ImportDefect.of(
                    name,
                    line,
                    "category",
                    MARGIN_TWICE,
                    category=texts["category"],
                    variable=texts["variable"],
                    first=first[key],
                )
            )
            continue
        first[key] = line
        lines.setdefault(texts["variable"], line)
        shares.append(MarginShare(texts["variable"], texts["category"], float(share)))  # type: ignore[arg-type]
    if not defects:
        totals: dict[str, list[float]] = {}
        for m in shares:
            totals.setdefault(m.variable, []).append(m.share)
        for variable, values in totals.items():
            total = math.fsum(values)
            if abs(total - 1.0) > 1e-9:
                defects.append(
                    worded.ImportDefect.of(
                        name, lines[variable], "share", MARGIN_SUM, variable=variable, total=f"{total:.12g}"
                    )
                )
    return (tuple(shares), defects) if not defects else ((), defects)


def _share(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value or "").strip()
        percent = text.endswith("%")
        try:
            number = float(text[:-1] if percent else text)
        except ValueError:
            return None
        if percent:
            number /= 100
    return number if math.isfinite(number) and 0 <= number <= 1 else None


def import_margins(
    uow: UnitOfWork, user: CurrentUser | None, code: str, name: str, raw: bytes
) -> CampaignDesign:
    """Replace campaign ``code``'s raking margins by those of the file (all or nothing).

    Raises
    ------
    services.indicators.ImportRejected
        The file has defects (each by line and column, worded for the page).
    """
    from services.indicators import ImportRejected

    require(user, Permission.configure_campaign)
    margins, defects = read_margins(name, raw)
    if defects:
        raise ImportRejected(defects)
    design = load_design(uow, user, code)
    return update_design(uow, user, code, replace(design, margins=margins))


__all__ = [
    "MARGIN_COLUMNS",
    "CampaignRow",
    "CampaignUnitRow",
    "NotDraft",
    "RegisterUnit",
    "Selection",
    "apply_toml",
    "campaign_units",
    "choose_units",
    "create_campaign",
    "describe",
    "design_from_campaign",
    "import_margins",
    "list_campaigns",
    "load_design",
    "preview_units",
    "read_margins",
    "register_facets",
    "update_design",
]
