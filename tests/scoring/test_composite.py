"""Composite, adjustments and eligibility (methodology §5) on arrays."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from scoring.composite import apply_adjustments, composite_score, eligibility

NAN = np.nan
W = np.array([0.55, 0.25, 0.20])


def test_composite_averages_the_available_components_by_their_weights() -> None:
    comps = np.array([[80.0, 60.0, 50.0], [80.0, NAN, 50.0], [NAN, NAN, NAN]])
    c = composite_score(comps, W)
    # all three: 44 + 15 + 10 = 69; no phone: (44 + 10)/.75 = 72; none: empty
    assert_allclose(c, [69.0, 72.0, NAN])


def test_composite_is_empty_when_the_available_components_weigh_nothing() -> None:
    c = composite_score(np.array([[NAN, 70.0, NAN]]), np.array([1.0, 0.0, 0.0]))
    assert np.isnan(c[0])


def test_bonus_and_deduction_are_capped_and_final_is_clipped_to_0_100() -> None:
    adj = apply_adjustments(np.array([98.0, 5.0, 60.0, NAN]), np.array([7.0, 0.0, 3.0, 1.0]),
                            np.array([0.0, 12.0, 2.0, 0.0]))  # fmt: skip
    assert_allclose(adj.bonus, [5, 0, 3, 1])
    assert_allclose(adj.deduction, [0, 10, 2, 0])
    # 98 + 5 → 100 (clipped); 5 − 10 → 0 (clipped); 60 + 3 − 2 = 61; empty stays empty
    assert_allclose(adj.final, [100, 0, 61, NAN])


def test_eligibility_reasons_come_in_order_and_a_veto_is_always_eligible() -> None:
    e = eligibility(
        n_survey=np.array([29, 30, 10, 0]),
        n_phone=np.array([10, 9, 0, 0]),
        bigdata=np.array([70.0, NAN, NAN, NAN]),
        vetoed=np.array([False, False, False, True]),
        weights=W,
        min_survey=30,
        min_phone=10,
    )
    assert e.eligible.tolist() == [False, False, False, True]
    assert [e.reason_text(u) for u in range(4)] == [
        "few_survey", "few_phone;no_bigdata", "few_survey;few_phone;no_bigdata", "",
    ]  # fmt: skip


def test_phone_and_bigdata_minimums_apply_only_when_their_weight_is_positive() -> None:
    e = eligibility(np.array([30]), np.array([0]), np.array([NAN]), np.array([False]),
                    np.array([1.0, 0.0, 0.0]), min_survey=30, min_phone=10)  # fmt: skip
    assert e.eligible.tolist() == [True]
