"""The ``[platform]`` table of ``campaign.toml``: the designer's settings that the scorer never
reads (平台设置：评议时间、通报公开、公示天数、等次名称、评议主体名称).

A campaign designed in the app carries, besides its method, the fieldwork dates, whether
its bulletin is public, the notice period, how its grade bands and respondent groups are
named in Chinese and English, and whatever else the designer keeps (``Campaign.design``).
They travel in the bundle so that a campaign survives an export and an import whole, in
one table the method never looks at::

    [platform]
    fieldwork_opens = 2025-05-01        # TOML dates
    fieldwork_closes = 2025-06-30
    public_bulletin = true
    notice_days = 7

    [platform.grade_labels.excellent]   # one table per band of [grades] (or dissatisfied)
    zh = "优秀"
    en = "Excellent"

    [platform.groups.deputy]            # one table per respondent group
    zh = "人大代表/政协委员"
    en = "Deputies"

    [platform.design]                   # every other key of Campaign.design, as it is
    note = "..."

Pure: no I/O, no database. :func:`read_platform` validates the table with the bundle
reader's rules (text that a spreadsheet would run, NUL characters, ids with spaces around
them), so that ``python -m scoring validate`` reports its defects by key and line;
:func:`split_platform` takes the table out of a ``campaign.toml`` text (the database keeps the
method tables apart from it) and :func:`join_platform` writes it back after them.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any, Final

from scoring.errors import Defect
from scoring.params import _key_line
from scoring.textrules import label_defect

TABLE: Final = "platform"
#: The notice period (公示期) of a campaign when ``[platform]`` does not set one, and its range.
DEFAULT_NOTICE_DAYS: Final = 7
NOTICE_DAYS_RANGE: Final = range(1, 91)
#: The languages a label is given in.
LANGS: Final = ("zh", "en")
#: ``Campaign.design`` keys that have tables of their own in ``[platform]``.
GRADE_LABELS: Final = "grade_labels"
_KEYS: Final = (
    "fieldwork_opens",
    "fieldwork_closes",
    "public_bulletin",
    "notice_days",
    GRADE_LABELS,
    "groups",
    "design",
)

Labels = Mapping[str, Mapping[str, str]]


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True, slots=True)
class PlatformSettings:
    """The ``[platform]`` table, read; every field at its default when the table is absent.

    Attributes
    ----------
    fieldwork_opens, fieldwork_closes : the fieldwork dates (评议时间), Beijing calendar days.
    public_bulletin : whether the fieldwork bulletin (评议通报) is public.
    notice_days : the notice period (公示期) in days.
    grade_labels : band -> {"zh": ..., "en": ...} (等次名称).
    groups : respondent group code -> {"zh": ..., "en": ...} (评议主体名称).
    design : the other keys of ``Campaign.design``, as they are.
    """

    fieldwork_opens: date | None = None
    fieldwork_closes: date | None = None
    public_bulletin: bool = False
    notice_days: int = DEFAULT_NOTICE_DAYS
    grade_labels: Labels = field(default_factory=lambda: _frozen({}))
    groups: Labels = field(default_factory=lambda: _frozen({}))
    design: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))

    def campaign_design(self) -> dict[str, Any]:
        """``Campaign.design`` as the platform keeps it: the other keys plus ``grade_labels``."""
        out = {k: v for k, v in self.design.items()}
        if self.grade_labels:
            out[GRADE_LABELS] = {band: dict(labels) for band, labels in self.grade_labels.items()}
        return out

    @classmethod
    def from_design(cls, design: Mapping[str, Any], **fields: Any) -> PlatformSettings:
        """Settings from ``Campaign.design`` (``grade_labels`` and the rest) and the other fields."""
        labels = design.get(GRADE_LABELS) or {}
        rest = {k: v for k, v in design.items() if k != GRADE_LABELS}
        return cls(
            grade_labels=_frozen({str(b): _frozen(dict(v)) for b, v in labels.items()}),
            design=_frozen(rest),
            **fields,
        )


# ---------------------------------------------------------------------------- reading


def read_platform(
    text: str, grade_names: Iterable[str], file: str = "campaign.toml"
) -> tuple[PlatformSettings, list[Defect]]:
    """Read and check the ``[platform]`` table of the ``campaign.toml`` text.

    ``grade_names`` are the grades a unit can take (``MethodParams.grade_names``): a label
    for any other band is a defect. A TOML syntax error is left to
    :func:`scoring.params.parse_campaign_toml`, which reports it; then the settings are the
    defaults.
    """
    defects: list[Defect] = []

    def bad(dotted: str, message: str) -> None:
        defects.append(Defect(file, _key_line(text, dotted), dotted, message))

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return PlatformSettings(), defects
    if TABLE not in doc:
        return PlatformSettings(), defects
    table = doc[TABLE]
    if not isinstance(table, dict):
        bad(TABLE, "[platform] must be a table")
        return PlatformSettings(), defects
    _, found = split_platform(text)
    if found is not None:
        defects.append(Defect(file, None, TABLE, found))
    for key in table:
        if key not in _KEYS:
            bad(f"{TABLE}.{key}", f'unknown key "{key}" in [platform] (one of {", ".join(_KEYS)})')

    values: dict[str, Any] = {}
    for key in ("fieldwork_opens", "fieldwork_closes"):
        if key in table:
            value = table[key]
            if isinstance(value, datetime) or not isinstance(value, date):
                bad(f"{TABLE}.{key}", f'"{value}" is not a date (write it as 2025-05-01, without quotes)')
            else:
                values[key] = value
    opens, closes = values.get("fieldwork_opens"), values.get("fieldwork_closes")
    if opens is not None and closes is not None and closes < opens:
        bad(f"{TABLE}.fieldwork_closes", f'"{closes}" is before the fieldwork opens ({opens})')
    if "public_bulletin" in table:
        value = table["public_bulletin"]
        if not isinstance(value, bool):
            bad(f"{TABLE}.public_bulletin", f'"{value}" is not true or false')
        else:
            values["public_bulletin"] = value
    if "notice_days" in table:
        value = table["notice_days"]
        if isinstance(value, bool) or not isinstance(value, int) or value not in NOTICE_DAYS_RANGE:
            bad(
                f"{TABLE}.notice_days",
                f'"{value}" is not a whole number of days from '
                f"{NOTICE_DAYS_RANGE[0]} to {NOTICE_DAYS_RANGE[-1]}",
            )
        else:
            values["notice_days"] = value

    names = set(grade_names)
    labels = _labels(table.get(GRADE_LABELS), f"{TABLE}.{GRADE_LABELS}", bad, file)
    for band in labels:
        if band not in names:
            bad(
                f"{TABLE}.{GRADE_LABELS}.{band}",
                f'"{band}" is not a band of [grades] ({", ".join(sorted(names))}): a label needs its band',
            )
    values["grade_labels"] = _frozen(labels)
    values["groups"] = _frozen(_labels(table.get("groups"), f"{TABLE}.groups", bad, file, codes=True))

    design = table.get("design", {})
    if not isinstance(design, dict):
        bad(f"{TABLE}.design", "[platform.design] must be a table")
    else:
        if GRADE_LABELS in design:
            bad(f"{TABLE}.design.{GRADE_LABELS}", "grade labels belong in [platform.grade_labels.<band>]")
        for where, problem in _design_problems(design, f"{TABLE}.design"):
            bad(where, problem)
        values["design"] = _frozen({k: v for k, v in design.items() if k != GRADE_LABELS})
    if defects:
        return PlatformSettings(), defects
    return PlatformSettings(**values), defects


def _labels(
    table: Any, where: str, bad: Any, file: str, *, codes: bool = False
) -> dict[str, Mapping[str, str]]:
    """``name -> {"zh": ..., "en": ...}`` tables; text rules on every label (and code)."""
    if table is None:
        return {}
    if not isinstance(table, dict):
        bad(where, f"[{where}] must hold one table per name")
        return {}
    out: dict[str, Mapping[str, str]] = {}
    for name, labels in table.items():
        key = f"{where}.{name}"
        if codes:
            if name != name.strip() or not name:
                bad(key, f'"{name}" has spaces before or after it; an id must not')
                continue
            found = label_defect(file, None, key, name)
            if found is not None:
                bad(key, found.message)
                continue
        if not isinstance(labels, dict):
            bad(key, f"[{key}] must be a table with zh and en")
            continue
        ok = True
        for lang, text in labels.items():
            if lang not in LANGS:
                bad(f"{key}.{lang}", f'unknown key "{lang}" (zh or en)')
                ok = False
            elif not isinstance(text, str):
                bad(f"{key}.{lang}", f'"{text}" is not text')
                ok = False
            elif "\x00" in text:
                bad(f"{key}.{lang}", "the text holds a NUL character (\\u0000), which no text may hold")
                ok = False
            elif (found := label_defect(file, None, f"{key}.{lang}", text)) is not None:
                bad(f"{key}.{lang}", found.message)
                ok = False
        if ok:
            out[name] = _frozen({lang: labels[lang] for lang in LANGS if lang in labels})
    return out


def _design_problems(value: Any, where: str) -> Iterable[tuple[str, str]]:
    """What in ``[platform.design]`` the database's JSON cannot keep as it is."""
    if isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in k:
                yield where, "a key holds a NUL character (\\u0000), which no text may hold"
            yield from _design_problems(v, f"{where}.{k}")
    elif isinstance(value, list):
        for v in value:
            yield from _design_problems(v, where)
    elif isinstance(value, (date, time)):
        yield where, f'"{value}" is a date or time, which the platform keeps only as text: quote it'
    elif isinstance(value, str) and "\x00" in value:
        yield where, "the text holds a NUL character (\\u0000), which no text may hold"
    elif isinstance(value, float) and not math.isfinite(value):
        yield where, f'"{value}" is not a finite number'


# ---------------------------------------------------------------------------- splitting

_HEADER = re.compile(r"\s*\[\[?\s*(?P<name>[^\[\]#]+?)\s*\]\]?\s*(#.*)?")
_PLATFORM_NAME = re.compile(r"(?:\"platform\"|'platform'|platform)\s*(?:\.|$)")


def split_platform(text: str) -> tuple[str, str | None]:
    """The ``campaign.toml`` text without its ``[platform]`` tables, and why it could not be
    split (None when it could).

    The method tables are kept byte for byte; only when a platform table was taken out are
    blank lines at the end trimmed to one line end, so that :func:`join_platform` then
    :func:`split_platform` gives back the same text. A text without ``[platform]`` is
    returned as it is. The platform must be written as tables of its own (``[platform]``,
    ``[platform.groups.deputy]``...): written as dotted keys or an inline table it cannot be
    told apart from the method by lines, and that is the reason returned.
    """
    kept: list[str] = []
    inside = removed = False
    for line in text.splitlines(keepends=True):
        header = _HEADER.fullmatch(line.rstrip("\r\n"))
        if header:
            inside = bool(_PLATFORM_NAME.match(header.group("name")))
        if inside:
            removed = True
            continue
        kept.append(line)
    method = "".join(kept)
    if removed:
        method = method.rstrip() + "\n" if method.strip() else ""
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text, None  # parse_campaign_toml reports the syntax error
    try:
        after = tomllib.loads(method)
    except tomllib.TOMLDecodeError:
        after = None
    if after != {k: v for k, v in before.items() if k != TABLE}:
        return text, (
            "[platform] must be written as tables of its own ([platform], [platform.groups.<code>], "
            "...), not as dotted keys or an inline table, so that it can be kept apart from the method"
        )
    return method, None


# ---------------------------------------------------------------------------- writing


def platform_toml(settings: PlatformSettings) -> str:
    """The ``[platform]`` tables of ``settings``: only what differs from the defaults, so a
    campaign that sets nothing writes nothing (and its ``campaign.toml`` stays as it was).

    A JSON null in ``design`` has no TOML form: a key whose value is null is left out, and
    so is a null inside a list.
    """
    lines: list[str] = []
    top: list[str] = []
    if settings.fieldwork_opens is not None:
        top.append(f"fieldwork_opens = {settings.fieldwork_opens.isoformat()}")
    if settings.fieldwork_closes is not None:
        top.append(f"fieldwork_closes = {settings.fieldwork_closes.isoformat()}")
    if settings.public_bulletin:
        top.append("public_bulletin = true")
    if settings.notice_days != DEFAULT_NOTICE_DAYS:
        top.append(f"notice_days = {int(settings.notice_days)}")
    if top:
        lines += ["[platform]", *top, ""]
    for kind, table in ((GRADE_LABELS, settings.grade_labels), ("groups", settings.groups)):
        for name, labels in table.items():
            lines.append(f"[platform.{kind}.{toml_key(name)}]")
            lines += [f"{lang} = {toml_value(labels[lang])}" for lang in LANGS if lang in labels]
            lines.append("")
    design = {k: v for k, v in settings.design.items() if v is not None}
    if design:
        lines.append("[platform.design]")
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in design.items()]
        lines.append("")
    return "\n".join(lines)


def join_platform(method_toml: str, settings: PlatformSettings) -> str:
    """``campaign.toml`` as exported: the method tables, then ``[platform]`` after one blank
    line (the method text as it is when there is no platform setting to write)."""
    platform = platform_toml(settings)
    if not platform:
        return method_toml
    method = method_toml.rstrip()
    return (method + "\n\n" if method else "") + platform


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, else a basic string."""
    return key if _BARE.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def toml_value(value: Any) -> str:
    """One TOML value on one line (inline arrays and tables) for text, numbers, booleans,
    dates, lists and dicts; nulls inside are left out (TOML has none)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items() if v is not None)
        return "{" + (f" {inner} " if inner else "") + "}"
    raise TypeError(f"{value!r} has no TOML form")
