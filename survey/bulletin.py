"""The fieldwork bulletin (通报), pure part: periods and the ranking of dissatisfied answers.

Definition used by the bulletin: among the *counted* survey responses (status ``valid``)
submitted in the period, an answer is *scored* when its option has a score (a "don't
know" answer is not), and *dissatisfied* when that score is below 60 (the methodology's
``scoring.satisfied_at``; on the built-in scale that is 不满意). For each respondent group
and unit, the bulletin gives the number of dissatisfied answers and their share of the
scored answers; a unit enters the list only with at least ``min_answers`` scored answers,
so that a unit with three answers, one of them unhappy, does not top it. Units are
listed by the number of dissatisfied answers, then their share, then unit code.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

DISSATISFIED_BELOW: Final = 60.0
DEFAULT_MIN_ANSWERS: Final = 20
DEFAULT_TOP: Final = 10
PERIODS: Final = ("week", "month")


def period_bounds(kind: str, anchor: date) -> tuple[date, date]:
    """First and last day (both included) of the week (Monday to Sunday) or calendar
    month holding ``anchor``."""
    if kind == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    if kind == "month":
        last = calendar.monthrange(anchor.year, anchor.month)[1]
        return anchor.replace(day=1), anchor.replace(day=last)
    raise ValueError(f"a period is a week or a month, not {kind!r}")


@dataclass(frozen=True, slots=True)
class Tally:
    """One unit's answers from one respondent group in the period."""

    group: str
    unit_code: str
    unit_name: str
    scored: int
    dissatisfied: int


@dataclass(frozen=True, slots=True)
class BulletinRow:
    rank: int
    unit_code: str
    unit_name: str
    scored: int
    dissatisfied: int

    @property
    def share(self) -> float:
        return self.dissatisfied / self.scored if self.scored else 0.0


def rank_units(
    tallies: Iterable[Tally], min_answers: int = DEFAULT_MIN_ANSWERS, top: int = DEFAULT_TOP
) -> dict[str, list[BulletinRow]]:
    """Per group, the ``top`` units with the most dissatisfied answers (only units with
    at least ``min_answers`` scored answers and at least one dissatisfied answer)."""
    by_group: dict[str, list[Tally]] = {}
    for tally in tallies:
        by_group.setdefault(tally.group, [])
        if tally.scored >= min_answers and tally.dissatisfied > 0:
            by_group[tally.group].append(tally)
    ranked: dict[str, list[BulletinRow]] = {}
    for group, rows in by_group.items():
        rows.sort(key=lambda r: (-r.dissatisfied, -r.dissatisfied / r.scored, r.unit_code))
        ranked[group] = [
            BulletinRow(rank, r.unit_code, r.unit_name, r.scored, r.dissatisfied)
            for rank, r in enumerate(rows[:top], start=1)
        ]
    return ranked
