"""The scoring engine: one campaign's arrays in, its results out (methodology v1).

:func:`score_campaign` is the single code path that the offline scorer
(``python -m scoring``) and the platform both call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.composite import Adjusted, Eligibility, apply_adjustments, composite_score, eligibility
from scoring.indicators import BigDataComponent, bigdata_component, indicator_scores
from scoring.inputs import BoolArray, CampaignInputs, FloatArray, IntArray
from scoring.items import response_scores
from scoring.params import COMPONENTS, METHOD_VERSION, MethodParams
from scoring.phone import FieldworkRates, PhoneComponent, aapor_counts, aapor_rates, phone_component
from scoring.ranking import (
    RankingGroups,
    Standing,
    cards,
    consecutive_unsatisfactory,
    grades,
    list_membership,
    rank_units,
    ranking_groups,
)
from scoring.survey import RakingResult, SurveyComponent, rake_weights, survey_component
from scoring.uncertainty import Uncertainty, bootstrap


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """Everything methodology v1 reports for one campaign.

    Per-unit arrays follow ``inputs.unit_ids``; see the component dataclasses for
    field meanings. ``unit_fieldwork`` and ``caller_fieldwork`` hold AAPOR counts
    and rates per unit and per caller (``inputs.caller_ids``).
    """

    method_version: str
    year: int
    inputs: CampaignInputs
    params: MethodParams
    raking: RakingResult
    survey: SurveyComponent
    phone: PhoneComponent
    bigdata: BigDataComponent
    composite: FloatArray
    adjusted: Adjusted
    eligibility: Eligibility
    groups: RankingGroups
    standing: Standing
    uncertainty: Uncertainty
    unit_fieldwork: FieldworkRates
    caller_fieldwork: FieldworkRates

    @property
    def final(self) -> FloatArray:
        return self.adjusted.final

    def robust_worst(self) -> BoolArray:
        """Worst-list units with p_worst >= 0.9; false when no replicate was drawn."""
        p = np.nan_to_num(self.uncertainty.p_worst, nan=0.0)
        return self.standing.worst & (p >= 0.9)

    def list_in_rank_order(self, group: int, which: str) -> list[int]:
        """Unit indexes of one group's best or worst list, best rank first."""
        members = self.standing.best if which == "best" else self.standing.worst
        idx = np.flatnonzero(members & (self.groups.of_unit == group))
        return idx[np.argsort(self.standing.rank[idx], kind="stable")].tolist()


def unit_id_order(unit_ids: tuple[str, ...]) -> IntArray:
    """Position of every unit id in code-point order (Python's str order)."""
    order = np.empty(len(unit_ids), dtype=np.int64)
    order[sorted(range(len(unit_ids)), key=unit_ids.__getitem__)] = np.arange(len(unit_ids))
    return order


def score_campaign(
    inputs: CampaignInputs, params: MethodParams, *, year: int, threads: int | None = None
) -> CampaignResult:
    """Score a campaign: §1 response scores through §7 bootstrap uncertainty.

    Parameters
    ----------
    inputs : CampaignInputs
        The campaign's arrays (from a bundle or the database).
    params : MethodParams
        Method parameters, defaults overridden by ``campaign.toml``.
    year : int
        The campaign's year, against which ``history`` is read for the
        two-years-running rule (连续两年不满意).
    threads : int, optional
        Threads for the bootstrap; results do not depend on it.
    """
    n_units = inputs.n_units
    w_comp = np.array([params.component_weights.get(c, 0.0) for c in COMPONENTS], dtype=np.float64)
    gamma = np.array([params.group_weight(g) for g in inputs.group_names], dtype=np.float64)

    # §1–2: surveys
    n_resp = inputs.response_unit.shape[0]
    resp = response_scores(inputs.survey_answers, n_resp)
    valid = inputs.response_valid_status & resp.has_score
    raking = rake_weights(
        valid,
        inputs.response_unit,
        n_units,
        {v: inputs.response_vars[v] for v in params.margins},
        {v: np.array(list(params.margins[v].values()), dtype=np.float64) for v in params.margins},
        trim_low=params.trim_low,
        trim_high=params.trim_high,
    )
    survey = survey_component(
        resp.score,
        raking.weight,
        valid,
        inputs.response_unit,
        inputs.response_group,
        gamma,
        n_units,
        satisfied_at=params.satisfied_at,
    )

    # §3: phone
    cases = response_scores(inputs.phone_answers, inputs.case_unit.shape[0])
    phone = phone_component(
        cases.score,
        cases.has_score,
        inputs.case_class,
        inputs.case_unit,
        n_units,
        satisfied_at=params.satisfied_at,
    )
    unit_fieldwork = aapor_rates(aapor_counts(inputs.case_class, inputs.case_unit, n_units))
    caller_fieldwork = aapor_rates(
        aapor_counts(inputs.case_class, inputs.case_caller, len(inputs.caller_ids))
    )

    # §4: big data, normalised within ranking groups (eligibility plays no part)
    provisional = ranking_groups(
        inputs.unit_categories, params.group_by, np.ones(n_units, dtype=bool), params.top_n
    )
    bigdata = bigdata_component(
        indicator_scores(
            inputs.indicator_value,
            provisional.of_unit,
            inputs.indicator_higher,
            inputs.indicator_target_method,
            inputs.indicator_floor,
            inputs.indicator_target,
        ),
        inputs.indicator_weight,
        min_indicator_share=params.min_indicator_share,
    )

    # §5: composite, adjustments, eligibility
    components = np.column_stack([survey.score, phone.score, bigdata.score])
    composite = composite_score(components, w_comp)
    adjusted = apply_adjustments(
        composite,
        inputs.bonus_points,
        inputs.deduction_points,
        bonus_cap=params.bonus_cap,
        deduction_cap=params.deduction_cap,
    )
    elig = eligibility(
        survey.n,
        phone.n,
        bigdata.score,
        inputs.vetoed,
        w_comp,
        min_survey=params.min_survey,
        min_phone=params.min_phone,
    )

    # §6: ranking, lists, grades, consecutive, cards
    groups = ranking_groups(inputs.unit_categories, params.group_by, elig.eligible, params.top_n)
    order = unit_id_order(inputs.unit_ids)
    rank = rank_units(groups, elig.eligible, inputs.vetoed, adjusted.final, survey.score, phone.score, order)
    best, worst = list_membership(
        rank, groups, inputs.vetoed, adjusted.final, worst_only_below=params.worst_only_below
    )
    consecutive = consecutive_unsatisfactory(worst, inputs.history, year, params.consecutive_years)
    standing = Standing(
        rank=rank,
        best=best,
        worst=worst,
        grade=grades(
            adjusted.final,
            rank > 0,
            inputs.vetoed,
            params.grade_bands,
        ),
        consecutive=consecutive,
        card=cards(worst, consecutive, inputs.vetoed, adjusted.final, red_below=params.red_below),
    )

    # §7: uncertainty
    uncertainty = bootstrap(
        replicates=params.replicates,
        seed=params.seed,
        n_units=n_units,
        survey_score=resp.score,
        survey_weight=raking.weight,
        survey_valid=valid,
        survey_unit=inputs.response_unit,
        survey_group=inputs.response_group,
        group_weight=gamma,
        group_names=inputs.group_names,
        phone_score=cases.score,
        phone_complete=phone.complete,
        phone_unit=inputs.case_unit,
        bigdata=bigdata.score,
        bonus=adjusted.bonus,
        deduction=adjusted.deduction,
        component_weights=w_comp,
        groups=groups,
        eligible=elig.eligible,
        vetoed=inputs.vetoed,
        unit_order=order,
        worst_only_below=params.worst_only_below,
        main_final=adjusted.final,
        main_rank=rank,
        threads=threads,
    )
    return CampaignResult(
        method_version=METHOD_VERSION,
        year=year,
        inputs=inputs,
        params=params,
        raking=raking,
        survey=survey,
        phone=phone,
        bigdata=bigdata,
        composite=composite,
        adjusted=adjusted,
        eligibility=elig,
        groups=groups,
        standing=standing,
        uncertainty=uncertainty,
        unit_fieldwork=unit_fieldwork,
        caller_fieldwork=caller_fieldwork,
    )
