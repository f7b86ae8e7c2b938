"""Funnel plot limits (scoring/funnel.py) against a hand-computed example and the verified
fixture of /work/shared/guide/statistics-notes.md §5 (Spiegelhalter 2005; R metafor and
statsmodels agree on φ̂ and τ̂²)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring.funnel import Z95, Z998, funnel, half_width, overdispersion, pooled_within_sd

# statistics-notes.md §5: 20 units, successes y of n
N20 = np.array([25, 40, 60, 80, 100, 120, 150, 200, 250, 300, 35, 45, 70, 90, 110, 140, 180, 220, 400, 500.0])
Y20 = np.array([20, 25, 49, 52, 71, 80, 118, 128, 190, 205, 29, 30, 45, 70, 66, 101, 120, 170, 270, 362.0])
AT_50 = np.array([50.0])


def test_normal_quantiles_are_the_95_and_99_8_percent_two_sided_ones() -> None:
    assert abs(Z95 - 1.959963985) < 1e-9
    assert abs(Z998 - 3.090232306) < 1e-9


def test_mean_score_funnel_by_hand() -> None:
    # target = (25·70 + 100·80 + 400·90)/525 = 45750/525; s(100) = 20/10 = 2
    f = funnel(np.array([70.0, 80.0, 90.0]), np.array([25.0, 100.0, 400.0]), sd=20.0, grid=np.array([100.0]))
    target = 45750 / 525
    assert f.target == pytest.approx(target)
    assert_allclose(f.upper95, [target + Z95 * 2])
    assert_allclose(f.lower998, [target - Z998 * 2])
    # z = (70 − θ₀)/(20/5), (80 − θ₀)/2, (90 − θ₀)/1
    assert_allclose(f.z, [(70 - target) / 4, (80 - target) / 2, 90 - target])
    assert f.outside95.tolist() == [True, True, True]  # |z| = 4.29, 3.57, 2.86
    assert f.outside998.tolist() == [True, True, False]
    assert f.phi == pytest.approx(float(np.mean(f.z**2)))


def test_explicit_target_and_units_without_data_are_left_out() -> None:
    f = funnel(np.array([60.0, np.nan, 75.0, 50.0]), np.array([16.0, 30.0, 0.0, 4.0]), sd=8.0, target=60.0)
    assert f.used.tolist() == [True, False, False, True]
    assert f.target == 60.0
    assert np.isnan(f.z[1]) and np.isnan(f.z[2])
    assert_allclose(f.z[[0, 3]], [0.0, -2.5])
    assert f.outside95.tolist() == [False, False, False, True]
    assert f.outside998.tolist() == [False, False, False, False]
    # the default grid runs from the smallest to the largest n used
    assert f.grid[0] == pytest.approx(4.0) and f.grid[-1] == pytest.approx(16.0)
    assert_allclose(f.upper95 - f.target, Z95 * 8 / np.sqrt(f.grid))


def test_limits_narrow_as_the_sample_grows_and_nest() -> None:
    f = funnel(Y20 / N20, N20)
    assert np.all(np.diff(f.upper95) < 0) and np.all(np.diff(f.lower95) > 0)
    assert np.all(f.lower998 < f.lower95) and np.all(f.upper95 < f.upper998)
    assert np.all(f.outside95 | ~f.outside998)  # outside 99.8% implies outside 95%


def test_proportion_target_phi_and_tau2_match_the_verified_fixture() -> None:
    f = funnel(Y20 / N20, N20)
    assert f.target == pytest.approx(0.7065810594, abs=1e-10)
    assert f.sd == pytest.approx(math.sqrt(f.target * (1 - f.target)))
    assert f.phi == pytest.approx(2.121699943, abs=1e-9)
    assert f.tau2 == pytest.approx(0.001698001205, abs=1e-12)


def test_winsorised_phi_and_tau2_match_the_verified_fixture() -> None:
    f = funnel(Y20 / N20, N20, winsor=0.1)
    assert f.phi == pytest.approx(1.715485398, abs=1e-9)
    assert f.tau2 == pytest.approx(0.001109324223, abs=1e-12)


@pytest.mark.parametrize(
    ("method", "winsor", "low95", "high95", "high998"),
    [
        ("normal", 0.0, 0.580373, 0.832789, 0.905571),
        ("multiplicative", 0.1, 0.541278, 0.871884, 0.967211),
        ("additive", 0.1, 0.564490, 0.848672, 0.930614),
    ],
)
def test_limits_at_n_50_match_the_verified_fixture(
    method: str, winsor: float, low95: float, high95: float, high998: float
) -> None:
    f = funnel(Y20 / N20, N20, method=method, winsor=winsor, grid=AT_50)
    assert f.lower95[0] == pytest.approx(low95, abs=1e-6)
    assert f.upper95[0] == pytest.approx(high95, abs=1e-6)
    assert f.upper998[0] == pytest.approx(high998, abs=1e-6)


def test_overdispersion_without_spread_between_units_gives_no_random_effect() -> None:
    phi, tau2 = overdispersion(np.array([0.5, -0.5, 0.2, -0.2]), np.array([1.0, 1.0, 2.0, 2.0]))
    assert phi == pytest.approx((0.25 + 0.25 + 0.04 + 0.04) / 4)
    assert tau2 == 0.0


def test_half_width_rejects_an_unknown_method() -> None:
    with pytest.raises(ValueError, match="exact"):
        half_width(10.0, 1.0, Z95, method="exact")


def test_pooled_within_sd_by_hand() -> None:
    # unit 0: 100, 60, 80 (mean 80: squares 400 + 400 + 0); unit 1: 0, 100 (mean 50: 2500·2)
    # unit 2: one response (no spread, but it costs a degree of freedom); the nan and the
    # invalid response are left out. Σ = 5800 over 6 − 3 = 3 degrees of freedom.
    score = np.array([100.0, 60.0, 80.0, 0.0, 100.0, 40.0, np.nan, 0.0])
    unit = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    valid = np.array([True] * 7 + [False])
    assert pooled_within_sd(score, unit, valid, 4) == pytest.approx(math.sqrt(5800 / 3))
    assert math.isnan(pooled_within_sd(score[:1], unit[:1], valid[:1], 1))
