"""Invariants of the engine, checked with hypothesis on random campaigns."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from scoring.engine import score_campaign
from scoring.inputs import Answers
from scoring.output import result_rows
from tests.scoring.synthetic import permute_rows, random_campaign

seeds = st.integers(min_value=0, max_value=2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, unit=st.integers(0, 7), group=st.integers(0, 2), margins=st.booleans())
def test_adding_a_satisfied_response_never_lowers_the_survey_score(
    seed: int, unit: int, group: int, margins: bool
) -> None:
    # Without raking, one more response scoring 100 cannot lower a weighted mean of
    # group means that are all <= 100. (Raking re-weights the others, so the
    # property is only claimed for unraked campaigns.)
    c = random_campaign(seed, margins=False)
    before = score_campaign(c.inputs, c.params, year=2017)
    inp = c.inputs
    n = inp.response_unit.size
    more = replace(
        inp,
        response_unit=np.r_[inp.response_unit, unit],
        response_group=np.r_[inp.response_group, group],
        response_valid_status=np.r_[inp.response_valid_status, True],
        response_vars={k: np.r_[v, 0] for k, v in inp.response_vars.items()},
        survey_answers=Answers(
            np.r_[inp.survey_answers.owner, n, n],
            np.r_[inp.survey_answers.item_weight, 1.0, 2.0],
            np.r_[inp.survey_answers.score, 100.0, 100.0],
        ),
    )
    after = score_campaign(more, c.params, year=2017)
    s0, s1 = before.survey.score[unit], after.survey.score[unit]
    assert np.isnan(s0) or s1 >= s0 - 1e-12
    assert after.survey.satisfaction[unit] >= before.survey.satisfaction[unit] - 1e-12 or np.isnan(
        before.survey.satisfaction[unit]
    )


@settings(max_examples=25, deadline=None)
@given(seed=seeds, order_seed=seeds, margins=st.booleans())
def test_shuffling_input_rows_changes_nothing(seed: int, order_seed: int, margins: bool) -> None:
    c = random_campaign(seed, margins=margins, replicates=30)
    a = score_campaign(c.inputs, c.params, year=2017)
    b = score_campaign(permute_rows(c.inputs, order_seed), c.params, year=2017)
    rows_a = {r["unit_id"]: r for r in result_rows(a)}
    rows_b = {r["unit_id"]: r for r in result_rows(b)}
    assert rows_a.keys() == rows_b.keys()
    for uid, row in rows_a.items():
        other = rows_b[uid]
        for column, value in row.items():
            if value != other[column]:
                # sums in another order may differ in the last bit; nothing more
                assert abs(float(value) - float(other[column])) < 1e-9, (uid, column, value, other[column])


@settings(max_examples=40, deadline=None)
@given(seed=seeds, margins=st.booleans())
# found by hypothesis: a raked mean of all-100 answers rounded to 100.00000000000001
@example(seed=18598, margins=True)
def test_every_score_lies_between_0_and_100(seed: int, margins: bool) -> None:
    c = random_campaign(seed, margins=margins, replicates=20)
    r = score_campaign(c.inputs, c.params, year=2017)
    for values in (
        r.survey.score,
        r.phone.score,
        r.bigdata.score,
        r.composite,
        r.final,
        r.uncertainty.final_ci,
    ):
        finite = values[~np.isnan(values)]
        assert ((finite >= 0) & (finite <= 100)).all()
    for values in (r.survey.satisfaction, r.phone.satisfaction, r.uncertainty.p_best, r.uncertainty.p_worst):
        finite = values[~np.isnan(values)]
        assert ((finite >= 0) & (finite <= 1)).all()


@settings(max_examples=30, deadline=None)
@given(seed=seeds)
def test_ranks_are_a_permutation_within_each_group_and_lists_do_not_overlap(seed: int) -> None:
    c = random_campaign(seed, n_units=12)
    r = score_campaign(c.inputs, c.params, year=2017)
    for g in range(len(r.groups.names)):
        members = (r.groups.of_unit == g) & r.eligibility.eligible
        assert sorted(r.standing.rank[members].tolist()) == list(range(1, int(members.sum()) + 1))
    assert not (r.standing.best & r.standing.worst).any()
    assert (r.standing.rank[~r.eligibility.eligible] == 0).all()
    vetoed = c.inputs.vetoed
    assert r.standing.worst[vetoed].all() and not r.standing.best[vetoed].any()


def test_the_bootstrap_is_reproducible_and_independent_of_threads() -> None:
    c = random_campaign(3, n_units=10, n_resp=400, replicates=200)
    one = score_campaign(c.inputs, c.params, year=2017, threads=1)
    two = score_campaign(c.inputs, c.params, year=2017, threads=2)
    again = score_campaign(c.inputs, c.params, year=2017)
    for x in (two, again):
        assert_array_equal(one.uncertainty.final_ci, x.uncertainty.final_ci)
        assert_array_equal(one.uncertainty.rank_ci, x.uncertainty.rank_ci)
        assert_array_equal(one.uncertainty.p_worst, x.uncertainty.p_worst)
    other_seed = score_campaign(c.inputs, replace(c.params, seed=1), year=2017)
    assert not np.array_equal(
        np.nan_to_num(one.uncertainty.final_ci), np.nan_to_num(other_seed.uncertainty.final_ci)
    )


def test_intervals_contain_the_main_run_values() -> None:
    c = random_campaign(11, n_units=10, n_resp=300, replicates=100)
    r = score_campaign(c.inputs, c.params, year=2017)
    f = r.final
    ok = ~np.isnan(f)
    assert (r.uncertainty.final_ci[ok, 0] <= f[ok]).all() and (f[ok] <= r.uncertainty.final_ci[ok, 1]).all()
    ranked = r.standing.rank > 0
    rank = r.standing.rank[ranked]
    assert (r.uncertainty.rank_ci[ranked, 0] <= rank).all() and (
        rank <= r.uncertainty.rank_ci[ranked, 1]
    ).all()
    assert np.isnan(r.uncertainty.rank_ci[~ranked]).all()
