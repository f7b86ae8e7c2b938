"""Sample design and draw for the third-party phone survey (第三方电话抽访): pure functions.

No database and no Streamlit: plain numbers and keys in, small frozen dataclasses out.
``services.sampling`` reads the frames, calls these functions and stores the cases.

Sample size per unit (Cochran 1977, §4.4)
    n₀ = z² p(1−p) / e² completed interviews for a margin of error ``e`` on a unit's
    satisfaction rate at confidence 1−α (z = Φ⁻¹(1−α/2)); with the finite population
    correction for a frame of N people, n = n₀ / (1 + (n₀−1)/N) ≤ N, rounded up.
    p = 0.5 (the default) gives the largest n; an expected rate from last year gives less.
    Dividing by the expected response rate (AAPOR RR3 of earlier fieldwork) gives how
    many people to draw, capped by the frame; a fixed number of completes per unit
    (e.g. 200 per county) replaces the formula when the appraisal prescribes one.

Allocation
    League tables estimate each unit's own rate, so every unit gets the size its own
    frame needs (equal precision), not a share of a city-wide total, which would starve
    small units. Within a unit, quotas spread the draw over respondent groups (评议主体)
    proportionally to the frame or by given shares, by largest remainders, never more
    than a group holds.

Draw
    Candidates are sorted by a stable key (the keyed phone hash) first, so the draw does
    not depend on the order rows come back from the database; then
    ``Generator(PCG64(SeedSequence(seed, spawn_key=(batch, unit stream, group stream))))``
    picks without replacement. One recorded seed thus reproduces the first batch and
    every replacement batch (分批释放样本) of every unit and group, each from its own
    independent stream.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Final

import numpy as np

DEFAULT_CONFIDENCE: Final = 0.95
DEFAULT_ATTEMPTS_PER_CASE: Final = 2.5
# Floating error must not push an exact integer size (e.g. 277.0000000001) up by one.
_CEIL_TOLERANCE: Final = 1e-9


def _ceil(x: float) -> int:
    return math.ceil(x - _CEIL_TOLERANCE)


def z_value(confidence: float) -> float:
    """Two-sided normal quantile z = Φ⁻¹(1 − α/2) for ``confidence`` = 1 − α (0.95 → 1.959964)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Completed interviews needed for a margin of error on one proportion.

    Attributes
    ----------
    z : float
        Normal quantile of the confidence level.
    n0 : float
        Size for an infinite population, z² p(1−p) / e².
    n_fpc : float
        With the finite population correction, n₀ / (1 + (n₀−1)/N); equals ``n0``
        when N is unknown.
    n : int
        ``n_fpc`` rounded up (never more than N).
    """

    z: float
    n0: float
    n_fpc: float
    n: int


def sample_size(
    margin_of_error: float,
    confidence: float = DEFAULT_CONFIDENCE,
    p: float = 0.5,
    population: int | None = None,
) -> SampleSize:
    """Completes needed so that a rate near ``p`` is known to ±``margin_of_error``.

    Oracles (z = 1.959964, p = 0.5, e = 0.05): n₀ = 384.15 → 385; N = 1000 → 277.73 → 278;
    N = 10000 → 370; N = 500 → 218; p = 0.8 → 246 (statistics notes §4, samplics).
    """
    if not 0.0 < margin_of_error < 1.0:
        raise ValueError(f"the margin of error must lie strictly between 0 and 1, got {margin_of_error}")
    if not 0.0 < p < 1.0:
        raise ValueError(f"the expected proportion must lie strictly between 0 and 1, got {p}")
    if population is not None and population < 0:
        raise ValueError(f"the population size cannot be negative, got {population}")
    z = z_value(confidence)
    n0 = z * z * p * (1.0 - p) / (margin_of_error * margin_of_error)
    if population is None:
        return SampleSize(z=z, n0=n0, n_fpc=n0, n=_ceil(n0))
    if population == 0:
        return SampleSize(z=z, n0=n0, n_fpc=0.0, n=0)
    n_fpc = n0 / (1.0 + (n0 - 1.0) / population)
    return SampleSize(z=z, n0=n0, n_fpc=n_fpc, n=min(population, _ceil(n_fpc)))


def margin_of_error(
    completes: float, population: int, confidence: float = DEFAULT_CONFIDENCE, p: float = 0.5
) -> float:
    """The margin of error that ``completes`` interviews from a frame of ``population``
    give: z √(p(1−p)/n · (N−n)/(N−1)); infinite for no completes, 0 for a census."""
    if completes <= 0 or population <= 0:
        return math.inf
    if completes >= population or population == 1:
        return 0.0
    fpc = (population - completes) / (population - 1)
    return z_value(confidence) * math.sqrt(p * (1.0 - p) / completes * fpc)


# ---------------------------------------------------------------- allocation


def allocate(
    total: int, weights: Mapping[str, float], capacity: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Split ``total`` over the keys of ``weights`` by largest remainders (Hamilton), with
    at most ``capacity[k]`` for key ``k``; what a full key cannot take goes to the others
    in proportion to their weights. Ties go to the key that sorts first.

    The result sums to ``min(total, Σ capacity)``; keys with zero weight get nothing
    unless the weighted keys are all full and capacity is left elsewhere.
    """
    if total < 0:
        raise ValueError(f"cannot allocate a negative total ({total})")
    if any(w < 0 or not math.isfinite(w) for w in weights.values()):
        raise ValueError("weights must be finite and not negative")
    keys = sorted(weights)
    cap = {k: (capacity[k] if capacity is not None and k in capacity else total) for k in keys}
    out = dict.fromkeys(keys, 0)
    remaining = min(total, sum(max(0, c) for c in cap.values()))
    while remaining > 0:
        open_keys = [k for k in keys if out[k] < cap[k]]
        weight = {k: weights[k] for k in open_keys}
        if sum(weight.values()) <= 0:
            # only zero-weight keys have room: fill them by their spare capacity
            weight = {k: float(cap[k] - out[k]) for k in open_keys}
        scale = sum(weight.values())
        quotas = {k: remaining * weight[k] / scale for k in open_keys}
        share = {k: math.floor(q) for k, q in quotas.items()}
        left = remaining - sum(share.values())
        for k in sorted(open_keys, key=lambda k: (-(quotas[k] - share[k]), k))[:left]:
            share[k] += 1
        given = 0
        for k in open_keys:
            take = min(share[k], cap[k] - out[k])
            out[k] += take
            given += take
        remaining -= given
        if given == 0:  # cannot happen while capacity is left; a guard against looping
            break
    return out


# ---------------------------------------------------------------- design


@dataclass(frozen=True, slots=True)
class DesignParams:
    """What the supervisor decides before a draw.

    Attributes
    ----------
    margin_of_error : float
        Target half-width of the 95% (``confidence``) interval of a unit's rate, e.g. 0.08.
    confidence : float
        Confidence level of that interval.
    expected_p : float
        Expected satisfaction rate; 0.5 is the safe (largest) choice.
    response_rate : float
        Expected share of drawn people who complete the interview (AAPOR RR3).
    attempts_per_case : float
        Expected dialling attempts per drawn case, for the cost in calls.
    fixed_completes : int or None
        A prescribed number of completes per unit instead of the formula.
    quotas : bool
        Spread each unit's draw over respondent groups.
    group_shares : tuple of (group, share) pairs
        Shares of the groups under quotas; empty means "as in the frame".
    """

    margin_of_error: float = 0.08
    confidence: float = DEFAULT_CONFIDENCE
    expected_p: float = 0.5
    response_rate: float = 0.5
    attempts_per_case: float = DEFAULT_ATTEMPTS_PER_CASE
    fixed_completes: int | None = None
    quotas: bool = False
    group_shares: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def problems(self) -> list[str]:
        """Why these parameters cannot be used (empty when they can)."""
        found = []
        if self.fixed_completes is None and not 0.0 < self.margin_of_error < 1.0:
            found.append(f"the margin of error must lie between 0 and 1, not {self.margin_of_error}")
        if not 0.5 <= self.confidence < 1.0:
            found.append(f"the confidence level must lie in [0.5, 1), not {self.confidence}")
        if not 0.0 < self.expected_p < 1.0:
            found.append(f"the expected rate must lie strictly between 0 and 1, not {self.expected_p}")
        if not 0.0 < self.response_rate <= 1.0:
            found.append(f"the expected response rate must lie in (0, 1], not {self.response_rate}")
        if not 1.0 <= self.attempts_per_case <= 50.0:
            found.append(f"attempts per case must lie between 1 and 50, not {self.attempts_per_case}")
        if self.fixed_completes is not None and not 1 <= self.fixed_completes <= 100_000:
            found.append(f"a fixed size must be 1 to 100000 completes, not {self.fixed_completes}")
        if any(share < 0 or not math.isfinite(share) for _, share in self.group_shares):
            found.append("group shares must be finite and not negative")
        elif self.group_shares and sum(share for _, share in self.group_shares) <= 0:
            found.append("at least one group share must be positive")
        return found

    def as_dict(self) -> dict[str, object]:
        return {
            "margin_of_error": self.margin_of_error,
            "confidence": self.confidence,
            "expected_p": self.expected_p,
            "response_rate": self.response_rate,
            "attempts_per_case": self.attempts_per_case,
            "fixed_completes": self.fixed_completes,
            "quotas": self.quotas,
            "group_shares": dict(self.group_shares),
        }


@dataclass(frozen=True, slots=True)
class UnitPlan:
    """One unit's part of the design.

    Attributes
    ----------
    unit : str
        Unit code.
    frame_size : int
        People in the unit's frame that may be called (N).
    target_completes : int
        Completed interviews wanted (formula with FPC, or the fixed size; ≤ N).
    to_draw : int
        People to draw: target / response rate, rounded up, at most N.
    expected_completes : float
        ``to_draw × response rate``.
    expected_calls : float
        ``to_draw × attempts per case``: the fieldwork cost in dialling attempts.
    expected_margin : float
        Margin of error the expected completes give (with FPC).
    capped : bool
        The frame is too small for target / response rate: fewer completes are expected.
    groups : tuple of (group, frame size, to draw, target completes)
        The quotas per respondent group (one row with group "" without quotas).
    """

    unit: str
    frame_size: int
    target_completes: int
    to_draw: int
    expected_completes: float
    expected_calls: float
    expected_margin: float
    capped: bool
    groups: tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True, slots=True)
class Design:
    """The design of a whole draw: its parameters and one plan per unit, with totals."""

    params: DesignParams
    units: tuple[UnitPlan, ...]

    @property
    def frame_size(self) -> int:
        return sum(u.frame_size for u in self.units)

    @property
    def target_completes(self) -> int:
        return sum(u.target_completes for u in self.units)

    @property
    def to_draw(self) -> int:
        return sum(u.to_draw for u in self.units)

    @property
    def expected_completes(self) -> float:
        return sum(u.expected_completes for u in self.units)

    @property
    def expected_calls(self) -> float:
        return sum(u.expected_calls for u in self.units)

    @property
    def capped_units(self) -> int:
        return sum(u.capped for u in self.units)


def plan_unit(unit: str, groups: Mapping[str, int], params: DesignParams) -> UnitPlan:
    """The plan for one unit whose frame holds ``groups[g]`` callable people of group ``g``."""
    problems = params.problems()
    if problems:
        raise ValueError("; ".join(problems))
    if any(n < 0 for n in groups.values()):
        raise ValueError("group sizes cannot be negative")
    n_frame = sum(groups.values())
    if params.fixed_completes is not None:
        target = min(n_frame, params.fixed_completes)
    else:
        target = sample_size(params.margin_of_error, params.confidence, params.expected_p, n_frame).n
    wanted = _ceil(target / params.response_rate)
    to_draw = min(n_frame, wanted)
    if params.quotas and groups:
        shares = dict(params.group_shares)
        weights = (
            {g: float(shares.get(g, 0.0)) for g in groups}
            if shares
            else {g: float(n) for g, n in groups.items()}
        )
        draws = allocate(to_draw, weights, groups)
        targets = allocate(target, weights, groups)
        rows = tuple((g, groups[g], draws[g], targets[g]) for g in sorted(groups))
    else:
        rows = (("", n_frame, to_draw, target),)
    expected = to_draw * params.response_rate
    return UnitPlan(
        unit=unit,
        frame_size=n_frame,
        target_completes=target,
        to_draw=to_draw,
        expected_completes=expected,
        expected_calls=to_draw * params.attempts_per_case,
        expected_margin=margin_of_error(expected, n_frame, params.confidence, params.expected_p),
        capped=wanted > n_frame,
        groups=rows,
    )


def design_sample(frames: Mapping[str, Mapping[str, int]], params: DesignParams) -> Design:
    """The design for every unit: ``frames[unit][group]`` = callable people; units in the
    order given (the campaign's order)."""
    return Design(params=params, units=tuple(plan_unit(u, g, params) for u, g in frames.items()))


# ---------------------------------------------------------------- draw


def stream_id(text: str) -> int:
    """A stable 32-bit number naming ``text`` (a unit or group code) in a seed's spawn key;
    Python's ``hash`` changes between runs, SHA-256 does not."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def generator(seed: int, batch: int, unit: str, group: str = "") -> np.random.Generator:
    """The random stream of one batch of one unit (and group): PCG64 seeded by
    ``SeedSequence(seed, spawn_key=(batch, stream_id(unit), stream_id(group)))``."""
    if seed < 0:
        raise ValueError(f"the seed must not be negative, got {seed}")
    if batch < 1:
        raise ValueError(f"batches are numbered from 1, got {batch}")
    sequence = np.random.SeedSequence(seed, spawn_key=(batch, stream_id(unit), stream_id(group)))
    return np.random.Generator(np.random.PCG64(sequence))


def draw(keys: Sequence[str], n: int, seed: int, batch: int, unit: str, group: str = "") -> tuple[str, ...]:
    """``n`` of ``keys`` drawn without replacement (all of them when there are fewer), in
    draw order. The keys are sorted first, so their order in ``keys`` does not matter."""
    ordered = sorted(keys)
    if len(set(ordered)) != len(ordered):
        raise ValueError("the candidates' keys must be unique")
    if n < 0:
        raise ValueError(f"cannot draw a negative number ({n})")
    take = min(n, len(ordered))
    if take == 0:
        return ()
    picks = generator(seed, batch, unit, group).choice(len(ordered), size=take, replace=False)
    return tuple(ordered[int(i)] for i in picks)


def replacement_size(target_completes: int, completes: int, response_rate: float, available: int) -> int:
    """People to draw in a replacement batch: the shortfall of completes divided by the
    response rate, rounded up, at most what the frame still holds."""
    shortfall = max(0, target_completes - completes)
    if shortfall == 0 or available <= 0:
        return 0
    if not 0.0 < response_rate <= 1.0:
        raise ValueError(f"the response rate must lie in (0, 1], not {response_rate}")
    return min(available, _ceil(shortfall / response_rate))
