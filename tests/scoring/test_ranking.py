"""Ranking order, lists and cards on arrays (methodology §6), incl. the replicate axis."""

from __future__ import annotations

import numpy as np

from scoring.engine import unit_id_order
from scoring.ranking import cards, consecutive_unsatisfactory, list_membership, rank_units, ranking_groups

NAN = np.nan


def test_ties_in_f_fall_to_s_then_p_then_unit_id_in_code_point_order_in_every_replicate() -> None:
    ids = ("U9", "U10", "U2", "A")
    order = unit_id_order(ids)
    assert order.tolist() == [3, 1, 2, 0]  # "A" < "U10" < "U2" < "U9"
    groups = ranking_groups(("c",) * 4, "category", np.ones(4, bool), 10)
    everyone, nobody = np.ones(4, bool), np.zeros(4, bool)
    final = np.array(
        [
            [70.0, 70.0, 70.0, 70.0],  # all tied; S decides: U2 (S 90) > U10 (80) > U9 = A (70); then P
            [70.0, 80.0, 70.0, 60.0],  # U10 first; U9 and U2 tie on F, U2's S of 90 wins
            [50.0, 50.0, 50.0, 50.0],  # all tied, S and P empty for all: unit_id decides
        ]
    )
    survey = np.array([[70.0, 80.0, 90.0, 70.0], [70.0, 80.0, 90.0, 70.0], [NAN, NAN, NAN, NAN]])
    phone = np.array([[10.0, 0.0, 0.0, 20.0], [10.0, 0.0, 0.0, 20.0], [NAN, NAN, NAN, NAN]])
    rank = rank_units(groups, everyone, nobody, final, survey, phone, order)
    # row 0: U2 1, U10 2, then U9 vs A tied on S 70: P 20 (A) beats 10 (U9)
    assert rank[0].tolist() == [4, 2, 1, 3]
    assert rank[1].tolist() == [3, 1, 2, 4]
    assert rank[2].tolist() == [4, 2, 3, 1]
    # the 1-D main run gives the same as one replicate
    assert rank_units(groups, everyone, nobody, final[0], survey[0], phone[0], order).tolist() == [4, 2, 1, 3]


def test_empty_s_sorts_after_every_number() -> None:
    groups = ranking_groups(("c",) * 2, "category", np.ones(2, bool), 10)
    rank = rank_units(groups, np.ones(2, bool), np.zeros(2, bool), np.array([60.0, 60.0]),
                      np.array([NAN, 0.0]), np.array([NAN, NAN]), np.array([0, 1]))  # fmt: skip
    assert rank.tolist() == [2, 1]


def test_vetoed_units_rank_after_all_others_and_fill_the_worst_list_beyond_n() -> None:
    groups = ranking_groups(("c",) * 5, "category", np.ones(5, bool), 1)
    vetoed = np.array([True, False, True, False, False])
    final = np.array([99.0, 50.0, 98.0, 70.0, 60.0])
    rank = rank_units(groups, np.ones(5, bool), vetoed, final, final, final, np.arange(5))
    assert rank.tolist() == [4, 3, 5, 1, 2]
    best, worst = list_membership(rank, groups, vetoed, final)
    assert best.tolist() == [False, False, False, True, False]
    # N = 1: rank 5 is the worst list by position; the other vetoed unit joins it
    assert worst.tolist() == [True, False, True, False, False]


def test_worst_only_below_keeps_units_at_or_above_the_bar_off_the_worst_list() -> None:
    groups = ranking_groups(("c",) * 4, "category", np.ones(4, bool), 2)
    final = np.array([90.0, 80.0, 75.0, 74.0])
    rank = rank_units(groups, np.ones(4, bool), np.zeros(4, bool), final, final, final, np.arange(4))
    _, worst = list_membership(rank, groups, np.zeros(4, bool), final, worst_only_below=75.0)
    assert worst.tolist() == [False, False, False, True]


def test_consecutive_needs_every_previous_year_and_a_missing_year_is_not_unsatisfactory() -> None:
    unsat = np.array([True, True, True, False])
    history = {(0, 2016): True, (0, 2015): True, (1, 2016): True, (3, 2016): True}
    assert consecutive_unsatisfactory(unsat, history, 2017, 2).tolist() == [True, True, False, False]
    assert consecutive_unsatisfactory(unsat, history, 2017, 3).tolist() == [True, False, False, False]
    assert consecutive_unsatisfactory(unsat, history, 2017, 1).tolist() == [True, True, True, False]


def test_red_card_for_consecutive_vetoed_or_below_red_below_yellow_otherwise() -> None:
    worst = np.array([True, True, True, True, False])
    consecutive = np.array([True, False, False, False, False])
    vetoed = np.array([False, True, False, False, False])
    final = np.array([50.0, 90.0, 40.0, 55.0, 10.0])
    assert cards(worst, consecutive, vetoed, final) == ("red", "red", "yellow", "yellow", "")
    assert cards(worst, consecutive, vetoed, final, red_below=50.0) == ("red", "red", "red", "yellow", "")
