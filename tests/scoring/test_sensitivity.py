"""Sensitivity of the best and worst lists to the component weights (scoring/sensitivity.py)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from scoring import load_bundle, score_campaign
from scoring.sensitivity import weight_sensitivity, weight_settings, weights_text
from tests.scoring.bundlekit import Bundle

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example" / "bundle"


def flip_bundle(directory: Path) -> Path:
    """Four units ranked on survey and phone only (0.5/0.5; lists of N = 2):

    ====  ======  =====  =========  ====================
    unit  survey  phone  F at .5    F at survey .55/.45
    ====  ======  =====  =========  ====================
    A     90      50     70         72   (enters best)
    B     60      82     71         69.9 (enters worst)
    C     40      40     40         40
    D     100     100    100        100
    ====  ======  =====  =========  ====================
    """
    b = Bundle().components(0.5, 0.5, 0.0)
    b.set("eligibility.min_phone", 1)
    for unit, survey, phone in (("A", 90, 50), ("B", 60, 82), ("C", 40, 40), ("D", 100, 100)):
        b.unit(unit)
        b.scored_response(unit, survey)
        b.scored_case(unit, phone)
    return b.write(directory)


def test_settings_move_one_weight_and_rescale_the_others_to_sum_1() -> None:
    settings = weight_settings({"survey": 0.55, "phone": 0.25, "bigdata": 0.20})
    assert len(settings) == 12  # three components, four steps each
    for s in settings:
        assert math.fsum(s.weights.values()) == pytest.approx(1.0, abs=1e-12)
        assert s.component is not None
        others = [c for c in s.weights if c != s.component]
        # the other weights keep their proportions to each other
        base = {"survey": 0.55, "phone": 0.25, "bigdata": 0.20}
        assert s.weights[others[0]] / s.weights[others[1]] == pytest.approx(base[others[0]] / base[others[1]])
    survey_up = next(s for s in settings if s.component == "survey" and s.delta == 0.05)
    # survey 0.6; phone 0.25·0.4/0.45, big data 0.20·0.4/0.45
    expected = {"survey": 0.6, "phone": 0.25 * 0.4 / 0.45, "bigdata": 0.2 * 0.4 / 0.45}
    assert survey_up.weights == pytest.approx(expected)
    assert weights_text(survey_up.weights) == "survey 0.6 · phone 0.2222 · bigdata 0.1778"


def test_a_component_switched_off_stays_off_and_weights_stay_inside_0_1() -> None:
    settings = weight_settings({"survey": 0.92, "phone": 0.08, "bigdata": 0.0})
    assert {s.component for s in settings} == {"survey", "phone"}
    assert all(s.weights["bigdata"] == 0.0 for s in settings)
    # survey + 0.10 = 1.02 and phone − 0.10 < 0 are left out; phone − 0.05 = 0.03 stays
    assert sorted((s.component, s.delta) for s in settings) == [
        ("phone", -0.05), ("phone", 0.05), ("phone", 0.1),
        ("survey", -0.1), ("survey", -0.05), ("survey", 0.05),
    ]  # fmt: skip
    assert weight_settings({"survey": 1.0, "phone": 0.0, "bigdata": 0.0}) == []


def test_lists_change_when_the_weights_move(tmp_path: Path) -> None:
    bundle = load_bundle(flip_bundle(tmp_path / "b"))
    s = weight_sensitivity(bundle.inputs, bundle.params, year=bundle.info.year)
    assert s.base.best == {"cat": ("D", "B")}
    assert s.base.worst == {"cat": ("C", "A")}  # worst first
    by = {(x.setting.component, x.setting.delta): x for x in s.settings}
    assert set(by) == {(c, d) for c in ("survey", "phone") for d in (-0.1, -0.05, 0.05, 0.1)}
    up = by[("survey", 0.05)]
    assert up.best == {"cat": ("D", "A")}
    assert (up.entered_best, up.left_best) == (("A",), ("B",))
    assert (up.entered_worst, up.left_worst) == (("B",), ("A",))
    assert up.changed
    down = by[("survey", -0.05)]  # more phone weight: B gains, A loses, the base lists hold
    assert not down.changed and down.best == s.base.best
    assert s.stable_best == ("D",)
    assert s.stable_worst == ("C",)
    assert s.best_count("A") == 4 and s.worst_count("A") == 4  # survey +5, +10; phone −5, −10


def test_base_lists_are_the_engine_s_and_nothing_moves_without_steps() -> None:
    bundle = load_bundle(EXAMPLE)
    s = weight_sensitivity(bundle.inputs, bundle.params, year=bundle.info.year, steps=())
    assert s.settings == ()
    params = dataclasses.replace(bundle.params, replicates=0)
    result = score_campaign(bundle.inputs, params, year=bundle.info.year)
    ids = bundle.inputs.unit_ids
    for g, name in enumerate(result.groups.names):
        assert s.base.best[name] == tuple(ids[u] for u in result.list_in_rank_order(g, "best"))
        assert set(s.base.worst[name]) == {ids[u] for u in result.list_in_rank_order(g, "worst")}
    assert set(s.stable_best) == {u for ids_ in s.base.best.values() for u in ids_}
    assert set(s.stable_worst) == {u for ids_ in s.base.worst.values() for u in ids_}


def test_example_lists_do_not_depend_on_the_weights() -> None:
    bundle = load_bundle(EXAMPLE)
    s = weight_sensitivity(bundle.inputs, bundle.params, year=bundle.info.year)
    assert len(s.settings) == 12
    assert not any(x.changed for x in s.settings)
    assert s.stable_best == ("A1", "W1") and s.stable_worst == ("A3", "W3")
