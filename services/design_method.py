"""The campaign designer's settings (评议活动设计) and their ``campaign.toml`` form.

:class:`CampaignDesign` holds every setting the designer page and ``python -m db campaign``
edit: respondent groups (评议主体) with labels and weights, component weights, eligibility,
ranking, the grade scheme (等次方案), adjustment caps, the card rule, consecutive years,
raking margins and trims, the bootstrap, and the non-method settings (fieldwork dates,
public bulletin, notice days) that travel in ``[platform]``.

There is one set of rules: a design is written as ``campaign.toml`` text
(:func:`design_to_toml`) and checked by the bundle reader's own
:func:`scoring.params.parse_campaign_toml` and :func:`scoring.platform.read_platform`, so
the page, the command line and ``python -m scoring validate`` refuse the same things with
the same words. Each defect names a TOML key (``weights.components``);
:func:`field_of` maps it back to the form field that sets it.

Pure: no database, no streamlit.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from scoring.errors import Defect
from scoring.params import (
    COMPONENTS,
    DEFAULT_GRADES,
    WEIGHT_SUM_TOLERANCE,
    CampaignInfo,
    MethodParams,
    parse_campaign_toml,
)
from scoring.platform import (
    PlatformSettings,
    join_platform,
    read_platform,
    split_platform,
    toml_key,
    toml_value,
)
from scoring.textrules import label_defect
from services.defects import Wording
from services.errors import Refused

FILE: Final = "campaign.toml"
#: Widths of the database columns a group's code and labels are kept in.
GROUP_CODE_WIDTH: Final = 64
GROUP_LABEL_WIDTH: Final = 100
#: Respondent groups of a blank campaign (群众, 服务对象), each weighing one half.
DEFAULT_GROUPS: Final = (
    ("citizen", "群众", "Citizens"),
    ("service_recipient", "服务对象", "Service recipients"),
)
GROUP_BY: Final = ("category", "all")
#: The default scheme's band names (satisfied, fairly_satisfied, basically_satisfied).
DEFAULT_BAND_NAMES: Final = tuple(name for name, _ in DEFAULT_GRADES)

# The grade scheme's own refusals (等次方案), worded once for the page (``designer.defect.*``
# of ui/messages_designer.py) and the command line (the English). The reader cannot see
# these: an empty ``[grades]`` or one with only the default names reads as the default
# scheme, so the switch "the campaign's own bands" would be silently lost.
NO_BANDS: Final = Wording(
    "designer.defect.no_bands",
    "The campaign's own grade scheme has no band: name at least one band with its lower bound",
)
DEFAULT_NAMES_ONLY: Final = Wording(
    "designer.defect.default_band_names",
    "The campaign's own bands need names of their own: satisfied, fairly_satisfied and "
    "basically_satisfied are the default scheme's",
)
OWN_NAMES_OFF: Final = Wording(
    "designer.defect.own_band_names",
    'Band "{name}" is not a band of the default scheme: turn on the campaign\'s own bands to name bands',
)
NO_BOUND: Final = Wording(
    "designer.defect.band_bound",
    'Band "{name}" has no lower bound',
)
#: The wordings above by their English text (how a page finds the catalogue key).
_WORDED: Final = (NO_BANDS, DEFAULT_NAMES_ONLY, OWN_NAMES_OFF, NO_BOUND)


@dataclass(frozen=True, slots=True)
class GroupSetting:
    """A respondent group (评议主体): code, labels and weight γ_g in the survey score."""

    code: str
    label_zh: str = ""
    label_en: str = ""
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class GradeBand:
    """A grade band (等次): its name, lower bound of F and how people call it."""

    name: str
    lower: float
    label_zh: str = ""
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class MarginShare:
    """A raking target: the population share of one category of a respondent variable."""

    variable: str
    category: str
    share: float


def default_groups() -> tuple[GroupSetting, ...]:
    return tuple(GroupSetting(code, zh, en, 0.5) for code, zh, en in DEFAULT_GROUPS)


def default_grades() -> tuple[GradeBand, ...]:
    return tuple(GradeBand(name, bound) for name, bound in DEFAULT_GRADES)


@dataclass(frozen=True, slots=True)
class CampaignDesign:
    """Every designer setting of one campaign, at methodology version 1's defaults.

    ``custom_grades`` False: ``grades`` are the default three bands (only their bounds and
    labels may change); True: the campaign's own bands replace them (methodology §6).
    ``worst_only_below`` and ``red_below`` are None when off.
    """

    groups: tuple[GroupSetting, ...] = field(default_factory=default_groups)
    survey_weight: float = 0.55
    phone_weight: float = 0.25
    bigdata_weight: float = 0.20
    min_survey: int = 30
    min_phone: int = 10
    min_indicator_share: float = 0.5
    satisfied_at: float = 60.0
    group_by: str = "category"
    top_n: int = 10
    worst_only_below: float | None = None
    custom_grades: bool = False
    grades: tuple[GradeBand, ...] = field(default_factory=default_grades)
    bonus_cap: float = 5.0
    deduction_cap: float = 10.0
    red_below: float | None = None
    consecutive_years: int = 2
    margins: tuple[MarginShare, ...] = ()
    trim_low: float = 0.2
    trim_high: float = 5.0
    replicates: int = 1000
    seed: int = 20170217
    fieldwork_opens: date | None = None
    fieldwork_closes: date | None = None
    public_bulletin: bool = False
    notice_days: int = 7
    #: other keys of ``Campaign.design`` (kept as they are)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def component_weights(self) -> dict[str, float]:
        return {"survey": self.survey_weight, "phone": self.phone_weight, "bigdata": self.bigdata_weight}

    def margin_tables(self) -> dict[str, dict[str, float]]:
        """variable -> category -> share, in the order given."""
        out: dict[str, dict[str, float]] = {}
        for m in self.margins:
            out.setdefault(m.variable, {})[m.category] = m.share
        return out

    def grade_labels(self) -> dict[str, dict[str, str]]:
        """band -> {"zh", "en"} for the bands that have a label (``Campaign.design``)."""
        out: dict[str, dict[str, str]] = {}
        for band in self.grades:
            labels = {k: v for k, v in (("zh", band.label_zh), ("en", band.label_en)) if v}
            if labels:
                out[band.name] = labels
        return out

    def campaign_design(self) -> dict[str, Any]:
        """What ``Campaign.design`` keeps: the grade labels and the other keys."""
        return self.platform().campaign_design()

    def platform(self) -> PlatformSettings:
        """The ``[platform]`` settings of this design."""
        groups = {
            g.code: {k: v for k, v in (("zh", g.label_zh), ("en", g.label_en)) if v}
            for g in self.groups
            if g.label_zh or g.label_en
        }
        return replace(
            PlatformSettings.from_design(
                {**dict(self.extra), "grade_labels": self.grade_labels()},
                fieldwork_opens=self.fieldwork_opens,
                fieldwork_closes=self.fieldwork_closes,
                public_bulletin=self.public_bulletin,
                notice_days=self.notice_days,
            ),
            groups=groups,
        )


# ---------------------------------------------------------------------------- writing


def _num(value: float) -> str:
    # repr round-trips a float exactly; TOML needs a decimal point or exponent for a float
    text = repr(float(value))
    return text if ("." in text or "e" in text or "inf" in text or "nan" in text) else text + ".0"


def method_toml(info: CampaignInfo, design: CampaignDesign) -> str:
    """The method tables and ``[campaign]`` (what ``Campaign.method_toml`` keeps): every
    setting written out, so the stored text says the whole method."""
    lines = ["[campaign]", f"id = {toml_value(info.id)}"]
    if info.name:
        lines.append(f"name = {toml_value(info.name)}")
    if info.series:
        lines.append(f"series = {toml_value(info.series)}")
    lines += [f"year = {int(info.year)}", ""]
    lines += ["[weights.components]"]
    lines += [f"{c} = {_num(w)}" for c, w in design.component_weights.items()]
    lines += ["", "[weights.groups]"]
    lines += [f"{toml_key(g.code)} = {_num(g.weight)}" for g in design.groups]
    lines += [
        "",
        "[scoring]",
        f"satisfied_at = {_num(design.satisfied_at)}",
        f"min_indicator_share = {_num(design.min_indicator_share)}",
        "",
        "[eligibility]",
        f"min_survey = {int(design.min_survey)}",
        f"min_phone = {int(design.min_phone)}",
        "",
        "[ranking]",
        f"group_by = {toml_value(design.group_by)}",
        f"top_n = {int(design.top_n)}",
    ]
    if design.worst_only_below is not None:
        lines.append(f"worst_only_below = {_num(design.worst_only_below)}")
    lines += ["", "[grades]"]
    lines += [f"{toml_key(b.name)} = {_num(b.lower)}" for b in design.grades]
    lines += [
        "",
        "[adjustments]",
        f"bonus_cap = {_num(design.bonus_cap)}",
        f"deduction_cap = {_num(design.deduction_cap)}",
        "",
        "[cards]",
    ]
    if design.red_below is not None:
        lines.append(f"red_below = {_num(design.red_below)}")
    lines += [
        "",
        "[consecutive]",
        f"years = {int(design.consecutive_years)}",
        "",
        "[weighting]",
        f"trim_low = {_num(design.trim_low)}",
        f"trim_high = {_num(design.trim_high)}",
        "",
    ]
    for variable, shares in design.margin_tables().items():
        lines.append(f"[weighting.margins.{toml_key(variable)}]")
        lines += [f"{toml_key(c)} = {_num(s)}" for c, s in shares.items()]
        lines.append("")
    lines += [
        "[uncertainty]",
        f"replicates = {int(design.replicates)}",
        f"seed = {int(design.seed)}",
        "",
    ]
    return "\n".join(lines)


def design_to_toml(info: CampaignInfo, design: CampaignDesign) -> str:
    """The whole ``campaign.toml`` of a design: method tables, then ``[platform]``."""
    return join_platform(method_toml(info, design), design.platform())


# ---------------------------------------------------------------------------- reading


def design_from_params(
    params: MethodParams,
    platform: PlatformSettings,
    group_labels: Mapping[str, tuple[str, str]] | None = None,
) -> CampaignDesign:
    """A design from the reader's parsed method and platform settings.

    ``group_labels`` (code -> (zh, en)) are the stored groups' labels; ``[platform.groups]``
    wins over them. A labelled group without a weight joins with weight 0."""
    labels = {code: (zh, en) for code, (zh, en) in (group_labels or {}).items()}
    for code, lab in platform.groups.items():
        labels[code] = (lab.get("zh", ""), lab.get("en", ""))
    groups = [
        GroupSetting(code, *labels.get(code, ("", "")), weight=float(w))
        for code, w in params.group_weights.items()
    ]
    groups += [
        GroupSetting(code, zh, en, 0.0)
        for code, (zh, en) in labels.items()
        if code not in params.group_weights
    ]
    grade_labels = platform.grade_labels
    bands = list(params.own_grades.items()) if params.custom_grades else list(params.grade_bands.items())
    grades = tuple(
        GradeBand(
            name,
            float(bound),
            grade_labels.get(name, {}).get("zh", ""),
            grade_labels.get(name, {}).get("en", ""),
        )
        for name, bound in bands
    )
    margins = tuple(
        MarginShare(var, cat, float(share))
        for var, shares in params.margins.items()
        for cat, share in shares.items()
    )
    weights = params.component_weights
    return CampaignDesign(
        groups=tuple(groups),
        survey_weight=float(weights["survey"]),
        phone_weight=float(weights["phone"]),
        bigdata_weight=float(weights["bigdata"]),
        min_survey=params.min_survey,
        min_phone=params.min_phone,
        min_indicator_share=params.min_indicator_share,
        satisfied_at=params.satisfied_at,
        group_by=params.group_by,
        top_n=params.top_n,
        worst_only_below=params.worst_only_below,
        custom_grades=params.custom_grades,
        grades=grades,
        bonus_cap=params.bonus_cap,
        deduction_cap=params.deduction_cap,
        red_below=params.red_below,
        consecutive_years=params.consecutive_years,
        margins=margins,
        trim_low=params.trim_low,
        trim_high=params.trim_high,
        replicates=params.replicates,
        seed=params.seed,
        fieldwork_opens=platform.fieldwork_opens,
        fieldwork_closes=platform.fieldwork_closes,
        public_bulletin=platform.public_bulletin,
        notice_days=platform.notice_days,
        extra=dict(platform.design),
    )


def design_from_toml(
    text: str, group_labels: Mapping[str, tuple[str, str]] | None = None
) -> tuple[CampaignInfo | None, CampaignDesign, list[Defect]]:
    """Read a ``campaign.toml`` text (method tables and, if present, ``[platform]``) with
    the bundle reader's rules; the design is only meaningful when there are no defects."""
    info, params, defects = parse_campaign_toml(text, FILE)
    platform, found = read_platform(text, params.grade_names, FILE)
    defects = defects + found
    return info, design_from_params(params, platform, group_labels), defects


def strip_platform(text: str) -> str:
    """The method part of a ``campaign.toml`` text (``Campaign.method_toml``)."""
    method, _problem = split_platform(text)
    return method


# ---------------------------------------------------------------------------- checking


def fold(code: str) -> str:
    """An id as the bundle reader compares ids: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", code).strip().casefold()


def id_defects(key: str, value: str, width: int, what: str = "id") -> list[Defect]:
    """The reader's rules for an id or a name typed into a form: not empty, no spaces
    around it, no formula, no NUL, not wider than its database column."""
    out: list[Defect] = []
    if not value.strip():
        out.append(Defect(FILE, None, key, f"the {what} is missing"))
        return out
    if value != value.strip():
        out.append(Defect(FILE, None, key, f'"{value}" has spaces before or after it; an {what} must not'))
    if "\x00" in value:
        out.append(
            Defect(FILE, None, key, "the text holds a NUL character (\\u0000), which no text may hold")
        )
    found = label_defect(FILE, None, key, value)
    if found is not None:
        out.append(found)
    if len(value) > width:
        out.append(
            Defect(
                FILE,
                None,
                key,
                f'"{value[:30]}…" is {len(value):,} characters long; the platform keeps at most {width}',
            )
        )
    return out


def _group_defects(groups: Sequence[GroupSetting]) -> list[Defect]:
    out: list[Defect] = []
    if not groups:
        out.append(Defect(FILE, None, "weights.groups", "a campaign needs at least one respondent group"))
    seen: dict[str, str] = {}
    for g in groups:
        key = f"weights.groups.{g.code}"
        out += id_defects(key, g.code, GROUP_CODE_WIDTH, "id")
        folded = fold(g.code)
        if folded in seen:
            out.append(
                Defect(
                    FILE,
                    None,
                    key,
                    f'duplicate group "{g.code}": it differs from "{seen[folded]}" only by case, '
                    "full/half width or spaces, so people would take the two for one",
                )
            )
        seen.setdefault(folded, g.code)
        for lang, label in (("zh", g.label_zh), ("en", g.label_en)):
            if len(label) > GROUP_LABEL_WIDTH:
                out.append(
                    Defect(
                        FILE,
                        None,
                        f"platform.groups.{g.code}.{lang}",
                        f"longer than {GROUP_LABEL_WIDTH} characters",
                    )
                )
    return out


def validate(info: CampaignInfo, design: CampaignDesign) -> list[Defect]:
    """Every defect of the design, as the bundle reader finds it in the design's
    ``campaign.toml``, plus the platform's own limits on group codes and labels."""
    try:
        text = design_to_toml(info, design)
    except TypeError as exc:  # a value TOML cannot hold (only from hand-made designs)
        return [Defect(FILE, None, "platform.design", str(exc))]
    out = _group_defects(design.groups)
    out += [d for d in id_defects("campaign.id", info.id, GROUP_CODE_WIDTH, "id")]
    _info, _params, defects = parse_campaign_toml(text, FILE)
    out += defects
    params = _params
    _platform, found = read_platform(text, params.grade_names, FILE)
    out += found
    out += _margin_defects(design.margins)
    own = _grade_defects(design)
    # a blank bound is written as nan: say "no lower bound" rather than the reader's "nan"
    said = {d.column for d in own}
    out = [d for d in out if d.column not in said] + own
    return _unique(out)


def _grade_defects(design: CampaignDesign) -> list[Defect]:
    """What the reader cannot refuse about the grade scheme, because the written
    ``[grades]`` would read as another scheme than the one meant."""
    out: list[Defect] = []
    names = [b.name for b in design.grades]
    if design.custom_grades and not names:
        out.append(Defect(FILE, None, "grades", NO_BANDS.english))
    elif design.custom_grades and set(names) <= set(DEFAULT_BAND_NAMES):
        out.append(Defect(FILE, None, "grades", DEFAULT_NAMES_ONLY.english))
    if not design.custom_grades:
        for name in names:
            if name not in DEFAULT_BAND_NAMES:
                out.append(Defect(FILE, None, f"grades.{name}", OWN_NAMES_OFF.english.format(name=name)))
    for band in design.grades:
        if math.isnan(band.lower):
            out.append(Defect(FILE, None, f"grades.{band.name}", NO_BOUND.english.format(name=band.name)))
    return out


def worded(defect: Defect) -> tuple[str, dict[str, str]] | None:
    """The catalogue key and parameters of a defect this module words itself (the grade
    scheme's), or None for the reader's own English."""
    for wording in _WORDED:
        if not wording.placeholders and defect.message == wording.english:
            return wording.key, {}
        if "name" in wording.placeholders and defect.column and defect.column.startswith("grades."):
            name = defect.column.removeprefix("grades.")
            if defect.message == wording.english.format(name=name):
                return wording.key, {"name": name}
    return None


def _margin_defects(margins: Iterable[MarginShare]) -> list[Defect]:
    out: list[Defect] = []
    for m in margins:
        key = f"weighting.margins.{m.variable}"
        for value in (m.variable, m.category):
            out += id_defects(key, value, GROUP_CODE_WIDTH, "id")
    return out


def _unique(defects: list[Defect]) -> list[Defect]:
    return list(dict.fromkeys(defects))


def check(info: CampaignInfo, design: CampaignDesign) -> None:
    """Raise :class:`DesignRefused` with every defect, if there is one."""
    defects = validate(info, design)
    if defects:
        raise DesignRefused(defects)


class DesignRefused(Refused):
    """The design has defects; ``defects`` names each by TOML key (see :func:`field_of`).
    The English message lists the first few, as the command line prints them."""

    def __init__(self, defects: Sequence[Defect]) -> None:
        self.defects = list(defects)
        shown = "; ".join(f"{d.column or d.file}: {d.message}" for d in self.defects[:5])
        more = f" (and {len(self.defects) - 5} more)" if len(self.defects) > 5 else ""
        super().__init__(f"the campaign's settings are not valid: {shown}{more}")


# ---------------------------------------------------------------------------- keys and fields

#: The form field (section of the page) that sets a TOML key, by the key's first parts.
_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("campaign.id", "code"),
    ("campaign.name", "name"),
    ("campaign.year", "year"),
    ("campaign.series", "series"),
    ("weights.components", "components"),
    ("weights.groups", "groups"),
    ("platform.groups", "groups"),
    ("scoring.satisfied_at", "satisfied_at"),
    ("scoring.min_indicator_share", "min_indicator_share"),
    ("eligibility.min_survey", "min_survey"),
    ("eligibility.min_phone", "min_phone"),
    ("ranking.group_by", "group_by"),
    ("ranking.top_n", "top_n"),
    ("ranking.worst_only_below", "worst_only_below"),
    ("platform.grade_labels", "grades"),
    ("grades", "grades"),
    ("adjustments", "caps"),
    ("cards", "red_below"),
    ("consecutive", "consecutive_years"),
    ("weighting.margins", "margins"),
    ("weighting", "trims"),
    ("uncertainty.replicates", "replicates"),
    ("uncertainty.seed", "seed"),
    ("platform.fieldwork_opens", "fieldwork"),
    ("platform.fieldwork_closes", "fieldwork"),
    ("platform.public_bulletin", "public_bulletin"),
    ("platform.notice_days", "notice_days"),
    ("platform", "platform"),
)
#: Every form field a defect can point at.
FIELDS: Final = tuple(dict.fromkeys(f for _, f in _FIELDS))


def field_of(key: str | None) -> str:
    """The form field that sets the TOML ``key`` (``weights.components.survey`` →
    ``components``); ``method`` for a key of no field (a syntax error)."""
    if not key:
        return "method"
    for prefix, name in _FIELDS:
        if key == prefix or key.startswith(prefix + "."):
            return name
    return "method"


def weights_total(weights: Iterable[float]) -> float:
    """The sum of weights as the reader adds them."""
    return math.fsum(weights)


def adds_up(weights: Iterable[float]) -> bool:
    return abs(weights_total(weights) - 1.0) <= WEIGHT_SUM_TOLERANCE


__all__ = [
    "COMPONENTS",
    "FIELDS",
    "CampaignDesign",
    "CampaignInfo",
    "DesignRefused",
    "GradeBand",
    "GroupSetting",
    "MarginShare",
    "adds_up",
    "check",
    "design_from_params",
    "design_from_toml",
    "design_to_toml",
    "field_of",
    "method_toml",
    "validate",
    "worded",
]
