"""One campaign's inputs as arrays: what the engine computes on.

The bundle reader (``scoring.bundle``) and, later, the database layer both build a
:class:`CampaignInputs`; :func:`scoring.engine.score_campaign` is the one function
that turns it into results. Ids are replaced by integer indexes into the unit,
group, item and caller tables, so that no step of the engine touches a string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# AAPOR aggregate classes (methodology §3), in fieldwork.csv column order.
AAPOR_CLASSES = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")


@dataclass(frozen=True, slots=True)
class Answers:
    """Scored closed answers of one instrument (survey or phone).

    Attributes
    ----------
    owner : int64[n]
        Index of the response (or phone case) the answer belongs to.
    item_weight : float64[n]
        Weight a_j of the answered item.
    score : float64[n]
        Option score s_ij in [0, 100]; NaN for "don't know" (不了解), which counts as
        unanswered.
    """

    owner: IntArray
    item_weight: FloatArray
    score: FloatArray

    @staticmethod
    def empty() -> Answers:
        return Answers(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


@dataclass(frozen=True, slots=True)
class CampaignInputs:
    """Everything methodology v1 needs, as index-coded arrays.

    Attributes
    ----------
    unit_ids, unit_names, unit_categories, unit_heads : tuple of str
        One entry per unit (评议对象), in the order results are reported.
        ``unit_heads`` holds "" where the head's name is unknown.
    response_unit, response_group : int64[n_resp]
        Unit index and respondent-group (评议主体) index of every survey response.
    response_valid_status : bool[n_resp]
        True when the response's status is ``valid`` (or empty).
    group_names : tuple of str
        Respondent groups, indexed by ``response_group``.
    response_vars : mapping str -> int64[n_resp]
        Raking variables: for each variable, the category index of every response,
        -1 where the value is empty or not among ``var_categories[var]``.
    var_categories : mapping str -> tuple of str
        Category names of each raking variable, indexed by ``response_vars``.
    survey_answers, phone_answers : Answers
        Owner indexes point into responses and phone cases respectively.
    case_unit : int64[n_case]
        Unit index of every phone case.
    case_class : int64[n_case]
        AAPOR class of the final disposition, an index into ``AAPOR_CLASSES``.
    case_caller : int64[n_case]
        Caller index, -1 when the case names no caller.
    caller_ids : tuple of str
    indicator_weight, indicator_higher, indicator_target_method,
    indicator_floor, indicator_target : arrays of length n_ind
        v_k, direction, method and (for ``target``) floor f and target t.
    indicator_value : float64[n_units, n_ind]
        x_uk; NaN where a unit has no value.
    bonus_points, deduction_points : float64[n_units]
        Σ bonus and Σ deduction before the caps.
    vetoed : bool[n_units]
        一票否决.
    history : mapping (unit index, year) -> bool
        Earlier years' unsatisfactory outcomes of the same series.
    """

    unit_ids: tuple[str, ...]
    unit_names: tuple[str, ...]
    unit_categories: tuple[str, ...]
    unit_heads: tuple[str, ...]
    response_unit: IntArray
    response_group: IntArray
    response_valid_status: BoolArray
    group_names: tuple[str, ...]
    survey_answers: Answers
    case_unit: IntArray
    case_class: IntArray
    case_caller: IntArray
    caller_ids: tuple[str, ...]
    phone_answers: Answers
    indicator_ids: tuple[str, ...]
    indicator_weight: FloatArray
    indicator_higher: BoolArray
    indicator_target_method: BoolArray
    indicator_floor: FloatArray
    indicator_target: FloatArray
    indicator_value: FloatArray
    bonus_points: FloatArray
    deduction_points: FloatArray
    vetoed: BoolArray
    response_vars: Mapping[str, IntArray] = field(default_factory=dict)
    var_categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    history: Mapping[tuple[int, int], bool] = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)
