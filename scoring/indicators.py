"""Big-data component B_u (大数据指标), methodology §4."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.inputs import BoolArray, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class BigDataComponent:
    """Per-unit indicator results.

    Attributes
    ----------
    score : float64[n_units], B_u; NaN when missing.
    indicator_score : float64[n_units, n_ind], 100·z_uk; NaN where no value.
    """

    score: FloatArray
    indicator_score: FloatArray


def indicator_scores(
    value: FloatArray,
    ranking_group: IntArray,
    higher: BoolArray,
    target_method: BoolArray,
    floor: FloatArray,
    target: FloatArray,
) -> FloatArray:
    """100·z for every unit and indicator.

    ``minmax`` normalises over the units of the same ranking group that have a value
    (eligible or not); hi = lo gives z = 1. ``target`` gives clip((x−f)/(t−f), 0, 1),
    which also serves lower-is-better indicators, whose floor lies above the target.
    """
    n_units, n_ind = value.shape
    out = np.full((n_units, n_ind), np.nan)
    if n_units == 0 or n_ind == 0:
        return out
    n_groups = int(ranking_group.max()) + 1
    has = ~np.isnan(value)
    for k in range(n_ind):
        x = value[:, k]
        if target_method[k]:
            z = np.clip((x - floor[k]) / (target[k] - floor[k]), 0.0, 1.0)
        else:
            lo = np.full(n_groups, np.inf)
            hi = np.full(n_groups, -np.inf)
            g = ranking_group[has[:, k]]
            np.minimum.at(lo, g, x[has[:, k]])
            np.maximum.at(hi, g, x[has[:, k]])
            lo_u, hi_u = lo[ranking_group], hi[ranking_group]
            span = hi_u - lo_u
            with np.errstate(invalid="ignore", divide="ignore"):
                raw = (x - lo_u) / span if higher[k] else (hi_u - x) / span
            z = np.where(span > 0, raw, 1.0)
        out[:, k] = np.where(has[:, k], 100.0 * z, np.nan)
    return out


def bigdata_component(
    indicator_score: FloatArray, weight: FloatArray, *, min_indicator_share: float = 0.5
) -> BigDataComponent:
    """B_u = Σ_k v_k·score_uk / Σ_k v_k over the indicators with a value for u.

    Missing when the weights of those indicators add up to less than
    ``min_indicator_share`` of Σ_k v_k (or when there is no weight at all).
    """
    has = ~np.isnan(indicator_score)
    w = np.where(has, weight[None, :], 0.0)
    wsum = w.sum(axis=1)
    total = float(weight.sum())
    num = np.where(has, indicator_score * weight[None, :], 0.0).sum(axis=1)
    ok = (wsum > 0) & (wsum >= min_indicator_share * total) & (total > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.clip(np.where(ok, num / np.where(wsum > 0, wsum, 1.0), np.nan), 0.0, 100.0)
    return BigDataComponent(score=score, indicator_score=indicator_score)
