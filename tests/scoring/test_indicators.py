"""Big-data indicator scores and B_u (methodology §4) on arrays."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from scoring.indicators import bigdata_component, indicator_scores

NAN = np.nan


def scores(value: list[list[float]], group: list[int], higher: list[bool], target: list[bool],
           floor: list[float], tgt: list[float]) -> np.ndarray:  # fmt: skip
    return indicator_scores(np.array(value), np.array(group), np.array(higher), np.array(target),
                            np.array(floor), np.array(tgt))  # fmt: skip


def test_minmax_is_computed_within_each_ranking_group_over_units_with_a_value() -> None:
    # group 0: x = .8, .95, missing; group 1: x = .5, 1.0
    # higher: group 0 → 0, 100, empty; group 1 → 0, 100 (each group has its own lo/hi)
    s = scores([[0.8], [0.95], [NAN], [0.5], [1.0]], [0, 0, 0, 1, 1], [True], [False], [NAN], [NAN])
    assert_allclose(s[:, 0], [0, 100, NAN, 0, 100])


def test_lower_is_better_flips_the_minmax_scale() -> None:
    # overtime 1, 6, 2 → (6−x)/5: 100, 0, 80
    s = scores([[1.0], [6.0], [2.0]], [0, 0, 0], [False], [False], [NAN], [NAN])
    assert_allclose(s[:, 0], [100, 0, 80])


def test_equal_values_score_100_when_hi_equals_lo() -> None:
    s = scores([[0.97], [0.97]], [0, 0], [True], [False], [NAN], [NAN])
    assert_allclose(s[:, 0], [100, 100])


def test_target_method_clips_to_0_and_100_and_serves_lower_is_better() -> None:
    # higher: floor .6, target .9 → x = .5: 0; .75: 50; .95: 100
    s = scores([[0.5], [0.75], [0.95]], [0, 0, 0], [True], [True], [0.6], [0.9])
    assert_allclose(s[:, 0], [0, 50, 100])
    # lower-is-better: floor 10 (worst), target 2 (best): x = 6 → (6−10)/(2−10) = .5
    s = scores([[6.0], [12.0], [1.0]], [0, 0, 0], [False], [True], [10.0], [2.0])
    assert_allclose(s[:, 0], [50, 0, 100])


def test_bigdata_is_missing_below_the_minimum_share_of_indicator_weight() -> None:
    weight = np.array([0.5, 0.3, 0.2])
    s = np.array([[100.0, 80.0, NAN], [NAN, NAN, 90.0], [NAN, 50.0, 70.0]])
    b = bigdata_component(s, weight, min_indicator_share=0.5)
    # unit 0: (50 + 24)/.8 = 92.5; unit 1: .2 < .5 → missing; unit 2: .5 ≥ .5 → (15 + 14)/.5 = 58
    assert_allclose(b.score, [92.5, NAN, 58.0])


def test_bigdata_is_missing_when_no_indicator_has_weight() -> None:
    b = bigdata_component(np.array([[100.0]]), np.array([0.0]))
    assert np.isnan(b.score[0])
