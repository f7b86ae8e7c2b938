"""Ranking, ten best / ten worst (十佳十差), grades (等次), consecutive units and
red/yellow cards (红黄牌), methodology §6.

The ranking functions accept a leading replicate axis, so the bootstrap ranks all
its replicates with the same code as the main run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scoring.inputs import BoolArray, FloatArray, IntArray

#: The default scheme's grades, best first (a campaign may name its own: ``MethodParams.grade_names``).
GRADES = ("satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied")
BOTTOM_GRADE = GRADES[-1]


@dataclass(frozen=True, slots=True)
class RankingGroups:
    """Ranking groups (序列) and their list sizes.

    Attributes
    ----------
    names : group names (``all`` or the categories, in order of first appearance).
    of_unit : int64[n_units], group index of every unit, ranked or not.
    size : int64[n_groups], n: the number of ranked (eligible) units.
    list_size : int64[n_groups], N = min(top_n, ⌊n/2⌋).
    """

    names: tuple[str, ...]
    of_unit: IntArray
    size: IntArray
    list_size: IntArray


def ranking_groups(
    categories: tuple[str, ...], group_by: str, eligible: BoolArray, top_n: int
) -> RankingGroups:
    """Group units by category (default) or all together."""
    labels = ["all"] * len(categories) if group_by == "all" else list(categories)
    names = tuple(dict.fromkeys(labels))
    index = {name: k for k, name in enumerate(names)}
    of_unit = np.array([index[label] for label in labels], dtype=np.int64)
    size = np.bincount(of_unit[eligible], minlength=len(names)).astype(np.int64)
    list_size = np.minimum(top_n, size // 2).astype(np.int64)
    return RankingGroups(names=names, of_unit=of_unit, size=size, list_size=list_size)


def _descending_key(x: FloatArray) -> FloatArray:
    # Ascending sort of −x puts high values first; an empty value sorts after every number.
    return np.where(np.isnan(x), np.inf, -x)


def rank_units(
    groups: RankingGroups,
    eligible: BoolArray,
    vetoed: BoolArray,
    final: FloatArray,
    survey: FloatArray,
    phone: FloatArray,
    unit_order: IntArray,
) -> IntArray:
    """Rank within each group; 1 = best, 0 = not ranked.

    Order: non-vetoed before vetoed; then F desc, S desc, P desc (empty last), then
    unit_id ascending as text (``unit_order`` is each unit's position in code-point
    order of the ids). ``final``, ``survey`` and ``phone`` may carry a leading
    replicate axis; ``eligible`` and ``vetoed`` are fixed.

    Notes
    -----
    Each block of units (a group's non-vetoed or vetoed units) is first put in id
    order and sorted by F with a stable sort; only replicates with an exact tie in
    F are re-sorted on the full key, which keeps the common case to one sort.
    """
    final2 = np.atleast_2d(final)
    survey2 = np.broadcast_to(np.atleast_2d(survey), final2.shape)
    phone2 = np.broadcast_to(np.atleast_2d(phone), final2.shape)
    rank = np.zeros(final2.shape, dtype=np.int64)
    for g in range(len(groups.names)):
        offset = 0
        for veto_block in (False, True):
            members = np.flatnonzero(eligible & (groups.of_unit == g) & (vetoed == veto_block))
            if members.size == 0:
                continue
            members = members[np.argsort(unit_order[members], kind="stable")]
            kf = _descending_key(final2[:, members])
            order = np.argsort(kf, axis=1, kind="stable")
            sorted_kf = np.take_along_axis(kf, order, axis=1)
            tied = (sorted_kf[:, 1:] == sorted_kf[:, :-1]).any(axis=1)
            if tied.any():
                rows = np.flatnonzero(tied)
                ks = _descending_key(survey2[np.ix_(rows, members)])
                kp = _descending_key(phone2[np.ix_(rows, members)])
                position = np.broadcast_to(np.arange(members.size), ks.shape)
                order[rows] = np.lexsort((position, kp, ks, kf[rows]), axis=-1)
            block_rank = np.empty_like(order)
            np.put_along_axis(
                block_rank, order, np.broadcast_to(np.arange(1, members.size + 1), order.shape), axis=1
            )
            rank[:, members] = block_rank + offset
            offset += members.size
    return rank[0] if np.ndim(final) == 1 else rank


def list_membership(
    rank: IntArray,
    groups: RankingGroups,
    vetoed: BoolArray,
    final: FloatArray,
    *,
    worst_only_below: float | None = None,
) -> tuple[BoolArray, BoolArray]:
    """Best (十佳) and worst (十差) lists from ranks; arrays shaped like ``rank``.

    Ranks 1..N are best, ranks n−N+1..n worst (only if F < ``worst_only_below``
    when that is set). Every vetoed unit is in the worst list, even beyond N, and
    never in the best list.
    """
    ranked = rank > 0
    n = groups.size[groups.of_unit]
    big_n = groups.list_size[groups.of_unit]
    best = ranked & (rank <= big_n) & ~vetoed
    worst = ranked & (big_n > 0) & (rank >= n - big_n + 1)
    if worst_only_below is not None:
        # An empty F is not "at or above" the bar.
        worst &= ~(final >= worst_only_below)
    worst |= ranked & vetoed
    return best, worst


@dataclass(frozen=True, slots=True)
class Standing:
    """Main-run outcome of every unit.

    Attributes
    ----------
    rank : int64[n_units], 0 where not ranked.
    best, worst : bool[n_units], list membership.
    grade : tuple of str, "" where not ranked.
    consecutive : bool[n_units], unsatisfactory this year and the previous years.
    card : tuple of str, ``red``, ``yellow`` or "".
    """

    rank: IntArray
    best: BoolArray
    worst: BoolArray
    grade: tuple[str, ...]
    consecutive: BoolArray
    card: tuple[str, ...]


def grades(
    final: FloatArray,
    ranked: BoolArray,
    vetoed: BoolArray,
    bands: Mapping[str, float] | None = None,
    *,
    satisfied: float = 85.0,
    fairly_satisfied: float = 75.0,
    basically_satisfied: float = 60.0,
) -> tuple[str, ...]:
    """Grade (等次) of every ranked unit by F; vetoed or empty F → dissatisfied.

    ``bands`` maps each band to its lower bound (``MethodParams.grade_bands``: the
    default three or the campaign's own); a unit takes the band with the highest lower
    bound not above F, and ``dissatisfied`` below them all. Without ``bands`` the default
    scheme with the keyword bounds is used. Bands are tried highest bound first; bands
    with equal bounds keep their order (the default scheme allows ties and the earlier
    band has always won them).
    """
    if bands is None:
        bands = {
            "satisfied": satisfied,
            "fairly_satisfied": fairly_satisfied,
            "basically_satisfied": basically_satisfied,
        }
    ordered = sorted(bands.items(), key=lambda kv: -kv[1])
    out = []
    for f, r, v in zip(final.tolist(), ranked.tolist(), vetoed.tolist(), strict=True):
        if not r:
            out.append("")
        elif v or f != f:
            out.append(BOTTOM_GRADE)
        else:
            out.append(next((name for name, bound in ordered if f >= bound), BOTTOM_GRADE))
    return tuple(out)


def consecutive_unsatisfactory(
    unsatisfactory: BoolArray, history: Mapping[tuple[int, int], bool], year: int, years: int = 2
) -> BoolArray:
    """Unsatisfactory now and in each of the previous ``years``−1 years of the series
    (连续两年不满意); a year missing from the history counts as not unsatisfactory."""
    out = unsatisfactory.copy()
    for u in np.flatnonzero(unsatisfactory):
        out[u] = all(history.get((int(u), year - k), False) for k in range(1, years))
    return out


def cards(
    worst: BoolArray,
    consecutive: BoolArray,
    vetoed: BoolArray,
    final: FloatArray,
    *,
    red_below: float | None = None,
) -> tuple[str, ...]:
    """Red card (红牌) for a worst-list unit that is consecutive, vetoed or below
    ``red_below``; yellow card (黄牌) for every other worst-list unit."""
    red = worst & (consecutive | vetoed)
    if red_below is not None:
        red |= worst & ~(final >= red_below)
    return tuple(
        "red" if r else ("yellow" if w else "") for r, w in zip(red.tolist(), worst.tolist(), strict=True)
    )
