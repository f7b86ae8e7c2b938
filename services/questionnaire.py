"""What the public survey page shows (问卷): open appraisals, their units and questionnaire.

No account is needed and no personal data is read here. A campaign's questionnaire is
the database's: its survey items in order with their scale options (the option without a
score is "don't know", 不了解), its respondent groups (评议主体), and the respondent
variables the survey asks for (age band, sex, district), with the categories the
campaign's weighting margins list so that the answers can be raked.

Item sets (题组): an item may be asked only about units of some categories and of some
respondent groups (``Item.unit_categories`` / ``respondent_groups``, empty = all);
:func:`items_for` picks a respondent's questions, :func:`in_item_set` is the one rule
the survey, the submission check, the caller workstation and the automatic calls share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    District,
    Item,
    RespondentGroup,
    Unit,
)
from db.uow import UnitOfWork
from scoring.params import parse_campaign_toml
from services.campaigns import load_campaign
from services.errors import Refused
from survey.problems import DEFAULT_AGE_BANDS, DEFAULT_SEXES


class CampaignNotOpen(Refused):
    """The appraisal is not in fieldwork: not yet open, or closed."""


def _pick(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" and en else zh


@dataclass(frozen=True, slots=True)
class OptionView:
    code: str
    label_zh: str
    label_en: str
    dont_know: bool  # no score: 不了解

    def label(self, lang: str) -> str:
        return _pick(lang, self.label_zh, self.label_en)


def in_item_set(
    unit_categories: Sequence[str], respondent_groups: Sequence[str], category: str, group: str | None
) -> bool:
    """Whether an item with these item sets (题组; empty = every category / group) is asked
    about a unit of ``category`` of a respondent of ``group``. No group (a phone case
    drawn without one) leaves the groups out: the item is asked if its category fits."""
    if unit_categories and category not in unit_categories:
        return False
    return not (group and respondent_groups and group not in respondent_groups)


@dataclass(frozen=True, slots=True)
class ItemView:
    code: str
    text_zh: str
    text_en: str
    options: tuple[OptionView, ...]
    # item sets (题组): the unit categories and respondent groups asked; empty = all
    unit_categories: tuple[str, ...] = ()
    respondent_groups: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        return _pick(lang, self.text_zh, self.text_en)

    def asked(self, category: str, group: str | None) -> bool:
        """Whether this item is asked about a ``category`` unit of a ``group`` respondent."""
        return in_item_set(self.unit_categories, self.respondent_groups, category, group)


@dataclass(frozen=True, slots=True)
class QuestionView:
    """One question as the survey page draws it, in one language: its number, text and
    options (code, label). The designer's preview is made of the same views."""

    number: int
    code: str
    text: str
    options: tuple[tuple[str, str], ...]


def question_views(items: Sequence[ItemView], lang: str) -> tuple[QuestionView, ...]:
    """The questions of ``items`` as drawn, numbered from 1, in ``lang``."""
    return tuple(
        QuestionView(n, item.code, item.text(lang), tuple((o.code, o.label(lang)) for o in item.options))
        for n, item in enumerate(items, start=1)
    )


@dataclass(frozen=True, slots=True)
class GroupView:
    code: str
    label_zh: str
    label_en: str

    def label(self, lang: str) -> str:
        return _pick(lang, self.label_zh, self.label_en) or self.code


@dataclass(frozen=True, slots=True)
class UnitView:
    code: str
    name: str
    category: str
    district: str


@dataclass(frozen=True, slots=True)
class CampaignView:
    code: str
    name: str
    year: int


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """Everything the answering page needs about one campaign in fieldwork."""

    campaign: CampaignView
    items: tuple[ItemView, ...]
    groups: tuple[GroupView, ...]
    units: tuple[UnitView, ...]
    age_bands: tuple[str, ...]
    sexes: tuple[str, ...]
    districts: tuple[str, ...]

    def unit(self, code: str) -> UnitView | None:
        return next((u for u in self.units if u.code == code), None)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u.category for u in self.units))

    @property
    def group_first(self) -> bool:
        """Whether the items depend on the respondent group, so the group must be chosen
        before the questions can be shown (else it is asked with them, as before sets)."""
        return any(item.respondent_groups for item in self.items)


def items_for(
    questionnaire: Questionnaire, unit_category: str, group_code: str | None
) -> tuple[ItemView, ...]:
    """The survey items asked about a unit of ``unit_category`` of a respondent of
    ``group_code`` (题组), in questionnaire order; every item when no item has a set."""
    return tuple(item for item in questionnaire.items if item.asked(unit_category, group_code))


def open_campaigns(uow: UnitOfWork) -> list[CampaignView]:
    """Campaigns taking answers now (fieldwork), newest first."""
    with uow:
        rows = uow.session.execute(
            select(Campaign.code, Campaign.name, Campaign.year)
            .where(Campaign.status == CampaignStatus.fieldwork)
            .order_by(Campaign.year.desc(), Campaign.code)
        ).all()
        return [CampaignView(code, name or code, year) for code, name, year in rows]


def _margin_categories(method_toml: str, variable: str, default: tuple[str, ...]) -> tuple[str, ...]:
    _info, params, _defects = parse_campaign_toml(method_toml)
    shares = params.margins.get(variable)
    return tuple(shares) if shares else default


def load_questionnaire(uow: UnitOfWork, campaign_code: str) -> Questionnaire:
    """The questionnaire of a campaign in fieldwork; raises :class:`CampaignNotOpen` otherwise."""
    with uow:
        campaign = load_campaign(uow, campaign_code)
        if CampaignStatus(campaign.status) != CampaignStatus.fieldwork:
            raise CampaignNotOpen(f"campaign {campaign_code} is not taking answers (it is {campaign.status})")
        return questionnaire_of(uow, campaign)


def item_views(uow: UnitOfWork, campaign_id: int, instrument: str) -> tuple[ItemView, ...]:
    """The campaign's items of one instrument (survey or phone) in order, with their
    options and item sets."""
    return tuple(
        ItemView(
            item.code,
            item.text_zh,
            item.text_en,
            tuple(OptionView(o.code, o.label_zh, o.label_en, o.score is None) for o in item.scale.options),
            tuple(item.unit_categories or ()),
            tuple(item.respondent_groups or ()),
        )
        for item in uow.session.execute(
            select(Item)
            .where(Item.campaign_id == campaign_id, Item.instrument == instrument)
            .order_by(Item.position, Item.code)
        ).scalars()
    )


def unit_category(uow: UnitOfWork, campaign_id: int, unit_id: int) -> str:
    """The category a unit is appraised in by a campaign (its item sets follow it)."""
    return (
        uow.session.execute(
            select(CampaignUnit.category).where(
                CampaignUnit.campaign_id == campaign_id, CampaignUnit.unit_id == unit_id
            )
        ).scalar()
        or ""
    )


def questionnaire_of(uow: UnitOfWork, campaign: Campaign) -> Questionnaire:
    """The questionnaire of ``campaign`` whatever its status (the survey page's view; the
    designer's preview of a draft), inside the caller's unit of work."""
    session = uow.session
    items = item_views(uow, campaign.id, "survey")
    groups = tuple(
        GroupView(code, zh, en)
        for code, zh, en in session.execute(
            select(RespondentGroup.code, RespondentGroup.label_zh, RespondentGroup.label_en)
            .where(RespondentGroup.campaign_id == campaign.id)
            .order_by(RespondentGroup.id)
        )
    )
    units = tuple(
        UnitView(code, name, category, district or "")
        for code, name, category, district in session.execute(
            select(Unit.code, CampaignUnit.name, CampaignUnit.category, District.name)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .outerjoin(District, District.id == Unit.district_id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position)
        )
    )
    districts = tuple(session.execute(select(District.name).order_by(District.id)).scalars())
    return Questionnaire(
        campaign=CampaignView(campaign.code, campaign.name or campaign.code, campaign.year),
        items=tuple(items),
        groups=groups,
        units=units,
        age_bands=_margin_categories(campaign.method_toml, "age_band", DEFAULT_AGE_BANDS),
        sexes=_margin_categories(campaign.method_toml, "sex", DEFAULT_SEXES),
        districts=_margin_categories(campaign.method_toml, "district", districts),
    )


def find_units(
    units: Sequence[UnitView], text: str = "", *, district: str = "", category: str = ""
) -> list[UnitView]:
    """Units whose name or code contains every word of ``text`` (case-insensitive), in the
    given district and category when those are set, in campaign order."""
    words = text.casefold().split()
    found = []
    for unit in units:
        if district and unit.district != district:
            continue
        if category and unit.category != category:
            continue
        haystack = f"{unit.name} {unit.code} {unit.district}".casefold()
        if all(word in haystack for word in words):
            found.append(unit)
    return found
