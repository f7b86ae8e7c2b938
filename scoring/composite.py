"""Composite score, adjustments (加分、扣分、一票否决) and eligibility, methodology §5."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.inputs import BoolArray, FloatArray, IntArray

INELIGIBLE_REASONS = ("few_survey", "few_phone", "no_bigdata")


def composite_score(components: FloatArray, weights: FloatArray) -> FloatArray:
    """C_u = Σ_c W_c·X_uc / Σ_c W_c over the available components.

    Parameters
    ----------
    components : float64[..., n_units, 3]
        S_u, P_u, B_u (NaN = empty); leading axes (bootstrap replicates) broadcast.
    weights : float64[3]
        W_survey, W_phone, W_bigdata.
    """
    available = ~np.isnan(components)
    w = np.where(available, weights, 0.0)
    wsum = w.sum(axis=-1)
    num = np.where(available, components * weights, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # clipped: a weighted mean of values in [0, 100] can round one ulp past them
        return np.clip(np.where(wsum > 0, num / np.where(wsum > 0, wsum, 1.0), np.nan), 0.0, 100.0)


@dataclass(frozen=True, slots=True)
class Adjusted:
    """Capped adjustments and the final score F_u."""

    bonus: FloatArray
    deduction: FloatArray
    final: FloatArray


def apply_adjustments(
    composite: FloatArray,
    bonus_points: FloatArray,
    deduction_points: FloatArray,
    *,
    bonus_cap: float = 5.0,
    deduction_cap: float = 10.0,
) -> Adjusted:
    """F_u = clip(C_u + min(Σ bonus, cap) − min(Σ deduction, cap), 0, 100); empty if C_u is."""
    bonus = np.minimum(bonus_points, bonus_cap)
    deduction = np.minimum(deduction_points, deduction_cap)
    final = np.clip(composite + bonus - deduction, 0.0, 100.0)
    return Adjusted(bonus=bonus, deduction=deduction, final=final)


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Who is ranked, and why the others are not.

    Attributes
    ----------
    eligible : bool[n_units]
    reasons : bool[n_units, 3]
        few_survey, few_phone, no_bigdata (for vetoed units the reasons are kept
        for the record, but they are eligible all the same).
    """

    eligible: BoolArray
    reasons: BoolArray

    def reason_text(self, u: int) -> str:
        if self.eligible[u]:
            return ""
        return ";".join(name for name, on in zip(INELIGIBLE_REASONS, self.reasons[u], strict=True) if on)


def eligibility(
    n_survey: IntArray,
    n_phone: IntArray,
    bigdata: FloatArray,
    vetoed: BoolArray,
    weights: FloatArray,
    *,
    min_survey: int = 30,
    min_phone: int = 10,
) -> Eligibility:
    """Eligible when n_S >= min_survey, n_P >= min_phone (if W_phone > 0) and B_u is
    present (if W_bigdata > 0); a vetoed unit is always eligible and ranked."""
    few_survey = n_survey < min_survey
    few_phone = (n_phone < min_phone) & (weights[1] > 0)
    no_bigdata = np.isnan(bigdata) & (weights[2] > 0)
    reasons = np.column_stack([few_survey, few_phone, no_bigdata])
    eligible = vetoed | ~reasons.any(axis=1)
    return Eligibility(eligible=eligible, reasons=reasons)
