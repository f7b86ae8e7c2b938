"""Small random campaigns as CampaignInputs, for property tests of the engine."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scoring.inputs import Answers, CampaignInputs
from scoring.params import MethodParams


@dataclass(frozen=True)
class Campaign:
    inputs: CampaignInputs
    params: MethodParams


def random_campaign(seed: int, *, n_units: int = 8, n_resp: int = 160, n_cases: int = 60,
                    margins: bool = True, replicates: int = 0) -> Campaign:  # fmt: skip
    """A campaign with two categories, three groups (one of weight 0), three survey
    items answered with sat3 scores or "don't know", raking on two variables, phone
    cases of every AAPOR class, three indicators, adjustments and history."""
    rng = np.random.default_rng(seed)
    ids = tuple(f"U{k}" for k in rng.permutation(n_units))
    level = rng.uniform(0.2, 0.9, n_units)
    unit = rng.integers(0, n_units, n_resp)
    owner = np.repeat(np.arange(n_resp), 3)
    draws = rng.random(owner.size)
    p = level[unit[owner]]
    score = np.where(draws < p, 100.0, np.where(draws < p + 0.15, 60.0, np.where(draws < 0.95, 0.0, np.nan)))
    case_unit = rng.integers(0, n_units, n_cases)
    case_class = rng.choice(8, n_cases, p=[0.5, 0.05, 0.1, 0.1, 0.05, 0.1, 0.05, 0.05])
    case_owner = np.arange(n_cases)
    case_score = np.where(rng.random(n_cases) < level[case_unit], 100.0, rng.choice([0.0, 60.0], n_cases))
    values = rng.uniform(0, 1, (n_units, 3))
    values[rng.random((n_units, 3)) < 0.15] = np.nan
    kinds = rng.random(n_units)
    history = {(u, 2016): bool(rng.random() < 0.5) for u in range(n_units)}
    inputs = CampaignInputs(
        unit_ids=ids,
        unit_names=tuple(f"单位{k}" for k in range(n_units)),
        unit_categories=tuple("office" if k % 2 else "station" for k in range(n_units)),
        unit_heads=tuple(f"负责人{k}" for k in range(n_units)),
        response_unit=unit.astype(np.int64),
        response_group=rng.integers(0, 3, n_resp).astype(np.int64),
        response_valid_status=rng.random(n_resp) < 0.9,
        group_names=("citizen", "service_recipient", "deputy"),
        survey_answers=Answers(owner.astype(np.int64), np.tile([1.0, 2.0, 1.0], n_resp), score),
        case_unit=case_unit.astype(np.int64),
        case_class=case_class.astype(np.int64),
        case_caller=rng.integers(-1, 4, n_cases).astype(np.int64),
        caller_ids=("k0", "k1", "k2", "k3"),
        phone_answers=Answers(case_owner.astype(np.int64), np.ones(n_cases), case_score),
        indicator_ids=("closure", "overtime", "hotline"),
        indicator_weight=np.array([0.5, 0.3, 0.2]),
        indicator_higher=np.array([True, False, True]),
        indicator_target_method=np.array([False, False, True]),
        indicator_floor=np.array([np.nan, np.nan, 0.3]),
        indicator_target=np.array([np.nan, np.nan, 0.8]),
        indicator_value=values,
        bonus_points=np.where(kinds < 0.2, 3.0, 0.0),
        deduction_points=np.where((kinds > 0.5) & (kinds < 0.7), 4.0, 0.0),
        vetoed=kinds > 0.93,
        response_vars={
            "age_band": rng.integers(-1, 3, n_resp).astype(np.int64),
            "sex": rng.integers(0, 2, n_resp).astype(np.int64),
        },
        var_categories={"age_band": ("18-34", "35-59", "60+"), "sex": ("male", "female")},
        history=history,
    )
    params = MethodParams(min_survey=5, min_phone=2, top_n=2, replicates=replicates)
    if margins:
        params = replace(
            params,
            margins={
                "age_band": {"18-34": 0.3, "35-59": 0.45, "60+": 0.25},
                "sex": {"male": 0.5, "female": 0.5},
            },
        )
    return Campaign(inputs, params)


def _permuted_owners(rng: np.random.Generator, n_owners: int, answers: Answers) -> tuple[np.ndarray, Answers]:
    """A new order of the owners (responses or cases), and their answers shuffled
    and re-pointed at the owners' new positions."""
    order = rng.permutation(n_owners)
    new_pos = np.empty(n_owners, np.int64)
    new_pos[order] = np.arange(n_owners)
    ap = rng.permutation(answers.owner.size)
    return order, Answers(new_pos[answers.owner[ap]], answers.item_weight[ap], answers.score[ap])


def permute_rows(inputs: CampaignInputs, seed: int) -> CampaignInputs:
    """The same campaign with every row-level array (responses, answers, cases, units)
    in another order."""
    rng = np.random.default_rng(seed)
    n_resp = inputs.response_unit.size
    n_units = inputs.n_units
    rp, survey_answers = _permuted_owners(rng, n_resp, inputs.survey_answers)
    cp, phone_answers = _permuted_owners(rng, inputs.case_unit.size, inputs.phone_answers)
    # units
    up = rng.permutation(n_units)
    unit_pos = np.empty(n_units, np.int64)
    unit_pos[up] = np.arange(n_units)

    def units(t: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(t[k] for k in up)

    return replace(
        inputs,
        unit_ids=units(inputs.unit_ids),
        unit_names=units(inputs.unit_names),
        unit_categories=units(inputs.unit_categories),
        unit_heads=units(inputs.unit_heads),
        response_unit=unit_pos[inputs.response_unit[rp]],
        response_group=inputs.response_group[rp],
        response_valid_status=inputs.response_valid_status[rp],
        response_vars={k: v[rp] for k, v in inputs.response_vars.items()},
        survey_answers=survey_answers,
        case_unit=unit_pos[inputs.case_unit[cp]],
        case_class=inputs.case_class[cp],
        case_caller=inputs.case_caller[cp],
        phone_answers=phone_answers,
        indicator_value=inputs.indicator_value[up],
        bonus_points=inputs.bonus_points[up],
        deduction_points=inputs.deduction_points[up],
        vetoed=inputs.vetoed[up],
        history={(int(unit_pos[u]), y): v for (u, y), v in inputs.history.items()},
    )
