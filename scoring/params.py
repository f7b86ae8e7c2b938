"""Method parameters of a campaign (``campaign.toml``), methodology version 1.

Every default below is the one ``methodology.md`` states; a campaign overrides it
with the key named in the methodology (``eligibility.min_survey`` and so on).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from scoring.errors import Defect
from scoring.textrules import label_defect

METHOD_VERSION = "1"
COMPONENTS = ("survey", "phone", "bigdata")
WEIGHT_SUM_TOLERANCE = 1e-9
#: Years a campaign (and an earlier outcome in history.csv) may carry: 十佳十差 appraisals
#: began in the 2000s; anything outside is a typing error, and would not fit the database.
YEAR_RANGE: Final = range(2000, 2101)
#: The methodology's own grade bands (等次) and their default lower bounds, best first; a
#: unit below every bound (or vetoed, or with F empty) is :data:`BOTTOM_GRADE`.
DEFAULT_GRADES: Final[tuple[tuple[str, float], ...]] = (
    ("satisfied", 85.0),
    ("fairly_satisfied", 75.0),
    ("basically_satisfied", 60.0),
)
BOTTOM_GRADE: Final = "dissatisfied"
#: A band name of a campaign's own grade scheme: a lowercase identifier (``excellent``).
GRADE_NAME: Final = re.compile(r"[a-z][a-z0-9_]*")
#: Most bootstrap replicates a run may draw (``[uncertainty] replicates``, ``--replicates``).
MAX_REPLICATES: Final = 10_000
# Bytes the bootstrap holds per replicate and unit: survey, phone and final scores, rank
# (float64/int64), list membership and the quantiles' working copies (measured ~56).
BOOTSTRAP_BYTES_PER_CELL: Final = 64


def replicates_problem(replicates: int) -> str | None:
    """Why ``replicates`` cannot be run, in plain words after the number ("is more
    than ..."); None when it can.

    The cap protects memory: every replicate keeps a score and a rank per unit, so a
    mistyped 2,000,000,000 would try to allocate tens of GiB and kill the process
    instead of being refused.
    """
    if replicates < 0:
        return "must be 0 or more"
    if replicates > MAX_REPLICATES:
        gib = MAX_REPLICATES * 1000 * BOOTSTRAP_BYTES_PER_CELL / 2**30
        return (
            f"is more than the {MAX_REPLICATES:,} replicates allowed: the bootstrap keeps every "
            f"replicate's scores and ranks in memory, about {BOOTSTRAP_BYTES_PER_CELL} bytes per "
            f"replicate and unit ({MAX_REPLICATES:,} replicates of 1,000 units take about "
            f"{gib:.1f} GiB), and intervals do not get meaningfully more precise beyond a few "
            "thousand replicates"
        )
    return None


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """The ``[campaign]`` table: identity of the appraisal, not method."""

    id: str
    year: int
    name: str = ""
    series: str = ""


@dataclass(frozen=True, slots=True)
class MethodParams:
    """Every tunable number of methodology version 1, with its default.

    Attributes follow the TOML keys: ``min_survey`` is ``eligibility.min_survey``.
    Optional thresholds (``worst_only_below``, ``red_below``) are None when off.
    """

    satisfied_at: float = 60.0
    min_indicator_share: float = 0.5
    component_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"survey": 0.55, "phone": 0.25, "bigdata": 0.20})
    )
    group_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"citizen": 0.5, "service_recipient": 0.5})
    )
    # variable -> (category -> population share), in file order
    margins: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: _frozen({}))
    trim_low: float = 0.2
    trim_high: float = 5.0
    group_by: str = "category"
    top_n: int = 10
    worst_only_below: float | None = None
    grade_satisfied: float = 85.0
    grade_fairly_satisfied: float = 75.0
    grade_basically_satisfied: float = 60.0
    # the campaign's own grade bands (name -> lower bound, as written in [grades]); empty =
    # the default scheme above (methodology §6)
    own_grades: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    min_survey: int = 30
    min_phone: int = 10
    bonus_cap: float = 5.0
    deduction_cap: float = 10.0
    red_below: float | None = None
    consecutive_years: int = 2
    replicates: int = 1000
    seed: int = 20170217

    @property
    def custom_grades(self) -> bool:
        """Whether the campaign names its own grade bands (等次方案) instead of the default three."""
        return bool(self.own_grades)

    @property
    def grade_bands(self) -> Mapping[str, float]:
        """The grade bands in use, name -> lower bound, highest bound first (ties keep the
        order written, so the default scheme's ``satisfied`` wins a tie as it always did);
        ``dissatisfied`` is below them all and not listed."""
        if self.own_grades:
            bands = sorted(self.own_grades.items(), key=lambda kv: -kv[1])
        else:
            defaults = (self.grade_satisfied, self.grade_fairly_satisfied, self.grade_basically_satisfied)
            bands = [(name, bound) for (name, _), bound in zip(DEFAULT_GRADES, defaults, strict=True)]
        return _frozen(dict(bands))

    @property
    def grade_names(self) -> tuple[str, ...]:
        """Every grade a ranked unit can take, best first, ``dissatisfied`` last."""
        return (*self.grade_bands, BOTTOM_GRADE)

    def group_weight(self, group: str) -> float:
        """γ_g; a group absent from ``[weights.groups]`` weighs 0 (methodology §2)."""
        return float(self.group_weights.get(group, 0.0))


# key -> (attribute, kind); kinds: "num", "int", "optnum"
_SCALARS: dict[str, dict[str, tuple[str, str]]] = {
    "scoring": {
        "satisfied_at": ("satisfied_at", "num"),
        "min_indicator_share": ("min_indicator_share", "num"),
    },
    "weighting": {"trim_low": ("trim_low", "num"), "trim_high": ("trim_high", "num")},
    "ranking": {
        "top_n": ("top_n", "int"),
        "worst_only_below": ("worst_only_below", "optnum"),
    },
    "grades": {
        "satisfied": ("grade_satisfied", "num"),
        "fairly_satisfied": ("grade_fairly_satisfied", "num"),
        "basically_satisfied": ("grade_basically_satisfied", "num"),
    },
    "eligibility": {"min_survey": ("min_survey", "int"), "min_phone": ("min_phone", "int")},
    "adjustments": {"bonus_cap": ("bonus_cap", "num"), "deduction_cap": ("deduction_cap", "num")},
    "cards": {"red_below": ("red_below", "optnum")},
    "consecutive": {"years": ("consecutive_years", "int")},
    "uncertainty": {"replicates": ("replicates", "int"), "seed": ("seed", "int")},
}
_KNOWN_TABLES = set(_SCALARS) | {"campaign", "weights"}


def parse_campaign_toml(
    text: str, file: str = "campaign.toml"
) -> tuple[CampaignInfo | None, MethodParams, list[Defect]]:
    """Read ``campaign.toml``; return the campaign, its parameters and every defect.

    Unknown keys inside the methodology's tables are defects (a mistyped
    ``min_surveys`` must not silently fall back to the default); unknown top-level
    tables are left for other tools.
    """
    defects: list[Defect] = []

    def bad(key: str | None, message: str, line: int | None = None) -> None:
        defects.append(Defect(file, line, key, message))

    def bad_at(key: str, message: str) -> None:
        """A defect at the line that sets ``key`` (for the hardening checks)."""
        defects.append(Defect(file, _key_line(text, key), key, message))

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError carries the position only in its message.
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(found.group(1)) if found else None
        bad(None, f"TOML syntax error: {exc}", line)
        return None, MethodParams(), defects

    values: dict[str, Any] = {}
    info = _parse_campaign_table(doc.get("campaign"), bad, bad_at)

    for table, keys in _SCALARS.items():
        section = doc.get(table, {})
        if not isinstance(section, dict):
            bad(table, f"[{table}] must be a table")
            continue
        if table == "grades" and not set(section) <= set(keys):
            own = _own_grades(section, bad_at)
            if own is not None:
                values["own_grades"] = _frozen(own)
            continue
        allowed = set(keys) | {"weighting": {"margins"}, "ranking": {"group_by"}}.get(table, set())
        for key in section:
            if key not in allowed:
                bad(f"{table}.{key}", f'unknown key "{key}" in [{table}]')
        for key, (attr, kind) in keys.items():
            if key in section:
                value = _scalar(section[key], kind, f"{table}.{key}", bad)
                if value is not _INVALID:
                    values[attr] = value

    ranking = doc.get("ranking", {})
    if isinstance(ranking, dict) and "group_by" in ranking:
        group_by = ranking["group_by"]
        if group_by not in ("category", "all"):
            bad("ranking.group_by", f'"{group_by}" is not a known group_by (category or all)')
        else:
            values["group_by"] = group_by

    weights = doc.get("weights", {})
    if not isinstance(weights, dict):
        bad("weights", "[weights] must be a table")
        weights = {}
    for key in weights:
        if key not in ("components", "groups"):
            bad(f"weights.{key}", f'unknown weight table "{key}" (components or groups)')
    if "components" in weights:
        table = _weight_table(weights["components"], "weights.components", bad)
        if table is not None:
            for name in table:
                if name not in COMPONENTS:
                    bad(f"weights.components.{name}", f'"{name}" is not a component (survey, phone, bigdata)')
            values["component_weights"] = _frozen({c: table.get(c, 0.0) for c in COMPONENTS})
    if "groups" in weights:
        table = _weight_table(weights["groups"], "weights.groups", bad)
        if table is not None:
            values["group_weights"] = _frozen(table)

    weighting = doc.get("weighting", {})
    margins = weighting.get("margins", {}) if isinstance(weighting, dict) else {}
    if not isinstance(margins, dict):
        bad("weighting.margins", "[weighting.margins] must hold one table per variable")
    else:
        parsed: dict[str, Mapping[str, float]] = {}
        for var, shares in margins.items():
            table = _weight_table(shares, f"weighting.margins.{var}", bad)
            if table is not None:
                parsed[var] = _frozen(table)
        values["margins"] = _frozen(parsed)

    params = MethodParams(**values)
    _check_ranges(params, bad)
    problem = replicates_problem(params.replicates)
    if problem is not None:
        bad_at("uncertainty.replicates", f'"{params.replicates}" {problem}')
    return info, params, defects


def _key_line(text: str, dotted: str) -> int | None:
    """Line (1-based) of the ``key = ...`` that sets ``dotted`` (``campaign.year``), when
    it is written as a key under its table header (the usual layout); else None."""
    table, _, key = dotted.rpartition(".")
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]\s*(#.*)?", line)
        if header:
            current = header.group(1).replace('"', "").replace(" ", "")
            continue
        # a bare key, or a quoted one (a band named "优秀" must be found to be refused)
        found = re.match(r'(?:"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+))\s*=', line)
        if found and current == table and key in found.groups():
            return number
    return None


_INVALID = object()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _scalar(value: Any, kind: str, key: str, bad: Any) -> Any:
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            bad(key, f'"{value}" is not a whole number >= 0')
            return _INVALID
        return value
    if not _is_number(value):
        bad(key, f'"{value}" is not a finite number')
        return _INVALID
    return float(value)


def _parse_campaign_table(table: Any, bad: Any, bad_at: Any) -> CampaignInfo | None:
    if not isinstance(table, dict):
        bad("campaign", "the [campaign] table is missing")
        return None
    ok = True
    cid = table.get("id")
    if cid is None or (isinstance(cid, str) and not cid.strip()):
        bad("campaign.id", "the campaign id is missing")
        ok = False
    elif not isinstance(cid, (str, int)) or isinstance(cid, bool):
        bad("campaign.id", f'"{cid}" is not a text or number id')
        ok = False
    year = table.get("year")
    if year is None:
        bad("campaign.year", "the campaign year is missing")
        ok = False
    elif isinstance(year, bool) or not isinstance(year, int):
        bad("campaign.year", f'"{year}" is not a whole year')
        ok = False
    elif year not in YEAR_RANGE:
        bad_at(
            "campaign.year",
            f'"{year}" is outside the years {YEAR_RANGE[0]}..{YEAR_RANGE[-1]} an appraisal can be held in',
        )
        ok = False
    # The campaign's id, name and series are shown and exported as text: the label rule
    # of every name (no formula), and no NUL (TOML's "\u0000" escape; no database keeps it).
    for key in ("id", "name", "series"):
        value = table.get(key)
        if not isinstance(value, str):
            continue
        dotted = f"campaign.{key}"
        if "\x00" in value:
            bad_at(dotted, "the text holds a NUL character (\\u0000), which no text may hold")
            ok = False
        found = label_defect("campaign.toml", None, dotted, value)
        if found is not None:
            bad_at(dotted, found.message)
            ok = False
    if not ok:
        return None
    return CampaignInfo(
        id=str(cid), year=int(year), name=str(table.get("name", "")), series=str(table.get("series", ""))
    )


def _weight_table(table: Any, key: str, bad: Any) -> dict[str, float] | None:
    """A table of non-negative weights that add up to 1 (within 1e-9)."""
    if not isinstance(table, dict):
        bad(key, f"[{key}] must be a table of weights")
        return None
    out: dict[str, float] = {}
    ok = True
    for name, value in table.items():
        if not _is_number(value):
            bad(f"{key}.{name}", f'"{value}" is not a finite number')
            ok = False
        elif value < 0:
            bad(f"{key}.{name}", f'"{value}" is a negative weight')
            ok = False
        else:
            out[str(name)] = float(value)
    if not ok:
        return None
    total = math.fsum(out.values())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        bad(key, f'weights add up to "{total:.12g}", not 1')
        return None
    return out


def _own_grades(section: dict[str, Any], bad_at: Any) -> dict[str, float] | None:
    """A campaign's own grade bands (``[grades]`` with names other than the default three):
    ``name = lower bound``; every defect names the key at its line.

    A table that mixes the default names with others is refused rather than read as a
    scheme of its own: ``basically_satisifed = 60`` beside ``satisfied = 85`` is a typing
    error far more often than a band meant to be called that.
    """
    defaults = [name for name, _ in DEFAULT_GRADES]
    mixed = [k for k in section if k in defaults]
    ok = True
    if mixed:
        others = ", ".join(k for k in section if k not in defaults)
        for key in mixed:
            bad_at(
                f"grades.{key}",
                f'"{key}" is a default band name beside bands of the campaign\'s own ({others}): '
                "either set the default bounds (satisfied, fairly_satisfied, basically_satisfied) "
                "or name every band yourself",
            )
        ok = False
    out: dict[str, float] = {}
    seen: dict[float, str] = {}
    for name, value in section.items():
        key = f"grades.{name}"
        if name == BOTTOM_GRADE:
            bad_at(key, f'"{name}" cannot be a band: it is the grade below every band (methodology §6)')
            ok = False
            continue
        if not GRADE_NAME.fullmatch(name):
            bad_at(key, f'"{name}" is not a band name: use a lowercase identifier such as excellent or pass')
            ok = False
            continue
        if not _is_number(value):
            bad_at(key, f'"{value}" is not a finite number')
            ok = False
            continue
        bound = float(value)
        if not 0 <= bound <= 100:
            bad_at(key, f'"{value}" is outside [0, 100]')
            ok = False
        elif bound in seen:
            bad_at(
                key, f'"{value}" is also the lower bound of "{seen[bound]}": two bands cannot share a bound'
            )
            ok = False
        else:
            seen[bound] = name
        out[name] = bound
    return out if ok else None


def _check_ranges(p: MethodParams, bad: Any) -> None:
    if not 0 <= p.satisfied_at <= 100:
        bad("scoring.satisfied_at", f'"{p.satisfied_at}" is outside [0, 100]')
    if not 0 <= p.min_indicator_share <= 1:
        bad("scoring.min_indicator_share", f'"{p.min_indicator_share}" is outside [0, 1]')
    if not 0 < p.trim_low <= 1 <= p.trim_high:
        bad(
            "weighting",
            f'trim bounds "{p.trim_low}, {p.trim_high}" must satisfy 0 < trim_low <= 1 <= trim_high',
        )
    if not p.custom_grades and not (
        p.grade_satisfied >= p.grade_fairly_satisfied >= p.grade_basically_satisfied
    ):
        bad("grades", '"satisfied >= fairly_satisfied >= basically_satisfied" does not hold')
    if p.bonus_cap < 0 or p.deduction_cap < 0:
        bad("adjustments", f'caps "{p.bonus_cap}, {p.deduction_cap}" must be >= 0')
    if p.consecutive_years < 1:
        bad("consecutive.years", f'"{p.consecutive_years}" must be at least 1')
