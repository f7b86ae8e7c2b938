"""Scoring a stored campaign (计分): the offline scorer's own functions, on the database's data.

The campaign's arrays are built straight from the database's rows
(:func:`db.score_arrays.stored_bundle`: equal, field for field, to what
:func:`scoring.load_bundle` reads from the campaign's exported bundle) and scored with
exactly what ``python -m scoring score`` runs (:func:`scoring.score_campaign`), so there
is no second implementation of the method. The run is stored with its method version and
the SHA-256 of its input bundle (hashed from the very bytes an export writes), so that
anyone holding the published bundle can check and recompute it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, insert, select

from db import audit
from db.bundle_io import UnknownCampaign, export_files, find_campaign
from db.models import (
    Appeal,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Publication,
    ScoringRun,
    Unit,
    UnitResult,
)
from db.score_arrays import PendingBundle, StoredBundle, start_stored_bundle, stored_bundle
from db.uow import UnitOfWork
from scoring import BundleError, MethodParams, parse_campaign_toml, score_campaign
from scoring.engine import CampaignResult
from scoring.funnel import pooled_within_sd
from scoring.items import response_scores
from scoring.output import result_rows, summary
from scoring.params import COMPONENTS, replicates_problem
from scoring.sensitivity import DEFAULT_STEPS, Sensitivity, weight_sensitivity
from services.clock import as_utc
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require


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
    so ``unzip`` then ``python -m scoring score <code> --out results`` recomputes it.
    The export's files go straight into the zip: the bytes ``export_bundle`` would write."""
    files: dict[str, bytes] = {}
    export_files(uow, campaign_code, files.__setitem__)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{campaign_code}/{name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files.pop(name))  # each file's bytes freed once zipped
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
    problem = None if replicates is None else replicates_problem(replicates)
    if problem is not None:
        # the offline scorer's cap and words: a mistyped count must not exhaust memory
        raise ValueError(f"replicates {replicates} {problem}")
    campaign = find_campaign(uow, campaign_code)

    def scored(bundle: StoredBundle | PendingBundle) -> tuple[MethodParams, CampaignResult]:
        params = bundle.params
        if replicates is not None:
            params = dataclasses.replace(params, replicates=replicates)
        return params, score_campaign(bundle.inputs, params, year=bundle.info.year, threads=threads)

    # = load_bundle of the export, without the files; the files' bytes and hashes are made
    # on a thread while the engine scores the arrays
    pending = start_stored_bundle(uow, campaign_code)
    failure: Exception | None = None
    try:
        params, result = scored(pending)
    except Exception as exc:  # judged below: the arrays may be ones the reader replaces
        failure = exc
    bundle = pending.finish()
    if bundle.inputs is not pending.inputs:
        # the bytes held a value the rows could not vouch for: the reader's arrays decide
        params, result = scored(bundle)
    elif failure is not None:
        raise failure

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


# ---------------------------------------------------------------------------------------
# The scoring page (app_pages/scoring.py): running the engine as a signed-in admin, reading
# runs back, and analyses of the current inputs (funnel spread, weight sensitivity).
# Every function checks Permission.score itself, so no page is trusted with the rule.

# Scoring may run while fieldwork is open (a preview: which units still lack answers) and
# in scoring; in review a new run would silently invalidate a publication request (the
# way back is return_to_scoring), and a published result changes only through an appeal.
RUNNABLE_STATUSES: Final = ("fieldwork", "scoring")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One stored scoring run, without its results."""

    id: int
    created_at: datetime
    created_by: str
    method_version: str
    input_sha256: str
    replicates: int
    seed: int


@dataclass(frozen=True, slots=True)
class RunView:
    """A run's results.csv rows (in the order of units.csv) with the method's eligibility
    thresholds and component weights (read from the campaign's current campaign.toml)."""

    run: RunInfo
    rows: tuple[dict[str, str], ...]
    min_survey: int
    min_phone: int
    component_weights: dict[str, float]

    @property
    def uses_phone(self) -> bool:
        return self.component_weights.get("phone", 0.0) > 0

    @property
    def uses_bigdata(self) -> bool:
        return self.component_weights.get("bigdata", 0.0) > 0


@dataclass(frozen=True, slots=True)
class PublicationInfo:
    id: int
    run_id: int
    requested_by: str
    approved_by: str | None
    snapshot_sha256: str
    bundle_sha256: str
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class ScoringState:
    """Where a campaign stands for scoring and publishing."""

    code: str
    name: str
    year: int
    status: str
    notice_days: int
    notice_ends_at: datetime | None
    default_replicates: int
    latest_run_id: int | None
    pending: PublicationInfo | None  # requested, waiting for a second admin
    published: PublicationInfo | None  # the latest approved publication
    open_appeals: int


@dataclass(frozen=True, slots=True)
class BundleAnalysis:
    """Analyses of the campaign's current inputs: the pooled within-unit spread of survey
    response scores (σ of the funnel plot) and the lists' sensitivity to the weights.
    ``input_sha256`` tells whether these inputs are the ones a run scored."""

    input_sha256: str
    survey_sd: float
    sensitivity: Sensitivity | None


def _campaign(uow: UnitOfWork, campaign_code: str) -> Campaign:
    """The campaign, or NotFound (a service error the pages know how to show)."""
    try:
        return find_campaign(uow, campaign_code)
    except UnknownCampaign as exc:
        raise NotFound(str(exc)) from exc


def _run_info(run: ScoringRun) -> RunInfo:
    return RunInfo(
        id=run.id,
        created_at=as_utc(run.created_at),
        created_by=run.created_by,
        method_version=run.method_version,
        input_sha256=run.input_sha256,
        replicates=run.replicates,
        seed=run.seed,
    )


def _method_params(campaign: Campaign) -> MethodParams:
    """The campaign's parameters; defaults where its campaign.toml is unreadable (the run
    itself would have refused such a file)."""
    _info, params, _defects = parse_campaign_toml(campaign.method_toml)
    return params


def _publication_info(p: Publication) -> PublicationInfo:
    return PublicationInfo(
        id=p.id,
        run_id=p.run_id,
        requested_by=p.requested_by,
        approved_by=p.approved_by,
        snapshot_sha256=p.snapshot_sha256,
        bundle_sha256=p.bundle_sha256,
        published_at=as_utc(p.published_at) if p.published_at else None,
    )


def scoring_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[dict[str, Any]]:
    """Every campaign, newest first: ``[{"code", "name", "year", "status"}]``."""
    require(user, Permission.score)
    with uow:
        campaigns = uow.session.execute(
            select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())
        ).scalars()
        return [
            {"code": c.code, "name": c.name, "year": c.year, "status": CampaignStatus(c.status).value}
            for c in campaigns
        ]


def scoring_state(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> ScoringState:
    """The campaign's status, runs and publication, for the lifecycle buttons."""
    require(user, Permission.score)
    with uow:
        session = uow.session
        campaign = _campaign(uow, campaign_code)
        latest = session.execute(
            select(func.max(ScoringRun.id)).where(ScoringRun.campaign_id == campaign.id)
        ).scalar()
        publications = session.execute(
            select(Publication).where(Publication.campaign_id == campaign.id).order_by(Publication.id.desc())
        ).scalars()
        pending = published = None
        for p in publications:
            if p.approved_by is None and pending is None:
                pending = _publication_info(p)
            elif p.approved_by is not None and published is None:
                published = _publication_info(p)
        open_appeals = session.execute(
            select(func.count()).where(Appeal.campaign_id == campaign.id, Appeal.status == "open")
        ).scalar()
        return ScoringState(
            code=campaign.code,
            name=campaign.name,
            year=campaign.year,
            status=CampaignStatus(campaign.status).value,
            notice_days=campaign.notice_days,
            notice_ends_at=as_utc(campaign.notice_ends_at) if campaign.notice_ends_at else None,
            default_replicates=_method_params(campaign).replicates,
            latest_run_id=latest,
            pending=pending,
            published=published,
            open_appeals=int(open_appeals or 0),
        )


def run_scoring(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, replicates: int | None = None
) -> RunInfo:
    """Score the campaign as ``user`` (:func:`score_stored_campaign`, audited under their
    name) and commit. Only in fieldwork (a preview) or scoring.

    Raises
    ------
    services.permissions.PermissionDenied
        The user may not score.
    services.errors.NotFound, services.errors.Refused
        No such campaign; it is not in fieldwork or scoring; its data do not form a valid
        bundle (the bundle's own defect messages are given).
    """
    actor = require(user, Permission.score)
    with uow:
        uow.actor = actor.username
        campaign = _campaign(uow, campaign_code)
        status = CampaignStatus(campaign.status).value
        if status not in RUNNABLE_STATUSES:
            raise Refused(
                f"cannot score campaign {campaign.code}: it is {status}, scoring runs in "
                f"{' or '.join(RUNNABLE_STATUSES)}"
            )
        try:
            run = score_stored_campaign(uow, campaign_code, replicates=replicates)
        except BundleError as exc:
            raise Refused(f"cannot score campaign {campaign.code}: {exc}") from exc
        info = _run_info(run)
        uow.commit()
        return info


def list_runs(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[RunInfo]:
    """The campaign's scoring runs, newest first."""
    require(user, Permission.score)
    with uow:
        campaign = _campaign(uow, campaign_code)
        runs = uow.session.execute(
            select(ScoringRun).where(ScoringRun.campaign_id == campaign.id).order_by(ScoringRun.id.desc())
        ).scalars()
        return [_run_info(r) for r in runs]


def run_rows(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, run_id: int | None = None
) -> RunView | None:
    """The results of run ``run_id`` (default: the latest) of the campaign; None when it
    has no run. NotFound for a run of another campaign."""
    require(user, Permission.score)
    with uow:
        session = uow.session
        campaign = _campaign(uow, campaign_code)
        query = select(ScoringRun).where(ScoringRun.campaign_id == campaign.id)
        query = (
            query.where(ScoringRun.id == run_id)
            if run_id is not None
            else query.order_by(ScoringRun.id.desc()).limit(1)
        )
        run = session.execute(query).scalar()
        if run is None:
            if run_id is None:
                return None
            raise NotFound(f"campaign {campaign_code} has no scoring run {run_id}")
        rows = session.execute(
            select(UnitResult.row)
            .join(
                CampaignUnit,
                (CampaignUnit.unit_id == UnitResult.unit_id) & (CampaignUnit.campaign_id == campaign.id),
            )
            .where(UnitResult.run_id == run.id)
            .order_by(CampaignUnit.position)
        ).scalars()
        params = _method_params(campaign)
        return RunView(
            run=_run_info(run),
            rows=tuple({k: "" if v is None else str(v) for k, v in row.items()} for row in rows),
            min_survey=params.min_survey,
            min_phone=params.min_phone,
            component_weights={c: float(params.component_weights.get(c, 0.0)) for c in COMPONENTS},
        )


def analyse_inputs(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    sensitivity_steps: Sequence[float] | None = DEFAULT_STEPS,
) -> BundleAnalysis:
    """Read the campaign's current inputs as its bundle's arrays and analyse them with the
    scoring package's pure functions: the funnel plot's σ (:func:`scoring.funnel.pooled_within_sd`
    over the valid survey responses) and, unless ``sensitivity_steps`` is None, the
    lists' weight sensitivity (:func:`scoring.sensitivity.weight_sensitivity`)."""
    require(user, Permission.score)
    with uow:
        _campaign(uow, campaign_code)
        try:
            bundle = stored_bundle(uow, campaign_code)
        except BundleError as exc:
            raise Refused(f"cannot analyse campaign {campaign_code}: {exc}") from exc
    inputs = bundle.inputs
    responses = response_scores(inputs.survey_answers, inputs.response_unit.shape[0])
    valid = inputs.response_valid_status & responses.has_score
    spread = pooled_within_sd(responses.score, inputs.response_unit, valid, inputs.n_units)
    analysis = (
        None
        if sensitivity_steps is None
        else weight_sensitivity(inputs, bundle.params, year=bundle.info.year, steps=sensitivity_steps)
    )
    return BundleAnalysis(input_sha256(bundle.file_sha256), spread, analysis)
