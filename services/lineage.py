"""Which earlier outcome belongs to which unit (往年评议结果的承继), through reorganisations.

A pure derivation, without the database: :mod:`services.history` reads the rows and
writes the result as the campaign's ``HistoryEntry`` rows (``history.csv``).

The rules (issue 11; CQC's "continuing regulatory history" is the model):

* a renamed (更名) or moved (调整序列) unit is the same unit: it keeps its own past;
* a merged unit (合并) takes the past of its **principal predecessor** (主要前身单位) only;
  the other predecessors' years are not inherited;
* each part of a split (拆分) takes the past of the unit it came from;
* a legacy ``Unit.successor_id`` (the demo's renames with a new code) not covered by a
  reorganisation link is followed like a rename with a new code, but only when the
  successor has a single such predecessor (several would be a merger without a
  principal, whose past is not inherited);
* for each earlier year, the unit itself if it took part, else the closest ancestor that
  took part (breadth first, the latest event first among ancestors as close), with a
  cycle and a depth guard; a year in which no ancestor took part gives no entry (the
  scorer counts a missing year as not unsatisfactory).

``via`` is kept language-neutral, one step per event oldest first, separated by ``"; "``:
``"rename 2024-03-01; merge 2025-01-01 (principal)"``. Pages translate it with
:func:`parse_via` (``ui/history.py``); the text is what ``HistoryEntry.via`` stores.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

#: Kinds of step a ``via`` names: the four reorganisations and a legacy successor link.
KINDS: Final = ("rename", "move", "merge", "split", "successor")
#: The unit kinds whose link joins a unit to itself (the same unit afterwards).
SAME_UNIT_KINDS: Final = frozenset({"rename", "move"})
#: How many reorganisations back an ancestor may lie (a guard against bad data).
MAX_DEPTH: Final = 12
#: Width of ``HistoryEntry.via`` in the database.
VIA_WIDTH: Final = 500
ELLIPSIS: Final = "…"

UnitKey = Hashable


@dataclass(frozen=True, slots=True)
class Link:
    """One reorganisation link (``ReorganisationLink`` with its event's kind and date).

    rename and move: ``from_unit == to_unit``. merge: one link per predecessor, ``principal``
    on the one whose past carries on. split: one link per part. ``event`` orders events of
    the same day (the reorganisation's id)."""

    kind: str
    effective_on: date | None
    from_unit: UnitKey
    to_unit: UnitKey
    principal: bool = False
    event: int = 0


@dataclass(frozen=True, slots=True)
class PastYear:
    """An earlier campaign of the series: the units that took part (were appraised in its
    final published results) and those on its worst list (unsatisfactory, 不满意)."""

    year: int
    campaign_code: str
    took_part: frozenset[UnitKey]
    worst: frozenset[UnitKey] = frozenset()


@dataclass(frozen=True, slots=True)
class Step:
    """One event followed back from a unit to where its past came from."""

    kind: str
    effective_on: date | None = None
    principal: bool = False

    def text(self) -> str:
        parts = [self.kind]
        if self.effective_on is not None:
            parts.append(self.effective_on.isoformat())
        if self.principal:
            parts.append("(principal)")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Derived:
    """A derived history entry: ``unit``'s outcome in ``year``, said by ``campaign_code``
    about ``source_unit`` (the unit as appraised that year), reached through ``steps``."""

    unit: UnitKey
    year: int
    unsatisfactory: bool
    campaign_code: str
    source_unit: UnitKey
    steps: tuple[Step, ...] = field(default=())

    @property
    def via(self) -> str:
        return format_via(self.steps)


def format_via(steps: Sequence[Step], width: int = VIA_WIDTH) -> str:
    """The steps as ``"rename 2024-03-01; merge 2025-01-01 (principal)"``, at most
    ``width`` characters (middle steps give way to ``…`` in a chain too long to store)."""
    texts = [s.text() for s in steps]
    joined = "; ".join(texts)
    keep = len(texts)
    while len(joined) > width and keep > 2:
        keep -= 1
        head = keep // 2
        joined = "; ".join([*texts[:head], ELLIPSIS, *texts[len(texts) - (keep - head) :]])
    return joined[:width]


_STEP = re.compile(r"^(?P<kind>[a-z]+)(?: (?P<on>\d{4}-\d{2}-\d{2}))?(?P<principal> \(principal\))?$")


def parse_via(text: str) -> list[Step | str]:
    """The steps of a stored ``via``; a part that is not a step (``…``, or text written by
    hand) comes back as the string itself, for the page to show as is."""
    out: list[Step | str] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        match = _STEP.match(part)
        if match is None or match["kind"] not in KINDS:
            out.append(part)
            continue
        on = date.fromisoformat(match["on"]) if match["on"] else None
        out.append(Step(match["kind"], on, bool(match["principal"])))
    return out


@dataclass(frozen=True, slots=True)
class _Edge:
    """A way back from a unit to an ancestor."""

    ancestor: UnitKey
    step: Step
    order: tuple[int, int]  # (-date ordinal, event): the latest event first


def _edges(
    links: Iterable[Link], successors: Iterable[tuple[UnitKey, UnitKey]], until: date | None
) -> tuple[dict[UnitKey, list[_Edge]], dict[UnitKey, list[Step]]]:
    """Ancestor edges per unit, and each unit's own rename/move events (kept in ``via``)."""
    back: dict[UnitKey, list[_Edge]] = {}
    own: dict[UnitKey, list[tuple[tuple[int, int], Step]]] = {}
    covered: set[tuple[UnitKey, UnitKey]] = set()
    for link in links:
        covered.add((link.from_unit, link.to_unit))
        if until is not None and link.effective_on is not None and link.effective_on > until:
            continue  # recorded ahead of time: not yet in force for this campaign
        ordinal = link.effective_on.toordinal() if link.effective_on else 0
        if link.from_unit == link.to_unit:
            # rename, move, or a merger/split that keeps the unit itself: its own past
            if link.kind in SAME_UNIT_KINDS:
                step = Step(link.kind, link.effective_on)
                own.setdefault(link.to_unit, []).append(((ordinal, link.event), step))
            continue
        if link.kind == "merge" and not link.principal:
            continue  # a merged unit inherits only its principal predecessor's past
        if link.kind not in ("merge", "split", "rename", "move"):
            continue
        step = Step(link.kind, link.effective_on, link.kind == "merge")
        back.setdefault(link.to_unit, []).append(_Edge(link.from_unit, step, (-ordinal, link.event)))
    legacy: dict[UnitKey, list[UnitKey]] = {}
    for before, after in successors:
        if before != after and (before, after) not in covered:
            legacy.setdefault(after, []).append(before)
    for after, befores in legacy.items():
        if len(befores) == 1:  # a rename with a new code; several: a merger without a principal
            back.setdefault(after, []).append(_Edge(befores[0], Step("successor"), (0, 0)))
    for edges in back.values():
        edges.sort(key=lambda e: e.order)
    own_steps = {u: [s for _, s in sorted(steps, key=lambda x: x[0])] for u, steps in own.items()}
    return back, own_steps


def _after(step: Step, year: int) -> bool:
    """Whether an event happened after the appraisal of ``year`` (undated: assume so)."""
    return step.effective_on is None or step.effective_on.year > year


def derive(
    units: Iterable[UnitKey],
    years: Sequence[PastYear],
    links: Iterable[Link] = (),
    successors: Iterable[tuple[UnitKey, UnitKey]] = (),
    *,
    until: date | None = None,
    max_depth: int = MAX_DEPTH,
) -> list[Derived]:
    """Each unit's entry for each earlier year, in the order of ``units`` then ``years``.

    ``successors`` are legacy ``(unit, Unit.successor_id)`` pairs; ``until`` (the
    campaign's reference date) leaves out links that take effect after it.

    Raises
    ------
    ValueError
        Two past years with the same year (the service picks one campaign per year).
    """
    seen_years = [y.year for y in years]
    if len(set(seen_years)) != len(seen_years):
        raise ValueError(f"one campaign per earlier year, got years {sorted(seen_years)}")
    back, own = _edges(links, successors, until)
    out: list[Derived] = []
    for unit in dict.fromkeys(units):  # each unit once, in order
        for past in years:
            found = _closest(unit, past, back, max_depth)
            if found is None:
                continue
            source, path = found
            out.append(
                Derived(
                    unit=unit,
                    year=past.year,
                    unsatisfactory=source in past.worst,
                    campaign_code=past.campaign_code,
                    source_unit=source,
                    steps=_steps(unit, path, own, past.year),
                )
            )
    return out


def _closest(
    unit: UnitKey, past: PastYear, back: Mapping[UnitKey, list[_Edge]], max_depth: int
) -> tuple[UnitKey, list[tuple[UnitKey, Step]]] | None:
    """The nearest ancestor (the unit itself first) that took part in ``past``, with the
    path to it as (ancestor, step) pairs from the unit backwards."""
    took_part = past.took_part | past.worst
    level: list[tuple[UnitKey, list[tuple[UnitKey, Step]]]] = [(unit, [])]
    visited = {unit}
    for _depth in range(max_depth + 1):
        for candidate, path in level:
            if candidate in took_part:
                return candidate, path
        following = []
        for candidate, path in level:
            for edge in back.get(candidate, ()):
                if edge.ancestor in visited:
                    continue  # a cycle, or an ancestor reached by a closer way
                visited.add(edge.ancestor)
                following.append((edge.ancestor, [*path, (edge.ancestor, edge.step)]))
        if not following:
            return None
        level = following
    return None


def _steps(
    unit: UnitKey, path: list[tuple[UnitKey, Step]], own: Mapping[UnitKey, list[Step]], year: int
) -> tuple[Step, ...]:
    """The events between the source's appraisal in ``year`` and the unit now, oldest
    first: each unit's renames and moves after that year, and the structural steps."""
    chain = [unit, *(ancestor for ancestor, _ in path)]
    steps: list[Step] = []
    # walk from the source (the oldest) towards the unit
    for index in range(len(chain) - 1, -1, -1):
        steps.extend(s for s in own.get(chain[index], ()) if _after(s, year))
        if index > 0:
            steps.append(path[index - 1][1])
    return tuple(steps)
