"""Phone component P_u (第三方电话抽访) and AAPOR fieldwork rates, methodology §3."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from scoring.inputs import AAPOR_CLASSES, BoolArray, FloatArray, IntArray

# AAPOR's own symbols for the aggregate classes.
I, P, R, NC, O, UH, UO, NE = range(len(AAPOR_CLASSES))  # noqa: E741

# A disposition is counted by its leading digits (methodology §3).
_CLASS_PATTERNS = (
    (re.compile(r"1\.1\d*"), I),
    (re.compile(r"1\.2\d*"), P),
    (re.compile(r"2\.1\d*"), R),
    (re.compile(r"2\.2\d*"), NC),
    (re.compile(r"2\.[39]\d*"), O),
    (re.compile(r"3\.1\d*"), UH),
    (re.compile(r"3\.[29]\d*"), UO),
    (re.compile(r"4\.\d+"), NE),
)
RATE_NAMES = ("e", "RR1", "RR2", "RR3", "RR4", "COOP1", "REF1", "CON1")


def disposition_class(code: str) -> int | None:
    """AAPOR class index of a final disposition code, or None if it is not one.

    >>> AAPOR_CLASSES[disposition_class("2.111")]
    'R'
    """
    code = code.strip()
    for pattern, cls in _CLASS_PATTERNS:
        if pattern.fullmatch(code):
            return cls
    return None


@dataclass(frozen=True, slots=True)
class PhoneComponent:
    """Per-unit phone results (arrays of length n_units).

    Attributes
    ----------
    score : P_u, the unweighted mean r_i of complete cases; NaN when there is none.
    n : number of complete cases n_P.
    satisfaction : share of complete cases with r_i >= satisfied_at.
    complete : bool[n_cases], which cases entered the score.
    """

    score: FloatArray
    n: IntArray
    satisfaction: FloatArray
    complete: BoolArray


def phone_component(
    case_score: FloatArray,
    case_has_score: BoolArray,
    case_class: IntArray,
    case_unit: IntArray,
    n_units: int,
    *,
    satisfied_at: float = 60.0,
) -> PhoneComponent:
    """P_u over complete cases: final disposition 1.1 and at least one scored answer."""
    complete = (case_class == I) & case_has_score
    cu = case_unit[complete]
    r = case_score[complete]
    n = np.bincount(cu, minlength=n_units)
    total = np.bincount(cu, weights=r, minlength=n_units)
    sat = np.bincount(cu, weights=(r >= satisfied_at).astype(np.float64), minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(n > 0, total / n, np.nan)
        satisfaction = np.where(n > 0, sat / n, np.nan)
    return PhoneComponent(score=score, n=n.astype(np.int64), satisfaction=satisfaction, complete=complete)


@dataclass(frozen=True, slots=True)
class FieldworkRates:
    """AAPOR counts and outcome rates for a set of scopes (units or callers).

    Attributes
    ----------
    counts : float64[n_scopes, 8]
        I, P, R, NC, O, UH, UO, NE (sums of case weights; counts when unweighted).
    rates : float64[n_scopes, 8]
        e, RR1, RR2, RR3, RR4, COOP1, REF1, CON1; NaN where a denominator is 0.
    """

    counts: FloatArray
    rates: FloatArray


def aapor_counts(case_class: IntArray, scope: IntArray, n_scopes: int) -> FloatArray:
    """Counts of each AAPOR class per scope; cases with scope -1 are left out."""
    keep = scope >= 0
    key = scope[keep] * len(AAPOR_CLASSES) + case_class[keep]
    return (
        np.bincount(key, minlength=n_scopes * len(AAPOR_CLASSES))
        .reshape(n_scopes, len(AAPOR_CLASSES))
        .astype(np.float64)
    )


def aapor_rates(counts: FloatArray) -> FieldworkRates:
    """RR1–RR4, COOP1, REF1, CON1 with e by proportional allocation.

    Notes
    -----
    AAPOR Standard Definitions (10th ed.), with methodology §3's grouping:
    e = (I+P+R+NC+O)/(I+P+R+NC+O+NE), or 1 when that denominator is 0.
    """
    c = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    i, p, r, nc, o, uh, uo, ne = (c[:, k] for k in range(len(AAPOR_CLASSES)))
    eligible = i + p + r + nc + o
    unknown = uh + uo
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(eligible + ne > 0, eligible / (eligible + ne), 1.0)

        def ratio(num: FloatArray, den: FloatArray) -> FloatArray:
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

        d12 = eligible + unknown
        d34 = eligible + e * unknown
        rates = np.column_stack(
            [
                e,
                ratio(i, d12),
                ratio(i + p, d12),
                ratio(i, d34),
                ratio(i + p, d34),
                ratio(i, i + p + r + o),
                ratio(r, d12),
                ratio(i + p + r + o, d12),
            ]
        )
    return FieldworkRates(counts=c, rates=rates)
