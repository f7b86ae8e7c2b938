"""Writing ``results.csv``, ``fieldwork.csv`` and ``summary.json`` (bundle.md, Results)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
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


def result_rows(result: CampaignResult) -> list[dict[str, str]]:
    """One row per unit, in the order of ``units.csv``."""
    inp = result.inputs
    st = result.standing
    unc = result.uncertainty
    robust = result.robust_worst()
    rows = []
    for u in range(inp.n_units):
        ranked = st.rank[u] > 0
        g = result.groups.of_unit[u]
        rows.append(
            {
                "unit_id": inp.unit_ids[u],
                "name": inp.unit_names[u],
                "category": inp.unit_categories[u],
                "group": result.groups.names[g],
                "n_survey": str(int(result.survey.n[u])),
                "n_survey_eff": fmt_number(result.survey.n_eff[u]),
                "survey_score": fmt_number(result.survey.score[u]),
                "survey_satisfaction": fmt_number(result.survey.satisfaction[u]),
                "n_phone": str(int(result.phone.n[u])),
                "phone_score": fmt_number(result.phone.score[u]),
                "phone_satisfaction": fmt_number(result.phone.satisfaction[u]),
                "bigdata_score": fmt_number(result.bigdata.score[u]),
                "composite": fmt_number(result.composite[u]),
                "bonus": fmt_number(result.adjusted.bonus[u]),
                "deduction": fmt_number(result.adjusted.deduction[u]),
                "veto": fmt_bool(bool(inp.vetoed[u])),
                "final_score": fmt_number(result.final[u]),
                "eligible": fmt_bool(bool(result.eligibility.eligible[u])),
                "ineligible_reason": result.eligibility.reason_text(u),
                "rank": str(int(st.rank[u])) if ranked else "",
                "group_size": str(int(result.groups.size[g])) if ranked else "",
                "list": "best" if st.best[u] else ("worst" if st.worst[u] else ""),
                "grade": st.grade[u],
                "unsatisfactory": fmt_bool(bool(st.worst[u])),
                "consecutive_unsatisfactory": fmt_bool(bool(st.consecutive[u])),
                "card": st.card[u],
                "head_name": inp.unit_heads[u],
                "final_ci_low": fmt_number(unc.final_ci[u, 0]),
                "final_ci_high": fmt_number(unc.final_ci[u, 1]),
                "rank_ci_low": _fmt_rank(unc.rank_ci[u, 0]),
                "rank_ci_high": _fmt_rank(unc.rank_ci[u, 1]),
                "p_best": fmt_number(unc.p_best[u]),
                "p_worst": fmt_number(unc.p_worst[u]),
                "robust_worst": fmt_bool(bool(robust[u])),
                "raking_failed": fmt_bool(bool(result.raking.raking_failed[u])),
            }
        )
    return rows


def _fmt_rank(x: float) -> str:
    return "" if math.isnan(x) else str(int(x))


def fieldwork_rows(result: CampaignResult) -> list[dict[str, str]]:
    """Caller rows (sorted by id), then unit rows (in the order of ``units.csv``)."""
    rows = []
    for scope, ids, fw in (
        ("caller", result.inputs.caller_ids, result.caller_fieldwork),
        ("unit", result.inputs.unit_ids, result.unit_fieldwork),
    ):
        for k, ident in enumerate(ids):
            row = {"scope": scope, "id": ident}
            row.update({c: fmt_number(v) for c, v in zip(AAPOR_CLASSES, fw.counts[k], strict=True)})
            row.update({c: fmt_number(v) for c, v in zip(RATE_NAMES, fw.rates[k], strict=True)})
            rows.append(row)
    return rows


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


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
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
        "results.csv": _csv_text(RESULT_COLUMNS, result_rows(result)),
        "fieldwork.csv": _csv_text(FIELDWORK_COLUMNS, fieldwork_rows(result)),
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
