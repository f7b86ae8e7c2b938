"""Questionnaire designer (问卷设计): scales, items, item sets, the overview and the preview.

A campaign's questionnaire is its scales (量表: options with codes, labels 中文/English and
scores; the one option without a score is "don't know", 不了解; the methodology's sat3 is
built in and not editable), its items (题目) of the citizen survey and of the phone script
(电话访问/IVR) with text 中文/English, scale, weight and order, and each item's **item set**
(题组): the unit categories and respondent groups it is asked of (empty = all).

Every change is made the same way: the questionnaire as it would be afterwards
(:class:`~services.questionnaire_files.QuestionnaireSpec`) is checked by the bundle
reader's rules (:func:`services.questionnaire_files.check_spec`), then the database is
brought to it in one transaction, each added, changed or deleted scale and item written
to the audit trail with its before and after. Only a **draft** campaign's questionnaire
can change: it is frozen when fieldwork opens (answers are given to the questions as they
were shown). Answers already collected (a campaign returned to draft) keep their
questions and options: a change that would orphan one is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from sqlalchemy import select

from db import audit
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Item,
    PhoneAnswer,
    RespondentGroup,
    Scale,
    ScaleOption,
    SurveyAnswer,
    Unit,
)
from db.uow import UnitOfWork
from services.campaigns import load_campaign
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require
from services.questionnaire import (
    GroupView,
    Questionnaire,
    QuestionView,
    UnitView,
    in_item_set,
    items_for,
    question_views,
    questionnaire_of,
)
from services.questionnaire_files import (
    INSTRUMENTS,
    Context,
    ItemSpec,
    OptionSpec,
    QuestionnaireSpec,
    ScaleSpec,
    check_files,
    check_spec,
    to_files,
)

FROZEN_MESSAGE: Final = (
    "campaign {code} is {status}: the questionnaire is frozen when fieldwork opens "
    "(answers belong to the questions as they were shown); return the campaign to draft to change it"
)


class QuestionnaireFrozen(Refused):
    """The campaign is not a draft: its questionnaire can no longer change."""


class AnswersExist(Refused):
    """The change would delete a question or an option that answers were given to."""


@dataclass(frozen=True, slots=True)
class CampaignChoice:
    code: str
    name: str
    year: int
    status: str

    @property
    def editable(self) -> bool:
        return self.status == CampaignStatus.draft.value


@dataclass(frozen=True, slots=True)
class Design:
    """A campaign's questionnaire as the designer shows it."""

    campaign: CampaignChoice
    spec: QuestionnaireSpec
    categories: tuple[str, ...]  # of the campaign's units, in unit order
    known_categories: tuple[str, ...]  # an item set may name these (campaign and register)
    groups: tuple[GroupView, ...]

    @property
    def editable(self) -> bool:
        return self.campaign.editable


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning of the overview: a catalogue key, its parameters and the English text."""

    key: str
    params: tuple[tuple[str, Any], ...]
    english: str

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True, slots=True)
class ItemSet:
    """The items asked about units of one category of one respondent group (题组)."""

    category: str
    group: str
    survey: tuple[str, ...]
    phone: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Overview:
    """Which items each category × group is asked, and what looks wrong."""

    categories: tuple[str, ...]
    groups: tuple[GroupView, ...]
    sets: tuple[ItemSet, ...]
    notices: tuple[Notice, ...]

    def items(self, category: str, group: str, instrument: str = "survey") -> tuple[str, ...]:
        found = next((s for s in self.sets if s.category == category and s.group == group), None)
        if found is None:
            return ()
        return found.survey if instrument == "survey" else found.phone


@dataclass(frozen=True, slots=True)
class Preview:
    """What a respondent sees (the survey page's own view): the unit, the group and the
    questions of their item set, in one language. Nothing is written to make it."""

    questionnaire: Questionnaire
    unit: UnitView
    group: GroupView
    lang: str
    questions: tuple[QuestionView, ...]


# ---------------------------------------------------------------- reading


def design_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[CampaignChoice]:
    """Every campaign, newest first, with whether its questionnaire can change (draft)."""
    require(user, Permission.configure_campaign)
    with uow:
        rows = uow.session.execute(
            select(Campaign.code, Campaign.name, Campaign.year, Campaign.status).order_by(
                Campaign.year.desc(), Campaign.code
            )
        ).all()
        return [CampaignChoice(c, n or c, y, CampaignStatus(s).value) for c, n, y, s in rows]


def _choice(campaign: Campaign) -> CampaignChoice:
    return CampaignChoice(
        campaign.code, campaign.name or campaign.code, campaign.year, CampaignStatus(campaign.status).value
    )


def _scales(uow: UnitOfWork, campaign: Campaign) -> dict[str, Scale]:
    return {
        s.code: s
        for s in uow.session.execute(
            select(Scale).where(Scale.campaign_id == campaign.id).order_by(Scale.id)
        ).scalars()
    }


def _items(uow: UnitOfWork, campaign: Campaign) -> list[Item]:
    return list(
        uow.session.execute(
            select(Item).where(Item.campaign_id == campaign.id).order_by(Item.position, Item.id)
        ).scalars()
    )


def _scale_spec(scale: Scale) -> ScaleSpec:
    return ScaleSpec(
        scale.code,
        tuple(OptionSpec(o.code, o.label_zh, o.label_en or "", o.score) for o in scale.options),
        builtin=bool(scale.builtin),
    )


def _item_spec(item: Item, scale_code: str) -> ItemSpec:
    return ItemSpec(
        instrument=item.instrument,
        code=item.code,
        scale=scale_code,
        text_zh=item.text_zh,
        text_en=item.text_en or "",
        weight=float(item.weight),
        unit_categories=tuple(item.unit_categories or ()),
        respondent_groups=tuple(item.respondent_groups or ()),
    )


def _spec(uow: UnitOfWork, campaign: Campaign) -> QuestionnaireSpec:
    scales = _scales(uow, campaign)
    code_of = {s.id: s.code for s in scales.values()}
    return QuestionnaireSpec(
        scales=tuple(_scale_spec(s) for s in scales.values()),
        items=tuple(_item_spec(i, code_of[i.scale_id]) for i in _items(uow, campaign)),
    )


def _categories(uow: UnitOfWork, campaign: Campaign) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(
            uow.session.execute(
                select(CampaignUnit.category)
                .where(CampaignUnit.campaign_id == campaign.id)
                .order_by(CampaignUnit.position)
            ).scalars()
        )
    )


def _groups(uow: UnitOfWork, campaign: Campaign) -> tuple[GroupView, ...]:
    return tuple(
        GroupView(code, zh or "", en or "")
        for code, zh, en in uow.session.execute(
            select(RespondentGroup.code, RespondentGroup.label_zh, RespondentGroup.label_en)
            .where(RespondentGroup.campaign_id == campaign.id)
            .order_by(RespondentGroup.id)
        )
    )


def _context(uow: UnitOfWork, campaign: Campaign) -> Context:
    own = _categories(uow, campaign)
    register = uow.session.execute(
        select(Unit.category).where(Unit.active.is_(True)).distinct().order_by(Unit.category)
    ).scalars()
    return Context(
        year=campaign.year,
        categories=tuple(dict.fromkeys([*own, *register])),
        groups=tuple(g.code for g in _groups(uow, campaign)),
    )


def load_design(uow: UnitOfWork, user: CurrentUser | None, code: str) -> Design:
    """The campaign's questionnaire, its units' categories and its respondent groups."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, code)
        context = _context(uow, campaign)
        return Design(
            campaign=_choice(campaign),
            spec=_spec(uow, campaign),
            categories=_categories(uow, campaign),
            known_categories=context.categories,
            groups=_groups(uow, campaign),
        )


# ---------------------------------------------------------------- changing


def _editable(campaign: Campaign) -> None:
    status = CampaignStatus(campaign.status)
    if status != CampaignStatus.draft:
        raise QuestionnaireFrozen(FROZEN_MESSAGE.format(code=campaign.code, status=status.value))


def _answered(uow: UnitOfWork, campaign: Campaign) -> dict[int, set[str]]:
    """Option codes answered per item id (survey and phone), for a campaign returned to draft."""
    found: dict[int, set[str]] = {}
    for model in (SurveyAnswer, PhoneAnswer):
        for item_id, option in uow.session.execute(
            select(model.item_id, model.option_code)
            .join(Item, Item.id == model.item_id)
            .where(Item.campaign_id == campaign.id)
            .distinct()
        ):
            found.setdefault(item_id, set()).add(option)
    return found


def _check_answers_kept(
    uow: UnitOfWork, campaign: Campaign, spec: QuestionnaireSpec, items: Sequence[Item]
) -> None:
    answered = _answered(uow, campaign)
    if not answered:
        return
    wanted = {(i.instrument, i.code): i for i in spec.items}
    for item in items:
        codes = answered.get(item.id)
        if not codes:
            continue
        new = wanted.get((item.instrument, item.code))
        if new is None:
            raise AnswersExist(
                f"{item.instrument} question {item.code} has answers already; it cannot be deleted"
            )
        scale = spec.scale(new.scale)
        missing = sorted(codes - {o.code for o in scale.options}) if scale else sorted(codes)
        if missing:
            raise AnswersExist(
                f"{item.instrument} question {item.code} has answers {', '.join(missing)}, which its "
                f"scale {new.scale} would no longer offer"
            )


def _scale_audit(spec: ScaleSpec) -> dict[str, Any]:
    return {"scale": spec.code, "builtin": spec.builtin, "options": [asdict(o) for o in spec.options]}


def _item_audit(spec: ItemSpec) -> dict[str, Any]:
    return asdict(spec)


def _apply(uow: UnitOfWork, campaign: Campaign, spec: QuestionnaireSpec) -> int:
    """Bring the database to ``spec`` (checked already); audit each change; return how many."""
    session = uow.session
    scales = _scales(uow, campaign)
    items = _items(uow, campaign)
    _check_answers_kept(uow, campaign, spec, items)
    changes = 0
    entity = f"{campaign.code}"

    # scales first: items point at them
    position = 0
    for new in spec.scales:
        old = scales.get(new.code)
        before = _scale_spec(old) if old is not None else None
        if before is not None and before.builtin and new.builtin:
            continue  # the built-in scale stays as the methodology defines it
        if old is None:
            old = Scale(campaign_id=campaign.id, code=new.code, builtin=new.builtin)
            session.add(old)
            session.flush()
            scales[new.code] = old
        old.builtin = new.builtin
        existing = {o.code: o for o in old.options}
        for k, option in enumerate(new.options):
            row = existing.pop(option.code, None)
            if row is None:
                row = ScaleOption(scale_id=old.id, code=option.code)
                session.add(row)
            row.label_zh, row.label_en, row.score = option.label_zh, option.label_en, option.score
            # built-in options sort before a file's, as the bundle import stores them
            row.position = k - len(new.options) if new.builtin else position
            position += 0 if new.builtin else 1
        for row in existing.values():
            session.delete(row)
        session.flush()
        session.expire(old, ["options"])
        if before != new:
            audit.record(
                uow,
                "questionnaire.scale.add" if before is None else "questionnaire.scale.edit",
                "scale",
                entity,
                None if before is None else _scale_audit(before),
                _scale_audit(new),
            )
            changes += 1

    by_key = {(i.instrument, i.code): i for i in items}
    code_of = {s.id: s.code for s in scales.values()}
    order_before = [f"{i.instrument}:{i.code}" for i in items]
    for position, new in enumerate(spec.items):
        item = by_key.pop((new.instrument, new.code), None)
        before_item = None if item is None else _item_spec(item, code_of[item.scale_id])
        if item is None:
            item = Item(campaign_id=campaign.id, instrument=new.instrument, code=new.code)
            session.add(item)
        item.scale_id = scales[new.scale].id
        item.text_zh, item.text_en, item.weight = new.text_zh, new.text_en, float(new.weight)
        item.unit_categories = list(new.unit_categories)
        item.respondent_groups = list(new.respondent_groups)
        item.position = position
        if before_item != new:
            audit.record(
                uow,
                "questionnaire.item.add" if before_item is None else "questionnaire.item.edit",
                "item",
                entity,
                None if before_item is None else _item_audit(before_item),
                _item_audit(new),
            )
            changes += 1
    for item in by_key.values():
        audit.record(
            uow,
            "questionnaire.item.delete",
            "item",
            entity,
            _item_audit(_item_spec(item, code_of[item.scale_id])),
            None,
        )
        session.delete(item)
        changes += 1
    session.flush()
    kept = {(i.instrument, i.code) for i in items} & {(i.instrument, i.code) for i in spec.items}
    order_after = [f"{i.instrument}:{i.code}" for i in spec.items]
    if [k for k in order_before if tuple(k.split(":", 1)) in kept] != [
        k for k in order_after if tuple(k.split(":", 1)) in kept
    ]:
        audit.record(uow, "questionnaire.items.reorder", "campaign", entity, order_before, order_after)
        changes += 1

    wanted = {s.code for s in spec.scales}
    for code, scale in scales.items():
        if code not in wanted:
            audit.record(
                uow, "questionnaire.scale.delete", "scale", entity, _scale_audit(_scale_spec(scale)), None
            )
            for option in list(scale.options):
                session.delete(option)
            session.delete(scale)
            changes += 1
    session.flush()
    return changes


def _change(
    uow: UnitOfWork,
    user: CurrentUser | None,
    code: str,
    edit: Callable[[QuestionnaireSpec, Campaign], QuestionnaireSpec],
) -> int:
    """Load, edit, check and store the questionnaire in one transaction; how many changes."""
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, code, for_update=True)
        _editable(campaign)
        spec = edit(_spec(uow, campaign), campaign)
        checked = check_spec(spec, _context(uow, campaign))
        # the designer's own built-in scale stays (the checked copy is the methodology's)
        changes = _apply(uow, campaign, _keep_builtin(checked, spec))
        uow.commit()
        return changes


def _keep_builtin(checked: QuestionnaireSpec, spec: QuestionnaireSpec) -> QuestionnaireSpec:
    builtin = {s.code: s for s in spec.scales if s.builtin}
    return replace(checked, scales=tuple(builtin.get(s.code, s) if s.builtin else s for s in checked.scales))


def save_questionnaire(uow: UnitOfWork, user: CurrentUser | None, code: str, spec: QuestionnaireSpec) -> int:
    """Make ``spec`` the campaign's whole questionnaire (draft only); how many changes."""
    return _change(uow, user, code, lambda _current, _campaign: spec)


def _refuse_builtin(current: QuestionnaireSpec, scale_code: str) -> None:
    found = current.scale(scale_code)
    if found is not None and found.builtin:
        raise Refused(
            f"scale {scale_code} is built in (满意/基本满意/不满意/不了解, as the methodology defines it) "
            "and cannot be changed; make a scale of your own instead"
        )


def save_scale(uow: UnitOfWork, user: CurrentUser | None, code: str, scale: ScaleSpec) -> int:
    """Add a scale or replace one's options (codes, labels 中文/English, scores)."""

    def edit(current: QuestionnaireSpec, _campaign: Campaign) -> QuestionnaireSpec:
        _refuse_builtin(current, scale.code)
        own = replace(scale, builtin=False)
        if current.scale(scale.code) is None:
            return replace(current, scales=(*current.scales, own))
        return replace(current, scales=tuple(own if s.code == scale.code else s for s in current.scales))

    return _change(uow, user, code, edit)


def delete_scale(uow: UnitOfWork, user: CurrentUser | None, code: str, scale_code: str) -> int:
    """Delete a scale no item uses (the built-in sat3 stays)."""

    def edit(current: QuestionnaireSpec, _campaign: Campaign) -> QuestionnaireSpec:
        if current.scale(scale_code) is None:
            raise NotFound(f"campaign {code} has no scale {scale_code!r}")
        _refuse_builtin(current, scale_code)
        users = [i.code for i in current.items if i.scale == scale_code]
        if users:
            raise Refused(f"scale {scale_code} is used by {', '.join(users)}; give them another scale first")
        return replace(current, scales=tuple(s for s in current.scales if s.code != scale_code))

    return _change(uow, user, code, edit)


def _find(current: QuestionnaireSpec, code: str, instrument: str, item_code: str) -> int:
    for k, item in enumerate(current.items):
        if item.instrument == instrument and item.code == item_code:
            return k
    raise NotFound(f"campaign {code} has no {instrument} question {item_code!r}")


def add_item(uow: UnitOfWork, user: CurrentUser | None, code: str, item: ItemSpec) -> int:
    """Add a question at the end of its instrument."""

    def edit(current: QuestionnaireSpec, _campaign: Campaign) -> QuestionnaireSpec:
        if any(i.instrument == item.instrument and i.code == item.code for i in current.items):
            raise Refused(f"campaign {code} has a {item.instrument} question {item.code} already")
        return replace(current, items=(*current.items, item))

    return _change(uow, user, code, edit)


def update_item(
    uow: UnitOfWork, user: CurrentUser | None, code: str, instrument: str, item_code: str, item: ItemSpec
) -> int:
    """Change a question (its text, scale, weight, item set; its code, within its instrument)."""

    def edit(current: QuestionnaireSpec, _campaign: Campaign) -> QuestionnaireSpec:
        k = _find(current, code, instrument, item_code)
        if item.instrument != instrument:
            raise Refused("a question stays in its instrument; delete it and add it to the other one")
        items = list(current.items)
        items[k] = item
        return replace(current, items=tuple(items))

    return _change(uow, user, code, edit)


def delete_item(uow: UnitOfWork, user: CurrentUser | None, code: str, instrument: str, item_code: str) -> int:
    def edit(current: QuestionnaireSpec, _campaign: Campaign) -> QuestionnaireSpec:
        k = _find(current, code, instrument, item_code)
        return replace(current, items=current.items[:k] + current.items[k + 1 :])

    return _change(uow, user, code, edit)


def move_item(
    uow: UnitOfWork, user: CurrentUser | None, code: str, instrument: str, item_code: str, offset: int
) -> int:
    """Move a question ``offset`` places up (negative) or down among its instrument's."""

    def edit(current: QuestionnaireSpec, _campaign: Campaign) -> QuestionnaireSpec:
        _find(current, code, instrument, item_code)
        own = list(current.of(instrument))
        k = next(n for n, i in enumerate(own) if i.code == item_code)
        target = max(0, min(len(own) - 1, k + offset))
        own.insert(target, own.pop(k))
        return _with_instrument(current, instrument, own)

    return _change(uow, user, code, edit)


def _with_instrument(
    current: QuestionnaireSpec, instrument: str, items: Sequence[ItemSpec]
) -> QuestionnaireSpec:
    """``current`` with the questions of ``instrument`` replaced by ``items``, in their
    places: the other instrument's questions keep theirs."""
    if any(i.instrument != instrument for i in items):
        raise Refused(f"every question saved here must be a {instrument} question")
    others = [i for i in current.items if i.instrument != instrument]
    # the edited instrument's questions take the slots its questions had, then follow
    slots = [k for k, i in enumerate(current.items) if i.instrument == instrument]
    merged: list[ItemSpec] = []
    queue = list(items)
    other_queue = list(others)
    for k in range(len(current.items)):
        if k in slots:
            if queue:
                merged.append(queue.pop(0))
        elif other_queue:
            merged.append(other_queue.pop(0))
    return replace(current, items=(*merged, *queue, *other_queue))


def save_items(
    uow: UnitOfWork, user: CurrentUser | None, code: str, instrument: str, items: Sequence[ItemSpec]
) -> int:
    """Make ``items`` (in order) the campaign's questions of ``instrument``: added,
    changed, deleted and reordered in one step (the designer's table)."""
    if instrument not in INSTRUMENTS:
        raise Refused(f"{instrument!r} is not an instrument (survey or phone)")
    return _change(uow, user, code, lambda current, _c: _with_instrument(current, instrument, items))


# ---------------------------------------------------------------- files


def export_questionnaire(uow: UnitOfWork, user: CurrentUser | None, code: str) -> dict[str, bytes]:
    """items.csv and scales.csv of the campaign (bundle format), for any status."""
    require(user, Permission.configure_campaign)
    with uow:
        return to_files(_spec(uow, load_campaign(uow, code)))


def import_questionnaire(
    uow: UnitOfWork, user: CurrentUser | None, code: str, files: Mapping[str, bytes]
) -> int:
    """Replace the campaign's questionnaire by the one in ``files`` (items.csv, scales.csv),
    all or nothing: :class:`~services.questionnaire_files.QuestionnaireRejected` with every
    defect by file, line and column, as ``python -m scoring validate`` reports them."""
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, code, for_update=True)
        _editable(campaign)
        spec = check_files(files, _context(uow, campaign))
        current = _spec(uow, campaign)
        changes = _apply(uow, campaign, _keep_builtin(spec, current))
        audit.record(
            uow,
            "questionnaire.import",
            "campaign",
            campaign.code,
            {"items": len(current.items), "scales": len(current.scales)},
            {"items": len(spec.items), "scales": len(spec.scales), "changes": changes},
        )
        uow.commit()
        return changes


# ---------------------------------------------------------------- overview and preview


def _notice(key: str, english: str, **params: Any) -> Notice:
    return Notice(key, tuple(params.items()), english.format(**params))


def questionnaire_overview(uow: UnitOfWork, user: CurrentUser | None, code: str) -> Overview:
    """For each unit category of the campaign × respondent group, the survey and phone
    items asked, and warnings: a set without survey items, an item set naming a category
    no unit of the campaign has or a group the campaign does not have, a category without
    phone items while other categories have some."""
    design = load_design(uow, user, code)
    spec = design.spec
    groups = design.groups
    sets = []
    for category in design.categories:
        for group in groups:
            sets.append(
                ItemSet(
                    category,
                    group.code,
                    tuple(
                        i.code
                        for i in spec.of("survey")
                        if in_item_set(i.unit_categories, i.respondent_groups, category, group.code)
                    ),
                    tuple(
                        i.code
                        for i in spec.of("phone")
                        if in_item_set(i.unit_categories, i.respondent_groups, category, group.code)
                    ),
                )
            )
    notices: list[Notice] = []
    if not spec.of("survey"):
        notices.append(_notice("qdesign.notice.no_survey_items", "the survey has no questions yet"))
    if not design.categories:
        notices.append(_notice("qdesign.notice.no_units", "the campaign has no units yet"))
    for s in sets:
        if spec.of("survey") and not s.survey:
            notices.append(
                _notice(
                    "qdesign.notice.empty_set",
                    "{group} asked about a {category} unit get no survey questions",
                    category=s.category,
                    group=s.group,
                )
            )
    for item in spec.items:
        for category in item.unit_categories:
            if category not in design.categories:
                notices.append(
                    _notice(
                        "qdesign.notice.unknown_category",
                        "{instrument} question {item} names category {category}, which no unit of "
                        "the campaign has (the exported bundle would be refused)",
                        instrument=item.instrument,
                        item=item.code,
                        category=category,
                    )
                )
        for group in item.respondent_groups:
            if group not in {g.code for g in groups}:
                notices.append(
                    _notice(
                        "qdesign.notice.unknown_group",
                        "{instrument} question {item} names respondent group {group}, which the "
                        "campaign does not have",
                        instrument=item.instrument,
                        item=item.code,
                        group=group,
                    )
                )
    if spec.of("phone"):
        for category in design.categories:
            if not any(in_item_set(i.unit_categories, (), category, None) for i in spec.of("phone")):
                notices.append(
                    _notice(
                        "qdesign.notice.no_phone_items",
                        "units of category {category} get no phone questions",
                        category=category,
                    )
                )
    return Overview(design.categories, groups, tuple(sets), tuple(notices))


def preview(
    uow: UnitOfWork, user: CurrentUser | None, code: str, unit_code: str, group_code: str, lang: str
) -> Preview:
    """The questions a respondent of ``group_code`` gets about ``unit_code``, as the
    survey page draws them in ``lang``; for a campaign in any status, writing nothing."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, code)
        questionnaire = questionnaire_of(uow, campaign)
    unit = questionnaire.unit(unit_code)
    if unit is None:
        raise NotFound(f"unit {unit_code!r} is not appraised in campaign {code}")
    group = next((g for g in questionnaire.groups if g.code == group_code), None)
    if group is None:
        raise NotFound(f"campaign {code} has no respondent group {group_code!r}")
    questions = question_views(items_for(questionnaire, unit.category, group.code), lang)
    return Preview(questionnaire, unit, group, lang, questions)


def preview_units(uow: UnitOfWork, user: CurrentUser | None, code: str) -> tuple[UnitView, ...]:
    """The campaign's units as the survey lists them, to choose one for the preview."""
    require(user, Permission.configure_campaign)
    with uow:
        return questionnaire_of(uow, load_campaign(uow, code)).units
