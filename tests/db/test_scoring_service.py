"""Scoring a stored campaign (services.scoring) is the offline scorer, run on the export.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bench import generate_bundle
from db.bundle_io import UnknownCampaign, export_bundle, import_bundle
from db.models import Adjustment, AuditEntry, Campaign, ScoringRun, Unit, UnitResult
from db.uow import UnitOfWork
from scoring import METHOD_VERSION
from scoring.cli import main as scoring_main
from services.scoring import input_sha256, score_stored_campaign

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"
MakeUow = Callable[..., UnitOfWork]
SMALL = {"units": 40, "responses": 3000, "cases": 1600, "seed": 11}
REPLICATES = 60


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "bundle"
    generate_bundle.generate(out, **SMALL)
    return out


def import_dir(make_uow: MakeUow, path: Path) -> str:
    with make_uow() as uow:
        code = import_bundle(uow, path).code
        uow.commit()
    return code


def score_stored(make_uow: MakeUow, code: str, actor: str = "scorer1", **kwargs: int) -> int:
    with make_uow(actor) as uow:
        run = score_stored_campaign(uow, code, **kwargs)
        uow.commit()
        return run.id


def offline(make_uow: MakeUow, code: str, tmp_path: Path, replicates: int | None) -> Path:
    """Export the campaign and score the export with ``python -m scoring score``."""
    bundle, out = tmp_path / "export", tmp_path / "results"
    with make_uow() as uow:
        export_bundle(uow, code, bundle)
    args = ["score", str(bundle), "--out", str(out)]
    if replicates is not None:
        args += ["--replicates", str(replicates)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert scoring_main(args) == 0
    return out


@dataclass(frozen=True)
class Stored:
    """A stored unit_result, copied out of its session."""

    row: dict[str, str]
    final_score: float | None
    rank: int | None
    ranking_group: str
    list_name: str
    card: str
    grade: str
    consecutive_unsatisfactory: bool


def stored_rows(make_uow: MakeUow, run_id: int) -> list[tuple[str, Stored]]:
    """(unit code, result) of a run, in the order the results were stored."""
    with make_uow() as uow:
        rows = uow.session.execute(
            select(Unit.code, UnitResult)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.run_id == run_id)
            .order_by(UnitResult.id)
        ).all()
        fields = [f.name for f in dataclasses.fields(Stored)]
        return [(code, Stored(**{f: getattr(r, f) for f in fields})) for code, r in rows]


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_stored_results_equal_the_offline_scorer_field_for_field(
    make_uow: MakeUow, small_bundle: Path, tmp_path: Path
) -> None:
    code = import_dir(make_uow, small_bundle)
    run_id = score_stored(make_uow, code, replicates=REPLICATES)
    out = offline(make_uow, code, tmp_path, REPLICATES)
    with (out / "results.csv").open(encoding="utf-8", newline="") as fh:
        expected = list(csv.DictReader(fh))
    stored = stored_rows(make_uow, run_id)
    assert [unit for unit, _ in stored] == [row["unit_id"] for row in expected]  # units.csv order
    for (unit, result), row in zip(stored, expected, strict=True):
        assert result.row == row, unit
        assert result.ranking_group == row["group"]
        assert result.list_name == row["list"]
        assert result.card == row["card"]
        assert result.grade == row["grade"]
        assert result.rank == (int(row["rank"]) if row["rank"] else None)
        assert result.final_score == (float(row["final_score"]) if row["final_score"] else None)
        assert result.consecutive_unsatisfactory == (row["consecutive_unsatisfactory"] == "true")
    assert any(r.rank for _, r in stored) and any(r.list_name == "worst" for _, r in stored)


def test_the_run_records_method_version_input_hash_and_who_ran_it(make_uow: MakeUow, tmp_path: Path) -> None:
    code = import_dir(make_uow, EXAMPLE)
    run_id = score_stored(make_uow, code, actor="admin7")
    out = offline(make_uow, code, tmp_path, None)
    hashes = file_hashes(tmp_path / "export")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    with make_uow() as uow:
        run = uow.session.get(ScoringRun, run_id)
        assert run is not None
        assert run.method_version == METHOD_VERSION == "1"
        assert run.input_sha256 == input_sha256(hashes)
        assert run.summary["input_sha256"] == hashes
        assert run.summary == summary
        assert (run.replicates, run.seed) == (200, summary["seed"])  # [uncertainty] of the example
        assert run.created_by == "admin7"
        campaign = uow.session.get(Campaign, run.campaign_id)
        assert campaign is not None and campaign.code == code
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.score")).one()
        assert (entry.actor, entry.after["run_id"]) == ("admin7", run_id)


def test_input_hash_is_over_sorted_file_hashes() -> None:
    a = {"units.csv": "1" * 64, "campaign.toml": "2" * 64}
    assert input_sha256(a) == input_sha256(dict(reversed(list(a.items()))))
    assert (
        input_sha256(a)
        == hashlib.sha256(f"campaign.toml  {'2' * 64}\nunits.csv  {'1' * 64}\n".encode()).hexdigest()
    )
    assert input_sha256(a) != input_sha256({**a, "units.csv": "3" * 64})


def test_rescoring_identical_data_gives_the_same_hash_and_changed_data_another(make_uow: MakeUow) -> None:
    code = import_dir(make_uow, EXAMPLE)
    first = score_stored(make_uow, code, replicates=30)
    second = score_stored(make_uow, code, replicates=30)
    with make_uow() as uow:
        runs = {r.id: r for r in uow.session.scalars(select(ScoringRun))}
        assert runs[first].input_sha256 == runs[second].input_sha256
        campaign_id = runs[first].campaign_id
        unit_id = uow.session.scalars(select(Unit.id).where(Unit.code == "W1")).one()
        uow.session.add(
            Adjustment(campaign_id=campaign_id, unit_id=unit_id, kind="deduction", points=4, position=9)
        )
        uow.commit()
    assert [r.row for _, r in stored_rows(make_uow, first)] == [
        r.row for _, r in stored_rows(make_uow, second)
    ]
    third = score_stored(make_uow, code, replicates=30)
    with make_uow() as uow:
        changed = uow.session.get(ScoringRun, third)
        assert changed is not None and changed.input_sha256 != runs[first].input_sha256
    w1 = {unit: r.row for unit, r in stored_rows(make_uow, third)}["W1"]
    assert float(w1["deduction"]) == 4.0


def test_replicates_override_the_campaign(make_uow: MakeUow) -> None:
    code = import_dir(make_uow, EXAMPLE)
    run_id = score_stored(make_uow, code, replicates=0)
    with make_uow() as uow:
        run = uow.session.get(ScoringRun, run_id)
        assert run is not None and run.replicates == 0
    rows = [r.row for _, r in stored_rows(make_uow, run_id)]
    assert all(row["final_ci_low"] == "" and row["robust_worst"] == "false" for row in rows)
    with make_uow() as uow, pytest.raises(ValueError):
        score_stored_campaign(uow, code, replicates=-1)
    # the offline scorer's cap: a mistyped count is refused before any memory is taken
    with make_uow() as uow, pytest.raises(ValueError, match="10,000 replicates allowed"):
        score_stored_campaign(uow, code, replicates=2_000_000_000)


def test_an_unknown_campaign_is_refused(make_uow: MakeUow) -> None:
    with make_uow() as uow, pytest.raises(UnknownCampaign):
        score_stored_campaign(uow, "no-such-campaign")
