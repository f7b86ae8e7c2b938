"""Rules from the seeds' registries to the method's inputs: the three rates of inspection
visits (三率: 到岗率、在岗率、专注率) and deductions from verified findings and decided
accountability cases (问责案件).

Pure functions over numpy arrays, used by the services that feed a campaign's indicators
and adjustments (services/inspection_rates.py, services/accountability_deductions.py) and by the demo,
so that what the app computes is what the demo and the tests compute.

The rates are ratio estimators pooled over a unit's visits (Cochran, *Sampling Techniques*,
3rd ed., 1977, §6.2): Σ found ÷ Σ expected over the verified visits of the period, as a
percentage, so that a visit to a large office weighs more than one to a two-person counter.
This is how the Jixi campaign reports 出勤率、在岗率、专注率 (seed 003): shares of the staff
who should have been there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The twelve harms (十二害) a finding is typed with: 冷硬推、等靠要、庸懒散、假慢拖.
HARMS: tuple[str, ...] = ("冷", "硬", "推", "等", "靠", "要", "庸", "懒", "散", "假", "慢", "拖")

#: The three kinds of accountability case and their thirteen sub-types (大同市, seed 002).
CASE_SUBTYPES: dict[str, tuple[str, ...]] = {
    # 不作为: 我行我素型、不严不实型、不勤不干型、畏首畏尾型、廉而不为型
    "inaction": ("self_willed", "lax_untruthful", "idle", "timid", "clean_but_idle"),
    # 慢作为: 消极懈怠、效率低下; 漠视群众、敷衍应付; 不协调、不落实; “中梗阻”“踢皮球”
    "slow": (
        "slack_inefficient",
        "indifferent_perfunctory",
        "uncoordinated_unimplemented",
        "obstructing_passing",
    ),
    # 乱作为: 不讲程序、不讲原则、不讲规矩、不讲法纪乱办事
    "misconduct": ("ignoring_procedure", "ignoring_principle", "ignoring_rules", "ignoring_law"),
}


@dataclass(frozen=True, slots=True)
class ThreeRates:
    """Per unit (index ``0..n_units-1``): verified visits, head-count sums and the three
    rates in percent (NaN where a unit had no visit)."""

    visits: np.ndarray  # int64
    expected: np.ndarray  # int64
    present: np.ndarray  # int64, 到岗
    on_post: np.ndarray  # int64, 在岗
    focused: np.ndarray  # int64, 专注
    attendance_rate: np.ndarray  # float64, 到岗率 (出勤率) = present / expected × 100
    on_post_rate: np.ndarray  # float64, 在岗率 = on_post / expected × 100
    focus_rate: np.ndarray  # float64, 专注率 = focused / expected × 100


def check_head_counts(expected: int, present: int, on_post: int, focused: int) -> str | None:
    """Why a visit's head counts are impossible, or None: at least one person expected, and
    focused ≤ on post ≤ present ≤ expected (nobody is on post who is absent)."""
    if min(expected, present, on_post, focused) < 0:
        return "head counts cannot be negative"
    if expected < 1:
        return "at least one member of staff must be expected"
    if present > expected:
        return f"present ({present}) exceeds expected ({expected})"
    if on_post > present:
        return f"on post ({on_post}) exceeds present ({present})"
    if focused > on_post:
        return f"focused ({focused}) exceeds on post ({on_post})"
    return None


def three_rates(
    unit_index: np.ndarray,
    expected: np.ndarray,
    present: np.ndarray,
    on_post: np.ndarray,
    focused: np.ndarray,
    n_units: int,
) -> ThreeRates:
    """Pool visits by unit: each array holds one entry per verified visit."""
    idx = np.asarray(unit_index, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n_units):
        raise ValueError("unit_index out of range")

    def total(values: np.ndarray) -> np.ndarray:
        return (
            np.bincount(idx, weights=np.asarray(values, dtype=np.float64), minlength=n_units)
            .round()
            .astype(np.int64)
        )

    visits = np.bincount(idx, minlength=n_units).astype(np.int64)
    exp, pre, post, foc = total(expected), total(present), total(on_post), total(focused)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = np.where(exp > 0, exp, np.nan)
        return ThreeRates(
            visits=visits,
            expected=exp,
            present=pre,
            on_post=post,
            focused=foc,
            attendance_rate=100.0 * pre / denominator,
            on_post_rate=100.0 * post / denominator,
            focus_rate=100.0 * foc / denominator,
        )


def finding_deductions(findings: np.ndarray, points_per_finding: float, cap: float) -> np.ndarray:
    """Deduction points per unit from its count of verified findings: ``points_per_finding``
    each, at most ``cap`` (the method's ``adjustments.deduction_cap``, methodology §5)."""
    if points_per_finding < 0 or cap < 0:
        raise ValueError("points and cap must not be negative")
    counts = np.asarray(findings, dtype=np.float64)
    return np.minimum(counts * points_per_finding, cap)


def case_deduction(case_type: str, points_by_type: dict[str, float], cap: float) -> float:
    """The deduction a decided case proposes for its unit: the configured points for its
    type (不作为/慢作为/乱作为), at most the method's cap."""
    if case_type not in CASE_SUBTYPES:
        raise ValueError(f"unknown case type {case_type!r}; one of {', '.join(CASE_SUBTYPES)}")
    points = float(points_by_type.get(case_type, 0.0))
    if points < 0 or cap < 0:
        raise ValueError("points and cap must not be negative")
    return min(points, cap)
