"""Quality control of survey responses before scoring (问卷质量控制): pure functions.

:func:`flag_responses` turns index-coded arrays (no database, no Streamlit) into flag
codes per response; :func:`no_qr_responses` checks units. Flagged responses are held
back for a person to review (``services.review``); nothing here deletes or scores.

Flags and their rules (thresholds in :class:`Thresholds`):

``too_fast``
    ``duration < seconds_per_item × answered items`` (unknown duration: never flagged).
``straight_lining``
    at least ``straight_min_items`` answered items, all with the same option, answered
    in less than ``straight_seconds_per_item`` per item. On a short satisfaction
    questionnaire whose items measure one thing, the same answer everywhere is what a
    content respondent gives (Kim et al. 2019, "Straightlining: Overview of Measurement,
    Comparison of Indicators, and Effects in Mail–Web Mixed-Mode Surveys"); it signals
    satisficing only together with speed, so a sheet of unknown duration (paper) is
    never flagged for it.
``device_burst`` / ``network_burst``
    more than ``burst_max`` responses about one unit from one device (network) hash
    within ``burst_minutes``: every response in such a window is flagged.
``mobilisation``
    a unit receives many favourable responses (r ≥ ``favourable_at``) in a short
    window far above its own usual rate. The fieldwork period (earliest to latest
    submission of all responses) is cut into bins of ``mobilisation_minutes``; the
    unit's *baseline* is the median over all those bins (empty ones included) of its
    favourable responses per bin. Every favourable response of the unit lying in a
    sliding window of ``mobilisation_minutes`` (starting at one of its favourable
    responses) that holds ``≥ mobilisation_min`` favourable responses *and* more than
    ``mobilisation_ratio × baseline`` is flagged.
``identical_comment``
    the same comment (whitespace collapsed, case folded) of at least
    ``comment_min_chars`` characters on two or more responses about the same unit (a
    text pasted by a unit's own people; the same words about different units are
    ordinary praise or complaint).

Times are seconds (any epoch) as float64, NaN where unknown; responses with an
unknown time take part in no time-window rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FLAGS = (
    "too_fast",
    "straight_lining",
    "device_burst",
    "network_burst",
    "mobilisation",
    "identical_comment",
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Limits of the quality rules, with their defaults.

    Attributes
    ----------
    seconds_per_item : 3.0
        A sheet answered faster than this per answered item is ``too_fast``.
    straight_min_items : 5
        ``straight_lining`` needs at least this many answered items ...
    straight_seconds_per_item : 9.0
        ... answered in less than this per item (45 s for five items).
    burst_max : 3
        More than this many responses about one unit from one device or network ...
    burst_minutes : 10.0
        ... within this many minutes is a burst.
    favourable_at : 60.0
        A response with mean option score r ≥ this is favourable.
    mobilisation_min : 10
        A mobilisation window holds at least this many favourable responses ...
    mobilisation_ratio : 3.0
        ... and more than this times the unit's baseline per window ...
    mobilisation_minutes : 30.0
        ... within this many minutes.
    comment_min_chars : 6
        Shorter comments (after normalising) are trivial (无, 很好, 没有意见) and never
        ``identical_comment``.
    """

    seconds_per_item: float = 3.0
    straight_min_items: int = 5
    straight_seconds_per_item: float = 9.0
    burst_max: int = 3
    burst_minutes: float = 10.0
    favourable_at: float = 60.0
    mobilisation_min: int = 10
    mobilisation_ratio: float = 3.0
    mobilisation_minutes: float = 30.0
    comment_min_chars: int = 6


@dataclass(frozen=True, slots=True)
class ResponseData:
    """The responses to check, one entry per response (answers: one per answered item).

    ``device`` / ``network`` / ``comment`` hold ``None`` or "" where absent.
    ``answer_option`` is any integer code of the chosen option (equal codes = same
    option); ``answer_score`` its score in [0, 100], NaN for "don't know".
    """

    unit: IntArray
    submitted: FloatArray
    duration: FloatArray
    device: Sequence[str | None]
    network: Sequence[str | None]
    comment: Sequence[str | None]
    answer_owner: IntArray
    answer_option: IntArray
    answer_score: FloatArray

    @property
    def n(self) -> int:
        return len(self.unit)


@dataclass(frozen=True, slots=True)
class QualityFlags:
    """Result of :func:`flag_responses`.

    ``masks[code]`` is a bool array over responses; ``flags[i]`` the codes of response
    ``i`` in :data:`FLAGS` order (empty when clean).
    """

    masks: dict[str, BoolArray]
    flags: list[list[str]]

    @property
    def flagged(self) -> BoolArray:
        n = len(self.flags)
        out = np.zeros(n, dtype=bool)
        for mask in self.masks.values():
            out |= mask
        return out


def _codes(values: Sequence[str | None]) -> IntArray:
    """Integer code per value, -1 for None or ""."""
    if len(values) == 0:
        return np.zeros(0, np.int64)
    uniq, inv = np.unique(np.array([v or "" for v in values], dtype=str), return_inverse=True)
    inv = inv.astype(np.int64).reshape(-1)
    if len(uniq) and uniq[0] == "":
        inv = inv - 1  # "" sorts first: it becomes -1
    return inv


def _windows(group: IntArray, t: FloatArray, seconds: float) -> tuple[IntArray, IntArray, IntArray]:
    """Sliding windows ``[t_i, t_i + seconds)`` within each group (group ≥ 0, t finite).

    Returns ``order`` (response indexes sorted by group, then time), and for each sorted
    position ``i`` the exclusive end ``end[i]`` of its window in sorted positions and
    the group of position ``i``.
    """
    keep = np.flatnonzero((group >= 0) & np.isfinite(t))
    order = keep[np.lexsort((t[keep], group[keep]))]
    g, ts = group[order], t[order]
    if len(order) == 0:
        return order, np.zeros(0, np.int64), g
    dense = np.unique(g, return_inverse=True)[1].reshape(-1)  # 0..k-1: keeps the key exact
    # One sortable key: each group's times shifted into its own disjoint band.
    rel = ts - ts.min()
    band = rel.max() + seconds + 1.0
    key = dense.astype(np.float64) * band + rel
    end = np.searchsorted(key, key + seconds, side="left").astype(np.int64)
    return order, end, g


def _mark(order: IntArray, end: IntArray, starts: BoolArray, n: int) -> BoolArray:
    """Flag every response in the windows starting at sorted positions ``starts``."""
    diff = np.zeros(len(order) + 1, dtype=np.int64)
    idx = np.flatnonzero(starts)
    np.add.at(diff, idx, 1)
    np.add.at(diff, end[idx], -1)
    inside = np.cumsum(diff[:-1]) > 0
    out = np.zeros(n, dtype=bool)
    out[order[inside]] = True
    return out


def _burst(unit: IntArray, source: IntArray, t: FloatArray, th: Thresholds) -> BoolArray:
    n = len(unit)
    pair = np.where(source >= 0, unit * (int(source.max(initial=0)) + 1) + source, -1)
    order, end, _ = _windows(pair, t, th.burst_minutes * 60.0)
    count = end - np.arange(len(order))
    return _mark(order, end, count > th.burst_max, n)


def _mobilisation(unit: IntArray, r: FloatArray, t: FloatArray, th: Thresholds) -> BoolArray:
    n = len(unit)
    width = th.mobilisation_minutes * 60.0
    fav = (r >= th.favourable_at) & np.isfinite(t)
    group = np.where(fav, unit, -1)
    order, end, g = _windows(group, t, width)
    if len(order) == 0:
        return np.zeros(n, dtype=bool)
    # Baseline: median favourable count per bin over the whole fieldwork period.
    known = t[np.isfinite(t)]
    t0 = known.min()
    n_bins = int((known.max() - t0) // width) + 1
    bins = ((t[order] - t0) // width).astype(np.int64)
    baseline = np.zeros(int(g.max()) + 1)
    for u in np.unique(g):  # a loop over units, not responses
        counts = np.unique(bins[g == u], return_counts=True)[1]
        full = np.concatenate([np.zeros(max(n_bins - len(counts), 0)), np.sort(counts)])
        baseline[u] = np.median(full)
    count = end - np.arange(len(order))
    starts = (count >= th.mobilisation_min) & (count > th.mobilisation_ratio * baseline[g])
    return _mark(order, end, starts, n)


def response_scores(data: ResponseData) -> tuple[FloatArray, IntArray]:
    """Per response: mean scored option (unweighted; NaN when none) and answered items."""
    n = data.n
    answered = np.bincount(data.answer_owner, minlength=n).astype(np.int64)
    scored = np.isfinite(data.answer_score)
    total = np.bincount(data.answer_owner[scored], weights=data.answer_score[scored], minlength=n)
    k = np.bincount(data.answer_owner[scored], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(k > 0, total / np.maximum(k, 1), np.nan)
    return r, answered


def _normalise(comment: str | None) -> str:
    return " ".join((comment or "").split()).casefold()


def flag_responses(data: ResponseData, thresholds: Thresholds | None = None) -> QualityFlags:
    """Quality flags of every response (see the module docstring for the rules)."""
    th = thresholds or Thresholds()
    n = data.n
    unit = np.asarray(data.unit, dtype=np.int64)
    t = np.asarray(data.submitted, dtype=np.float64)
    duration = np.asarray(data.duration, dtype=np.float64)
    r, answered = response_scores(data)

    with np.errstate(invalid="ignore"):
        too_fast = np.isfinite(duration) & (answered > 0) & (duration < th.seconds_per_item * answered)

    owner, option = data.answer_owner, data.answer_option
    lo = np.full(n, np.iinfo(np.int64).max)
    hi = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(lo, owner, option)
    np.maximum.at(hi, owner, option)
    with np.errstate(invalid="ignore"):
        quick = np.isfinite(duration) & (duration < th.straight_seconds_per_item * answered)
    straight = (answered >= th.straight_min_items) & (lo == hi) & quick

    device = _burst(unit, _codes(data.device), t, th)
    network = _burst(unit, _codes(data.network), t, th)
    mobilised = _mobilisation(unit, r, t, th)

    texts = [_normalise(c) for c in data.comment]
    long_enough = np.array([len(s) >= th.comment_min_chars for s in texts], dtype=bool)
    identical = np.zeros(n, dtype=bool)
    if n:
        keyed = np.array([f"{u}\x00{s}" for u, s in zip(unit.tolist(), texts, strict=True)], dtype=str)
        _uniq, inv, counts = np.unique(keyed, return_inverse=True, return_counts=True)
        identical = long_enough & (counts >= 2)[inv.reshape(-1)]

    masks = {
        "too_fast": too_fast,
        "straight_lining": straight,
        "device_burst": device,
        "network_burst": network,
        "mobilisation": mobilised,
        "identical_comment": identical,
    }
    stacked = np.stack([masks[f] for f in FLAGS], axis=1) if n else np.zeros((0, len(FLAGS)), bool)
    flags: list[list[str]] = [[] for _ in range(n)]
    rows, cols = np.nonzero(stacked)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):  # only flagged cells
        flags[i].append(FLAGS[j])
    return QualityFlags(masks=masks, flags=flags)


def no_qr_responses(issued: IntArray, answered_via_invitation: IntArray) -> BoolArray:
    """Units that issued invitations (QR codes, tickets, SMS links) and got no answer through
    any of them: ``issued > 0`` and ``answered_via_invitation == 0`` (arrays per unit)."""
    issued = np.asarray(issued, dtype=np.int64)
    answered = np.asarray(answered_via_invitation, dtype=np.int64)
    return (issued > 0) & (answered == 0)
