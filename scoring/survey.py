"""Survey component S_u (群众和服务对象评议), methodology §2.

Raking (iterative proportional fitting) runs for all units at once: every sweep is
a handful of ``bincount`` calls over the responses still being raked, so the cost
grows with the number of responses, not with the number of units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scoring.inputs import BoolArray, FloatArray, IntArray

MAX_SWEEPS = 100
CONVERGENCE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class RakingResult:
    """Weights w_i of the valid responses and the units whose raking failed.

    Attributes
    ----------
    weight : float64[n_resp]
        Final weight of each response (after trimming and renormalising); 0 for a
        response that is not valid.
    raking_failed : bool[n_units]
        A listed category with a positive share had no response taking part.
    sweeps : int64[n_units]
        Sweeps used per unit (0 where nothing was raked).
    """

    weight: FloatArray
    raking_failed: BoolArray
    sweeps: IntArray


def rake_weights(
    valid: BoolArray,
    unit: IntArray,
    n_units: int,
    variables: Mapping[str, IntArray],
    shares: Mapping[str, FloatArray],
    *,
    trim_low: float = 0.2,
    trim_high: float = 5.0,
) -> RakingResult:
    """Rake the valid responses of every unit to the population margins.

    Parameters
    ----------
    valid : bool[n_resp]
        Responses that enter the score.
    unit : int64[n_resp]
        Unit index of each response.
    variables : mapping name -> int64[n_resp]
        Category index of each response on each raking variable, -1 where the
        value is empty or not listed in the margins; in the file's order.
    shares : mapping name -> float64[n_categories]
        Population share of each category (adds up to 1).
    trim_low, trim_high : float
        Bounds of the weights relative to their unit mean.

    Notes
    -----
    Methodology §2: responses with every variable listed take part (n_p of them per
    unit); the others keep weight 1 through the sweeps. A unit with n_p = 0 is not
    raked; a unit where a listed category of positive share has no participant is
    not raked and is flagged. A sweep visits the variables in order and scales each
    category's weights to share_c·n_p; a unit stops after the first sweep at whose end
    every category total is within 1e-9·n_p, or after 100 sweeps. Finally the unit's
    valid weights are divided by their mean, clipped to [trim_low, trim_high] and
    divided by their mean again.
    """
    weight = np.where(valid, 1.0, 0.0)
    failed = np.zeros(n_units, dtype=bool)
    sweeps = np.zeros(n_units, dtype=np.int64)
    names = list(variables)
    if names:
        takes_part = valid.copy()
        for name in names:
            takes_part &= variables[name] >= 0
        n_p = np.bincount(unit[takes_part], minlength=n_units).astype(np.float64)
        for name in names:
            share = np.asarray(shares[name], dtype=np.float64)
            k = share.shape[0]
            counts = np.bincount(
                unit[takes_part] * k + variables[name][takes_part], minlength=n_units * k
            ).reshape(n_units, k)
            failed |= (n_p > 0) & ((counts == 0) & (share > 0)).any(axis=1)
        raked = (n_p > 0) & ~failed
        rows = np.flatnonzero(takes_part & raked[unit])
        w = np.ones(rows.shape[0])
        share_list = [np.asarray(shares[name], dtype=np.float64) for name in names]
        # The rows still being raked (``live``, in file order) and, per variable, their
        # (unit, category) key and target share_c·n_p, kept compact: recomputed only
        # when a unit converges and its rows leave, not in each of up to 100 sweeps.
        # The sums run over the same rows in the same order, so the weights are the same.
        live = np.arange(rows.shape[0])
        lu = unit[rows]
        keys = [
            lu * share.shape[0] + variables[name][rows] for name, share in zip(names, share_list, strict=True)
        ]
        targets = [
            share[variables[name][rows]] * n_p[lu] for name, share in zip(names, share_list, strict=True)
        ]
        wl = w
        active_units = raked.copy()
        for sweep in range(1, MAX_SWEEPS + 1):
            if live.size == 0:
                break
            for key, target, share in zip(keys, targets, share_list, strict=True):
                total = np.bincount(key, weights=wl, minlength=n_units * share.shape[0])
                t = total[key]
                # A category whose weights all fell to 0 (a zero share elsewhere) cannot
                # be rescaled; its weights stay 0 and the unit simply does not converge.
                factor = np.divide(target, t, out=np.zeros_like(t), where=t > 0)
                wl = wl * factor
            sweeps[active_units] = sweep
            off = np.zeros(n_units, dtype=bool)
            for key, share in zip(keys, share_list, strict=True):
                k = share.shape[0]
                total = np.bincount(key, weights=wl, minlength=n_units * k).reshape(n_units, k)
                gap = np.abs(total - share[None, :] * n_p[:, None])
                off |= (gap > CONVERGENCE_TOLERANCE * n_p[:, None]).any(axis=1)
            active_units &= off
            stay = active_units[lu]
            if not stay.all():
                w[live] = wl
                kept = np.flatnonzero(stay)  # (one gather per array beats a mask each)
                live, lu, wl = live[kept], lu[kept], wl[kept]
                keys = [key[kept] for key in keys]
                targets = [target[kept] for target in targets]
        w[live] = wl
        weight[rows] = w

    # Normalise within each unit over all of its valid responses.
    vu = unit[valid]
    wv = weight[valid]
    count = np.bincount(vu, minlength=n_units).astype(np.float64)
    for bounds in ((trim_low, trim_high), None):
        mean = np.bincount(vu, weights=wv, minlength=n_units) / np.maximum(count, 1.0)
        wv = wv / mean[vu]
        if bounds is not None:
            wv = np.clip(wv, bounds[0], bounds[1])
    weight[valid] = wv
    return RakingResult(weight=weight, raking_failed=failed, sweeps=sweeps)


@dataclass(frozen=True, slots=True)
class SurveyComponent:
    """Per-unit survey results (arrays of length n_units).

    Attributes
    ----------
    score : S_u, NaN when empty.
    n : number of valid responses n_S.
    n_eff : Kish effective sample size (Σw)²/Σw², 0 when n_S = 0.
    satisfaction : weighted share of satisfied valid responses, all groups pooled.
    group_mean : float64[n_units, n_groups], m_ug (NaN where the group has no response).
    """

    score: FloatArray
    n: IntArray
    n_eff: FloatArray
    satisfaction: FloatArray
    group_mean: FloatArray


def survey_component(
    score: FloatArray,
    weight: FloatArray,
    valid: BoolArray,
    unit: IntArray,
    group: IntArray,
    group_weight: FloatArray,
    n_units: int,
    *,
    satisfied_at: float = 60.0,
) -> SurveyComponent:
    """S_u = Σ_g γ_g m_ug / Σ_g γ_g over the groups with a valid response.

    ``group_weight`` holds γ_g per group index (0 for a group absent from
    ``[weights.groups]``). S_u is empty when the present groups' γ add up to 0.
    """
    n_groups = group_weight.shape[0]
    vu, vg = unit[valid], group[valid]
    w, r = weight[valid], score[valid]
    cell = vu * n_groups + vg
    size = n_units * n_groups
    wsum = np.bincount(cell, weights=w, minlength=size).reshape(n_units, n_groups)
    wrsum = np.bincount(cell, weights=w * r, minlength=size).reshape(n_units, n_groups)
    present = np.bincount(cell, minlength=size).reshape(n_units, n_groups) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        # clipped: a weighted mean of scores in [0, 100] can round one ulp past 100
        group_mean = np.clip(np.where(present, wrsum / wsum, np.nan), 0.0, 100.0)
    gamma = np.where(present, group_weight[None, :], 0.0)
    gamma_sum = gamma.sum(axis=1)
    weighted = np.where(present, group_mean * gamma, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(np.where(gamma_sum > 0, weighted / gamma_sum, np.nan), 0.0, 100.0)

    n = np.bincount(vu, minlength=n_units)
    sw = np.bincount(vu, weights=w, minlength=n_units)
    sw2 = np.bincount(vu, weights=w * w, minlength=n_units)
    satisfied = (r >= satisfied_at).astype(np.float64)
    sws = np.bincount(vu, weights=w * satisfied, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(n > 0, sw * sw / sw2, 0.0)
        satisfaction = np.where(n > 0, sws / sw, np.nan)
    return SurveyComponent(
        score=s, n=n.astype(np.int64), n_eff=n_eff, satisfaction=satisfaction, group_mean=group_mean
    )
