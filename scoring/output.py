"""Writing ``results.csv``, ``fieldwork.csv`` and ``summary.json`` (bundle.md, Results)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from scoring.engine import CampaignResult
from scoring.inputs import AAPOR_CLASSES
from scoring.params import CampaignInfo
from scoring.phone import RATE_NAMES

RESULT_COLUMNS = (
    "unit_id", "name", "category", "group", "n_survey", "n_survey_eff", "survey_score",
    "survey_satisfaction", "n_phone", "phone_score", "phone_satisfaction", "bigdata_score",
    "composite", "bonus", "deduction", "veto", "final_score", "eligible", "ineligible_reason", "rank",
    "group_size", "list", "grade", "unsatisfactory", "consecutive_unsatisfactory", "card", "head_name",
    "final_ci_low", "final_ci_high", "rank_ci_low", "rank_ci_high", "p_best", "p_worst", "robust_worst",
    "raking_failed",
)  # fmt: skip
FIELDWORK_COLUMNS = ("scope", "id", *AAPOR_CLASSES, *RATE_NAMES)


def fmt_number(x: float) -> str:
    """Shortest text that reads back to the same double (at least 10 significant
    digits wherever the value needs them); empty for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return repr(float(x))


def fmt_bool(b: bool) -> str:
    return "true" if b else "false"


def _numbers(values: Any) -> list[str]:
    """:func:`fmt_number` of every value of an array, a column at a time."""
    return ["" if v != v else repr(v) for v in np.asarray(values, dtype=np.float64).tolist()]


def _bools(values: Any) -> list[str]:
    return ["true" if v else "false" for v in np.asarray(values, dtype=bool).tolist()]


def _whole(values: Any, shown: Any = None) -> list[str]:
    """Whole numbers as text; with ``shown``, empty where it is false."""
    texts = [str(int(v)) for v in np.asarray(values).tolist()]
    if shown is None:
        return texts
    return [t if on else "" for t, on in zip(texts, np.asarray(shown, dtype=bool).tolist(), strict=True)]


def result_columns(result: CampaignResult) -> dict[str, list[str]]:
    """Every column of ``results.csv``, one entry per unit in the order of ``units.csv``.

    Built a column at a time from the arrays (a city has 5,000 units and 35 columns):
    the same texts as one row at a time, in a fraction of the time.
    """
    inp = result.inputs
    st = result.standing
    unc = result.uncertainty
    groups = result.groups
    ranked = np.asarray(st.rank) > 0
    of_unit = np.asarray(groups.of_unit).tolist()
    best, worst = np.asarray(st.best, dtype=bool).tolist(), np.asarray(st.worst, dtype=bool).tolist()
    columns = {
        "unit_id": list(inp.unit_ids),
        "name": list(inp.unit_names),
        "category": list(inp.unit_categories),
        "group": [groups.names[g] for g in of_unit],
        "n_survey": _whole(result.survey.n),
        "n_survey_eff": _numbers(result.survey.n_eff),
        "survey_score": _numbers(result.survey.score),
        "survey_satisfaction": _numbers(result.survey.satisfaction),
        "n_phone": _whole(result.phone.n),
        "phone_score": _numbers(result.phone.score),
        "phone_satisfaction": _numbers(result.phone.satisfaction),
        "bigdata_score": _numbers(result.bigdata.score),
        "composite": _numbers(result.composite),
        "bonus": _numbers(result.adjusted.bonus),
        "deduction": _numbers(result.adjusted.deduction),
        "veto": _bools(inp.vetoed),
        "final_score": _numbers(result.final),
        "eligible": _bools(result.eligibility.eligible),
        "ineligible_reason": [result.eligibility.reason_text(u) for u in range(inp.n_units)],
        "rank": _whole(st.rank, ranked),
        "group_size": _whole(np.asarray(groups.size)[np.asarray(groups.of_unit)], ranked),
        "list": ["best" if b else ("worst" if w else "") for b, w in zip(best, worst, strict=True)],
        "grade": list(st.grade),
        "unsatisfactory": _bools(st.worst),
        "consecutive_unsatisfactory": _bools(st.consecutive),
        "card": list(st.card),
        "head_name": list(inp.unit_heads),
        "final_ci_low": _numbers(unc.final_ci[:, 0]),
        "final_ci_high": _numbers(unc.final_ci[:, 1]),
        "rank_ci_low": _ranks(unc.rank_ci[:, 0]),
        "rank_ci_high": _ranks(unc.rank_ci[:, 1]),
        "p_best": _numbers(unc.p_best),
        "p_worst": _numbers(unc.p_worst),
        "robust_worst": _bools(result.robust_worst()),
        "raking_failed": _bools(result.raking.raking_failed),
    }
    return {c: columns[c] for c in RESULT_COLUMNS}


def result_rows(result: CampaignResult) -> list[dict[str, str]]:
    """One row per unit, in the order of ``units.csv``."""
    columns = result_columns(result)
    return [dict(zip(RESULT_COLUMNS, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _fmt_rank(x: float) -> str:
    return "" if math.isnan(x) else str(int(x))


def _ranks(values: Any) -> list[str]:
    return [_fmt_rank(v) for v in np.asarray(values, dtype=np.float64).tolist()]


def fieldwork_table(result: CampaignResult) -> list[list[str]]:
    """The rows of ``fieldwork.csv`` in column order: callers (sorted by id), then units
    (in the order of ``units.csv``)."""
    rows: list[list[str]] = []
    for scope, ids, fw in (
        ("caller", result.inputs.caller_ids, result.caller_fieldwork),
        ("unit", result.inputs.unit_ids, result.unit_fieldwork),
    ):
        counts = np.asarray(fw.counts, dtype=np.float64).reshape(len(ids), len(AAPOR_CLASSES))
        rates = np.asarray(fw.rates, dtype=np.float64).reshape(len(ids), len(RATE_NAMES))
        columns = [_numbers(counts[:, j]) for j in range(counts.shape[1])]
        columns += [_numbers(rates[:, j]) for j in range(rates.shape[1])]
        rows.extend([scope, ident, *cells] for ident, *cells in zip(ids, *columns, strict=True))
    return rows


def fieldwork_rows(result: CampaignResult) -> list[dict[str, str]]:
    """Caller rows (sorted by id), then unit rows (in the order of ``units.csv``)."""
    return [dict(zip(FIELDWORK_COLUMNS, row, strict=True)) for row in fieldwork_table(result)]


def summary(result: CampaignResult, info: CampaignInfo, file_sha256: dict[str, str]) -> dict[str, Any]:
    """The campaign, lists per group in rank order, cards, consecutive units, input hashes."""
    inp = result.inputs

    def unit_entry(u: int) -> dict[str, Any]:
        return {
            "unit_id": inp.unit_ids[u],
            "name": inp.unit_names[u],
            "rank": int(result.standing.rank[u]),
            "final_score": None if math.isnan(result.final[u]) else float(result.final[u]),
        }

    groups = []
    for g, name in enumerate(result.groups.names):
        groups.append(
            {
                "group": name,
                "group_size": int(result.groups.size[g]),
                "list_size": int(result.groups.list_size[g]),
                "best": [unit_entry(u) for u in result.list_in_rank_order(g, "best")],
                "worst": [unit_entry(u) for u in result.list_in_rank_order(g, "worst")],
            }
        )
    carded = [u for u in range(inp.n_units) if result.standing.card[u]]
    return {
        "campaign_id": info.id,
        "campaign_name": info.name,
        "series": info.series,
        "year": info.year,
        "method_version": result.method_version,
        "replicates": result.uncertainty.replicates,
        "seed": result.params.seed,
        "groups": groups,
        "cards": [
            {
                **unit_entry(u),
                "group": result.groups.names[result.groups.of_unit[u]],
                "card": result.standing.card[u],
            }
            for u in carded
        ],
        "consecutive_unsatisfactory": [
            {"unit_id": inp.unit_ids[u], "name": inp.unit_names[u], "head_name": inp.unit_heads[u]}
            for u in np.flatnonzero(result.standing.consecutive).tolist()
        ],
        "input_sha256": dict(file_sha256),
    }


def _csv_text(columns: tuple[str, ...], rows: Iterable[Iterable[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def write_results(
    result: CampaignResult, info: CampaignInfo, file_sha256: dict[str, str], out_dir: Path
) -> None:
    """Write the three result files so that each appears whole or not at all.

    Files are written into a temporary folder beside their destination and moved
    into place only when all three are complete.
    """
    files = {
        "results.csv": _csv_text(RESULT_COLUMNS, zip(*result_columns(result).values(), strict=True)),
        "fieldwork.csv": _csv_text(FIELDWORK_COLUMNS, fieldwork_table(result)),
        "summary.json": json.dumps(summary(result, info, file_sha256), ensure_ascii=False, indent=2) + "\n",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".scoring-", dir=out_dir))
    try:
        for name, text in files.items():
            with open(staging / name, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        for name in files:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
