"""Funnel plots (漏斗图): control limits for unit estimates against their sample size.

A funnel plot shows each unit's estimate (a mean score or a proportion) against its
(effective) sample size, around a target with control limits that narrow as the sample
grows (Spiegelhalter 2005, *Stat Med* 24:1185–1202; *Qual Saf Health Care* 14:347–351).
A unit outside the 99.8% limits differs from the target by more than sampling noise
explains; inside the 95% limits its place is indistinguishable from the target.

With θ₀ the target and σ the spread of one observation, a unit with sample size n has
standard error s(n) = σ/√n and the limits are

* normal:          θ₀ ± z_p·s(n),
* multiplicative:  θ₀ ± z_p·√φ̂·s(n)            (overdispersion φ̂, used when φ̂ > 1),
* additive:        θ₀ ± z_p·√(s(n)² + τ̂²)       (DerSimonian–Laird random effect τ̂²),

with z_p the standard normal quantile (1.959964 for 95%, 3.090232 for 99.8%). For a
proportion σ = √(θ₀(1−θ₀)); for a mean score σ is the pooled within-unit standard
deviation of the observations (:func:`pooled_within_sd`). φ̂ = (1/I)·Σ z_i², with
z_i = (y_i − θ₀)/s(n_i) over the I units, optionally winsorised (z below the q-quantile
and above the (1−q)-quantile replaced by those quantiles, numpy's default linear =
R type 7); τ̂² = max(0, (I·φ̂ − (I−1)) / (Σw − Σw²/Σw)) with w_i = 1/s(n_i)².

Pure numpy: no database or UI, so the offline scorer could draw the same plot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

import numpy as np

from scoring.inputs import BoolArray, FloatArray, IntArray

# Two-sided 95% and 99.8% limits: the normal quantiles at 0.975 and 0.999.
Z95: Final = NormalDist().inv_cdf(0.975)
Z998: Final = NormalDist().inv_cdf(0.999)
METHODS: Final = ("normal", "multiplicative", "additive")


@dataclass(frozen=True, slots=True)
class Funnel:
    """A funnel plot's target, limits and where each unit falls.

    ``used`` marks the units that entered (a finite estimate and n > 0); ``z`` is nan
    for the others and they are never ``outside``. Limit curves are evaluated at
    ``grid`` (sorted sample sizes) with the chosen ``method``.
    """

    target: float
    sd: float
    method: str
    phi: float  # overdispersion φ̂ (possibly winsorised); nan when no unit entered
    tau2: float  # additive random-effect variance τ̂²; nan when it cannot be estimated
    used: BoolArray
    z: FloatArray  # (y − θ₀)/s(n), per unit
    outside95: BoolArray
    outside998: BoolArray
    grid: FloatArray
    lower95: FloatArray
    upper95: FloatArray
    lower998: FloatArray
    upper998: FloatArray


def half_width(
    n: FloatArray | float, sd: float, z: float, *, method: str = "normal", phi: float = 1.0, tau2: float = 0.0
) -> FloatArray:
    """Distance from the target to a control limit at sample size(s) ``n``."""
    s = sd / np.sqrt(np.asarray(n, dtype=np.float64))
    if method == "normal":
        return z * s
    if method == "multiplicative":
        return z * math.sqrt(phi) * s
    if method == "additive":
        return z * np.sqrt(s * s + tau2)
    raise ValueError(f"unknown funnel method {method!r}; expected one of {METHODS}")


def overdispersion(z: FloatArray, s: FloatArray, *, winsor: float = 0.0) -> tuple[float, float]:
    """φ̂ and τ̂² from the units' z-scores and standard errors (Spiegelhalter 2005, §3).

    ``winsor`` (e.g. 0.1) pulls z-scores beyond the winsor and 1 − winsor quantiles in
    to those quantiles before φ̂ is computed, so a few extreme units do not inflate it.
    """
    if not 0 <= winsor < 0.5:
        raise ValueError("winsor must be in [0, 0.5)")
    count = z.shape[0]
    if count == 0:
        return math.nan, math.nan
    zz = z
    if winsor > 0:
        low, high = np.quantile(z, [winsor, 1 - winsor])
        zz = np.clip(z, low, high)
    phi = float(np.mean(zz * zz))
    w = 1.0 / (s * s)
    denominator = float(w.sum() - (w * w).sum() / w.sum())
    if count < 2 or denominator <= 0:
        return phi, math.nan
    tau2 = max(0.0, (count * phi - (count - 1)) / denominator)
    return phi, tau2


def funnel(
    value: FloatArray,
    n: FloatArray,
    *,
    sd: float | None = None,
    target: float | None = None,
    method: str = "normal",
    winsor: float = 0.0,
    grid: FloatArray | None = None,
    grid_points: int = 100,
) -> Funnel:
    """Control limits for the estimates ``value`` with sample sizes ``n``.

    Parameters
    ----------
    value, n : arrays of the same length
        Each unit's estimate and its (effective) sample size; units with a non-finite
        value or n <= 0 are left out.
    sd : float, optional
        Spread of one observation. None means ``value`` holds proportions in [0, 1]
        and σ = √(θ₀(1−θ₀)) (binomial).
    target : float, optional
        θ₀; by default the pooled estimate Σ n·y / Σ n over the units used (for a
        proportion: all successes over all observations).
    method : "normal", "multiplicative" or "additive"
        Which limits the curves and the ``outside`` flags use.
    winsor : float
        Winsorising share for φ̂ (0 = none, 0.1 = Spiegelhalter's 10%).
    grid : array, optional
        Sample sizes at which to evaluate the curves; by default ``grid_points``
        geometrically spaced from the smallest to the largest n used.
    """
    value = np.asarray(value, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if value.shape != n.shape or value.ndim != 1:
        raise ValueError("value and n must be 1-D arrays of the same length")
    if method not in METHODS:
        raise ValueError(f"unknown funnel method {method!r}; expected one of {METHODS}")
    used = np.isfinite(value) & np.isfinite(n) & (n > 0)
    y, m = value[used], n[used]
    if target is None:
        target = float((m * y).sum() / m.sum()) if used.any() else math.nan
    if sd is None:
        sd = math.sqrt(target * (1 - target)) if 0 <= target <= 1 else math.nan
    if grid is None:
        grid = (
            np.geomspace(m.min(), m.max(), grid_points)
            if used.any() and m.max() > m.min()
            else np.unique(m).astype(np.float64)
        )
    grid = np.asarray(grid, dtype=np.float64)

    z = np.full(value.shape, np.nan)
    s = sd / np.sqrt(m) if sd > 0 else np.full(m.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z[used] = (y - target) / s
    if sd > 0 and used.any():
        phi, tau2 = overdispersion(z[used], s, winsor=winsor)
    else:
        phi, tau2 = math.nan, math.nan
    spread = {"phi": 1.0 if math.isnan(phi) else phi, "tau2": 0.0 if math.isnan(tau2) else tau2}

    def outside(zq: float) -> BoolArray:
        flags = np.zeros(value.shape, dtype=bool)
        if used.any() and sd > 0:
            flags[used] = np.abs(y - target) > half_width(m, sd, zq, method=method, **spread)
        return flags

    w95 = half_width(grid, sd, Z95, method=method, **spread) if grid.size else grid
    w998 = half_width(grid, sd, Z998, method=method, **spread) if grid.size else grid
    return Funnel(
        target=float(target),
        sd=float(sd),
        method=method,
        phi=phi,
        tau2=tau2,
        used=used,
        z=z,
        outside95=outside(Z95),
        outside998=outside(Z998),
        grid=grid,
        lower95=target - w95,
        upper95=target + w95,
        lower998=target - w998,
        upper998=target + w998,
    )


def pooled_within_sd(score: FloatArray, unit: IntArray, valid: BoolArray, n_units: int) -> float:
    """√(Σ_u Σ_i (r_i − r̄_u)² / (N − U)): the spread of one response around its unit's
    mean, pooled over the U units that have valid responses (N responses in all).

    This is σ of a mean score's funnel: the spread within units is what sampling noise
    is made of, whereas the spread between units is what the plot is meant to show.
    Nan when no unit has two valid responses.
    """
    keep = valid & np.isfinite(score)
    r, u = score[keep], unit[keep]
    count = np.bincount(u, minlength=n_units).astype(np.float64)
    total = np.bincount(u, weights=r, minlength=n_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / count
    squares = float(((r - mean[u]) ** 2).sum())
    dof = r.shape[0] - int((count > 0).sum())
    return math.sqrt(squares / dof) if dof > 0 else math.nan
