"""Scoring a stored campaign (计分): the offline scorer's own functions, on the database's data.

The campaign is exported as a bundle into a temporary folder and scored with exactly
what ``python -m scoring score`` runs (:func:`scoring.load_bundle`, then
:func:`scoring.score_campaign`), so there is no second implementation of the method.
The run is stored with its method version and the SHA-256 of its input bundle, so that
anyone holding the published bundle can check and recompute it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from db import audit
from db.bundle_io import export_bundle, find_campaign
from db.models import CampaignUnit, ScoringRun, Unit, UnitResult
from db.uow import UnitOfWork
from scoring import load_bundle, score_campaign
from scoring.output import result_rows, summary


def input_sha256(file_sha256: dict[str, str]) -> str:
    """One hash of a whole bundle: SHA-256 over its sorted ``name  sha256`` lines
    (the per-file hashes that ``summary.json`` lists)."""
    lines = "".join(f"{name}  {digest}\n" for name, digest in sorted(file_sha256.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same bundle always zips to the same bytes


@dataclass(frozen=True, slots=True)
class FrozenBundle:
    """A campaign's bundle as published: a zip of its files (no personal data), the zip's
    SHA-256, and the input hash a scoring run of these files records."""

    data: bytes
    sha256: str
    input_sha256: str
    file_sha256: dict[str, str]


def freeze_bundle(uow: UnitOfWork, campaign_code: str) -> FrozenBundle:
    """Export the campaign as a bundle and zip it reproducibly (sorted names, fixed times),
    inside the caller's unit of work. The files sit in a folder named after the campaign,
    so ``unzip`` then ``python -m scoring score <code> --out results`` recomputes it."""
    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        folder = Path(tmp) / campaign_code
        export_bundle(uow, campaign_code, folder)
        files = sorted(p for p in folder.iterdir() if p.is_file())
        hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in files:
                info = zipfile.ZipInfo(f"{campaign_code}/{path.name}", date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    return FrozenBundle(data, hashlib.sha256(data).hexdigest(), input_sha256(hashes), hashes)


def score_stored_campaign(
    uow: UnitOfWork, campaign_code: str, *, replicates: int | None = None, threads: int | None = None
) -> ScoringRun:
    """Score the campaign ``campaign_code`` and store the run with one result per unit.

    Call inside ``with uow:``; the caller commits. ``replicates`` overrides the
    campaign's ``[uncertainty] replicates`` (0 = no uncertainty columns), as the
    offline scorer's ``--replicates`` does; ``threads`` only changes speed.

    Raises
    ------
    db.bundle_io.UnknownCampaign
        No campaign has this code.
    scoring.BundleError
        The stored data do not form a valid bundle (e.g. edited into inconsistency).
    """
    if replicates is not None and replicates < 0:
        raise ValueError("replicates must be 0 or more")
    campaign = find_campaign(uow, campaign_code)
    with tempfile.TemporaryDirectory(prefix="scoring-run-") as tmp:
        folder = Path(tmp) / "bundle"
        export_bundle(uow, campaign_code, folder)
        bundle = load_bundle(folder)
    params = bundle.params
    if replicates is not None:
        params = dataclasses.replace(params, replicates=replicates)
    result = score_campaign(bundle.inputs, params, year=bundle.info.year, threads=threads)

    session = uow.session
    run = ScoringRun(
        campaign_id=campaign.id,
        method_version=result.method_version,
        input_sha256=input_sha256(bundle.file_sha256),
        replicates=result.uncertainty.replicates,
        seed=params.seed,
        summary=summary(result, bundle.info, bundle.file_sha256),
        created_by=uow.actor,
    )
    session.add(run)
    session.flush()

    cu, unit = CampaignUnit.__table__, Unit.__table__
    unit_id = dict(
        session.execute(
            select(unit.c.code, unit.c.id)
            .join(cu, cu.c.unit_id == unit.c.id)
            .where(cu.c.campaign_id == campaign.id)
        ).all()
    )
    rows = [_unit_result(run.id, unit_id[row["unit_id"]], row) for row in result_rows(result)]
    if rows:
        session.connection().execute(insert(UnitResult.__table__), rows)
    # 留痕: who scored which inputs with which method
    audit.record(
        uow,
        "campaign.score",
        "campaign",
        campaign.code,
        None,
        {
            "run_id": run.id,
            "method_version": run.method_version,
            "input_sha256": run.input_sha256,
            "replicates": run.replicates,
            "seed": run.seed,
        },
    )
    session.expire(run, ["results"])
    return run


def _unit_result(run_id: int, unit_id: int, row: dict[str, str]) -> dict[str, Any]:
    """A results.csv row as a unit_result row: typed headline columns and the row itself."""
    final = float(row["final_score"]) if row["final_score"] else None
    return {
        "run_id": run_id,
        "unit_id": unit_id,
        "final_score": None if final is None or math.isnan(final) else final,
        "rank": int(row["rank"]) if row["rank"] else None,
        "ranking_group": row["group"],
        "list_name": row["list"],
        "card": row["card"],
        "grade": row["grade"],
        "consecutive_unsatisfactory": row["consecutive_unsatisfactory"] == "true",
        "row": dict(row),
    }
