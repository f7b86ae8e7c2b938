"""Raking and the survey component (methodology §2) against independent oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ipfn import ipfn
from numpy.testing import assert_allclose

from scoring.survey import rake_weights, survey_component

WIDE = {"trim_low": 1e-9, "trim_high": 1e9}
# ipfn 1.4.4 calls pandas APIs that pandas 3 deprecates; not our code.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")


def test_raking_reproduces_the_published_apiclus1_fixture() -> None:
    # statistics-notes §3: apiclus1 counts E/H/M x No/Yes = [[12,132],[3,11],[8,17]],
    # start weight 33.84699631, margins stype E=4421 H=755 M=1018, sch.wide No=1072
    # Yes=5122; converged weights (R rake, samplics and a numpy IPF agree):
    # E 39.839236/29.870675, H 67.125529/50.329401, M 49.069072/36.791025.
    counts = np.array([[12, 132], [3, 11], [8, 17]])
    stype = np.repeat(np.repeat([0, 1, 2], 2), counts.ravel())
    wide = np.repeat(np.tile([0, 1], 3), counts.ravel())
    n = stype.size
    total = 6194.0
    result = rake_weights(
        np.ones(n, bool), np.zeros(n, np.int64), 1,
        {"stype": stype, "sch_wide": wide},
        {"stype": np.array([4421, 755, 1018]) / total, "sch_wide": np.array([1072, 5122]) / total},
        **WIDE,
    )  # fmt: skip
    # Our weights have mean 1; the fixture's have mean total / n.
    w = result.weight * total / n
    expected = {(0, 0): 39.839236, (0, 1): 29.870675, (1, 0): 67.125529, (1, 1): 50.329401,
                (2, 0): 49.069072, (2, 1): 36.791025}  # fmt: skip
    for (s, y), value in expected.items():
        assert_allclose(w[(stype == s) & (wide == y)], value, rtol=1e-6)
    assert not result.raking_failed[0]


def test_raking_agrees_with_the_ipfn_package_on_random_units() -> None:
    rng = np.random.default_rng(7)
    n_units, n = 5, 400
    unit = rng.integers(0, n_units, n)
    age = rng.integers(0, 3, n)
    sex = rng.integers(0, 2, n)
    shares = {"age": np.array([0.3, 0.45, 0.25]), "sex": np.array([0.52, 0.48])}
    ours = rake_weights(np.ones(n, bool), unit, n_units, {"age": age, "sex": sex}, shares, **WIDE)
    for u in range(n_units):
        m = unit == u
        df = pd.DataFrame({"age": age[m], "sex": sex[m], "total": 1.0})
        cells = df.groupby(["age", "sex"], as_index=False)["total"].sum()
        n_u = float(m.sum())
        age_target = pd.Series(shares["age"] * n_u, index=pd.Index([0, 1, 2], name="age"))
        sex_target = pd.Series(shares["sex"] * n_u, index=pd.Index([0, 1], name="sex"))
        fitted = ipfn.ipfn(
            cells.copy(), [age_target, sex_target], [["age"], ["sex"]],
            weight_col="total", convergence_rate=1e-14, max_iteration=5000,
        ).iteration()  # fmt: skip
        # ipfn returns cell totals; a response's weight is its cell total over the cell count
        per_cell = fitted.set_index(["age", "sex"])["total"] / cells.set_index(["age", "sex"])["total"]
        expected = per_cell.loc[list(zip(age[m], sex[m], strict=True))].to_numpy()
        assert_allclose(ours.weight[m], expected / expected.mean(), rtol=1e-7)


def test_a_listed_category_without_respondents_fails_raking_and_keeps_weights_at_one() -> None:
    # Unit 0 has nobody aged "60+" although its share is 0.25: raking_failed, all weights 1.
    # Unit 1 covers every category and is raked.
    unit = np.array([0, 0, 0, 1, 1, 1, 1])
    age = np.array([0, 1, 1, 0, 1, 2, 2])
    r = rake_weights(np.ones(7, bool), unit, 2, {"age": age}, {"age": np.array([0.3, 0.45, 0.25])})
    assert r.raking_failed.tolist() == [True, False]
    assert r.weight[:3].tolist() == [1.0, 1.0, 1.0]
    # unit 1 by hand: n_p = 4; targets 1.2, 1.8, 1.0 for counts 1, 1, 2 -> 1.2, 1.8, .5, .5 (mean 1)
    assert_allclose(r.weight[3:], [1.2, 1.8, 0.5, 0.5])


def test_responses_outside_the_margins_keep_weight_one_through_the_sweeps() -> None:
    # Two participants (ages 0 and 1, shares .25/.75, n_p = 2) get .5 and 1.5; the
    # third response has no age and keeps 1; then all three are divided by their
    # mean (3/3 = 1): weights stay .5, 1.5, 1.
    r = rake_weights(np.ones(3, bool), np.zeros(3, np.int64), 1, {"age": np.array([0, 1, -1])},
                     {"age": np.array([0.25, 0.75])})  # fmt: skip
    assert_allclose(r.weight, [0.5, 1.5, 1.0])


def test_weights_are_trimmed_to_bounds_relative_to_their_mean_and_renormalised() -> None:
    # Shares .02/.98 over 1 + 9 participants: raked weights .2 and 9.8/9 = 1.0889 (mean 1).
    # trim_low .5 lifts .2 to .5; the new mean is (0.5 + 9.8)/10 = 1.03, so the final
    # weights are .5/1.03 and 1.0889/1.03.
    age = np.array([0] + [1] * 9)
    r = rake_weights(np.ones(10, bool), np.zeros(10, np.int64), 1, {"age": age},
                     {"age": np.array([0.02, 0.98])}, trim_low=0.5, trim_high=5.0)  # fmt: skip
    assert_allclose(r.weight[0], 0.5 / 1.03)
    assert_allclose(r.weight[1:], (9.8 / 9) / 1.03)
    assert_allclose(r.weight.mean(), 1.0)


def test_invalid_responses_get_no_weight_and_unraked_units_get_one() -> None:
    valid = np.array([True, False, True])
    r = rake_weights(valid, np.array([0, 0, 1]), 2, {}, {})
    assert r.weight.tolist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize("gamma", [[0.5, 0.5, 0.0], [0.7, 0.3, 0.0]])
def test_survey_score_weights_group_means_by_gamma(gamma: list[float]) -> None:
    # unit 0: group 0 scores 100 and 50 (mean 75), group 1 scores 20, group 2 (γ = 0) 0.
    score = np.array([100.0, 50.0, 20.0, 0.0])
    comp = survey_component(score, np.ones(4), np.ones(4, bool), np.zeros(4, np.int64),
                            np.array([0, 0, 1, 2]), np.array(gamma), 1)  # fmt: skip
    assert_allclose(comp.score[0], (gamma[0] * 75 + gamma[1] * 20) / (gamma[0] + gamma[1]))
    assert comp.n[0] == 4
    assert_allclose(comp.satisfaction[0], 1 / 4)  # only the 100 is >= 60


def test_survey_score_is_empty_when_present_groups_weigh_nothing() -> None:
    comp = survey_component(np.array([90.0]), np.ones(1), np.ones(1, bool), np.zeros(1, np.int64),
                            np.array([0]), np.array([0.0]), 1)  # fmt: skip
    assert np.isnan(comp.score[0])
    assert comp.n[0] == 1 and comp.n_eff[0] == 1.0


def test_kish_effective_size_uses_final_weights() -> None:
    w = np.array([0.5, 1.5, 1.0])
    comp = survey_component(np.array([100.0, 0.0, 60.0]), w, np.ones(3, bool), np.zeros(3, np.int64),
                            np.zeros(3, np.int64), np.array([1.0]), 1)  # fmt: skip
    assert_allclose(comp.n_eff[0], 9 / (0.25 + 2.25 + 1))
    assert_allclose(comp.score[0], (50 + 0 + 60) / 3)
