"""The scorer's arrays built from the database (db.score_arrays) are the reader's arrays of
the exported bundle, field for field, and a run scored from them is the offline scorer's.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import dataclasses
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from bench import generate_bundle
from db import demo
from db.bundle_io import _aggregated_columns, export_bundle, fetch_table, import_bundle
from db.models import Campaign, PhoneCase, ScoringRun, SurveyAnswer, SurveyResponse, Unit, UnitResult
from db.score_arrays import StoredBundle, read_back, stored_bundle
from db.uow import UnitOfWork
from scoring import BundleError
from scoring.cli import main as scoring_main
from services.scoring import input_sha256, score_stored_campaign
from tests.db.test_designed_campaign_bundle import admins, first_year  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"
MakeUow = Callable[..., UnitOfWork]
KEY = base64.b64encode(hashlib.sha256(b"score-arrays-test-key").digest()).decode()


def assert_same(ours: Any, theirs: Any, where: str = "inputs") -> None:
    """Equal in every field: arrays in dtype, shape and every value (NaN where NaN)."""
    if dataclasses.is_dataclass(ours) and not isinstance(ours, type):
        assert type(ours) is type(theirs), where
        for f in dataclasses.fields(ours):
            assert_same(getattr(ours, f.name), getattr(theirs, f.name), f"{where}.{f.name}")
    elif isinstance(ours, np.ndarray):
        assert isinstance(theirs, np.ndarray), where
        assert (ours.dtype, ours.shape) == (theirs.dtype, theirs.shape), where
        assert np.array_equal(ours, theirs, equal_nan=ours.dtype.kind == "f"), where
    elif isinstance(ours, dict):
        assert list(ours) == list(theirs), where
        for key in ours:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]")
    else:
        assert type(ours) is type(theirs) and ours == theirs, where


def both_ways(make_uow: MakeUow, code: str) -> tuple[StoredBundle, StoredBundle]:
    with make_uow() as uow:
        return stored_bundle(uow, code), read_back(uow, code)


def assert_equal_ways(make_uow: MakeUow, code: str) -> StoredBundle:
    ours, theirs = both_ways(make_uow, code)
    assert ours.from_rows and not theirs.from_rows
    assert ours.file_sha256 == theirs.file_sha256 and list(ours.file_sha256) == list(theirs.file_sha256)
    assert (ours.info, ours.params, ours.platform) == (theirs.info, theirs.params, theirs.platform)
    assert_same(ours.inputs, theirs.inputs)
    return ours


def import_dir(make_uow: MakeUow, path: Path) -> str:
    with make_uow() as uow:
        code = import_bundle(uow, path).code
        uow.commit()
    return code


@pytest.fixture
def small_campaign(make_uow: MakeUow, tmp_path: Path) -> str:
    out = tmp_path / "bundle"
    generate_bundle.generate(out, units=30, responses=1500, cases=600, seed=5)
    return import_dir(make_uow, out)


def test_the_arrays_of_a_generated_campaign_equal_the_readers_arrays_of_its_export(
    make_uow: MakeUow, small_campaign: str
) -> None:
    stored = assert_equal_ways(make_uow, small_campaign)
    assert stored.inputs.response_unit.size == 1500 and stored.inputs.case_unit.size == 600


def test_the_arrays_of_the_example_bundle_equal_the_readers_arrays(make_uow: MakeUow) -> None:
    assert_equal_ways(make_uow, import_dir(make_uow, EXAMPLE))


def test_the_demo_campaigns_arrays_equal_the_readers_arrays_of_their_exports(
    make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    with make_uow() as uow:
        demo.load_demo(uow, scale=0.1)
    with make_uow() as uow:
        codes = [c for (c,) in uow.session.execute(select(Campaign.code))]
    assert len(codes) >= 3
    for code in codes:  # the published years, the open one (no answers yet)
        assert_equal_ways(make_uow, code)


def test_a_designed_campaign_answered_through_the_survey_gives_the_readers_arrays(
    make_uow: MakeUow,
    first_year: tuple[str, int],  # noqa: F811
) -> None:
    code, _run = first_year
    assert_equal_ways(make_uow, code)


def offline(make_uow: MakeUow, code: str, tmp_path: Path, replicates: int) -> tuple[Path, Path]:
    bundle, out = tmp_path / "export", tmp_path / "results"
    with make_uow() as uow:
        export_bundle(uow, code, bundle)
    with contextlib.redirect_stdout(io.StringIO()):
        assert scoring_main(["score", str(bundle), "--out", str(out), "--replicates", str(replicates)]) == 0
    return bundle, out


def test_a_run_from_the_arrays_is_the_offline_scorers_run_on_the_export(
    make_uow: MakeUow, small_campaign: str, tmp_path: Path
) -> None:
    with make_uow("scorer") as uow:
        run_id = score_stored_campaign(uow, small_campaign, replicates=40).id
        uow.commit()
    bundle, out = offline(make_uow, small_campaign, tmp_path, 40)
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in bundle.iterdir()}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    with (out / "results.csv").open(encoding="utf-8", newline="") as fh:
        expected = list(csv.DictReader(fh))
    with make_uow() as uow:
        run = uow.session.get(ScoringRun, run_id)
        assert run is not None
        assert run.input_sha256 == input_sha256(hashes)
        assert run.summary == summary
        rows = uow.session.execute(
            select(Unit.code, UnitResult.row)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.run_id == run_id)
            .order_by(UnitResult.id)
        ).all()
    assert [code for code, _ in rows] == [r["unit_id"] for r in expected]
    assert [row for _, row in rows] == expected


def defects(exc: BundleError) -> list[tuple[Any, ...]]:
    return [(d.file, d.line, d.column, d.message) for d in exc.defects]


def assert_same_refusal(make_uow: MakeUow, code: str, change: Callable[[UnitOfWork], None]) -> None:
    """After ``change`` (not committed), both ways refuse with the reader's very defects."""
    with make_uow() as uow:
        change(uow)
        with pytest.raises(BundleError) as ours:
            stored_bundle(uow, code)
        with pytest.raises(BundleError) as theirs:
            read_back(uow, code)
    assert defects(ours.value) == defects(theirs.value) and defects(ours.value)


def test_values_the_platform_never_writes_are_refused_with_the_readers_defects(
    make_uow: MakeUow, small_campaign: str
) -> None:
    def first_response(uow: UnitOfWork) -> int:
        return uow.session.scalars(select(SurveyResponse.id).order_by(SurveyResponse.id).limit(1)).one()

    def bad_status(uow: UnitOfWork) -> None:
        uow.session.execute(
            update(SurveyResponse).where(SurveyResponse.id == first_response(uow)).values(status="lost")
        )

    def formula_channel(uow: UnitOfWork) -> None:
        uow.session.execute(
            update(SurveyResponse).where(SurveyResponse.id == first_response(uow)).values(channel="=1+1")
        )

    def unknown_option(uow: UnitOfWork) -> None:
        answer = uow.session.scalars(select(SurveyAnswer.id).order_by(SurveyAnswer.id.desc()).limit(1)).one()
        uow.session.execute(update(SurveyAnswer).where(SurveyAnswer.id == answer).values(option_code="maybe"))

    def open_case(uow: UnitOfWork) -> None:  # called twice, no final disposition yet
        case = uow.session.scalars(select(PhoneCase.id).limit(1)).one()
        uow.session.execute(update(PhoneCase).where(PhoneCase.id == case).values(disposition="", attempts=2))

    for change in (bad_status, formula_channel, unknown_option, open_case):
        assert_same_refusal(make_uow, small_campaign, change)


TEXT = st.text(alphabet=st.sampled_from(list("ab中 ,\"'=-@\t\n;|")), max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channel=TEXT, age_band=TEXT, code=TEXT)
def test_any_stored_text_gives_the_readers_arrays_or_the_readers_defects(
    make_uow: MakeUow, small_campaign: str, channel: str, age_band: str, code: str
) -> None:
    """Whatever text a response holds (quotes, commas, line breaks, formula signs, spaces),
    the arrays from the rows are the reader's, or both refuse with the same defects."""
    with make_uow() as uow:
        first = uow.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id).limit(1)).one()
        first.channel = channel
        first.attributes = {**first.attributes, "age_band": age_band}
        if code.strip():
            first.code = code
        uow.session.flush()
        try:
            ours = stored_bundle(uow, small_campaign)
        except BundleError as exc:
            with pytest.raises(BundleError) as theirs:
                read_back(uow, small_campaign)
            assert defects(exc) == defects(theirs.value)
            return
        theirs_bundle = read_back(uow, small_campaign)
    assert ours.file_sha256 == theirs_bundle.file_sha256
    assert_same(ours.inputs, theirs_bundle.inputs)


def test_whole_columns_read_every_text_as_stored_with_null_as_empty(
    make_uow: MakeUow, small_campaign: str
) -> None:
    """fetch_table gives the rows a plain query gives (NULL as an empty text), whatever the
    texts hold: by one aggregated text per column, or quoted rows when a text holds the
    separator."""
    resp = SurveyResponse.__table__
    odd = ["", None, "a\nb", "逗,号", "'q'\"", "NULL", "", None]
    query = select(resp.c.id, resp.c.code, resp.c.respondent_hash, resp.c.unit_id)
    with make_uow() as uow:
        ids = uow.session.scalars(select(resp.c.id).order_by(resp.c.id).limit(len(odd))).all()
        for rid, value in zip(ids, odd, strict=True):
            uow.session.execute(update(resp).where(resp.c.id == rid).values(respondent_hash=value))
        conn = uow.session.connection()
        for cut in (1, len(odd)):  # the first rows only: the separator is in none of them
            stmt = query.where(resp.c.id <= ids[cut - 1])
            expected = sorted((r[0], r[1], r[2] or "", r[3]) for r in conn.execute(stmt).all())
            s, i = pa.string(), pa.int64()
            columns = fetch_table(conn, stmt, (i, s, s, i))
            assert sorted(zip(*(c.to_pylist() for c in columns), strict=True)) == expected
            # an ordered statement is read as it is, in its order
            ordered = fetch_table(conn, stmt.order_by(resp.c.id.desc()), (i, s, s, i))
            assert list(zip(*(c.to_pylist() for c in ordered), strict=True)) == expected[::-1]
            by_column = _aggregated_columns(conn, stmt, (i, s, s, i))
            # a text with a line break goes the quoted way
            assert (by_column is None) == (cut == len(odd))


def test_whole_columns_of_no_rows_are_empty(make_uow: MakeUow, small_campaign: str) -> None:
    resp = SurveyResponse.__table__
    with make_uow() as uow:
        columns = fetch_table(
            uow.session.connection(),
            select(resp.c.id, resp.c.code).where(resp.c.id < 0),
            (pa.int64(), pa.string()),
        )
    assert [len(c) for c in columns] == [0, 0] and columns[1].type == pa.string()


def test_a_run_scored_beside_the_hashing_uses_the_readers_arrays_when_the_bytes_show_an_unusual_value(
    make_uow: MakeUow, small_campaign: str
) -> None:
    """The engine scores the rows' arrays while the files are hashed; when the bytes then
    show a value the rows could not vouch for (here a line break inside a channel), the
    run is scored again from the reader's arrays, or refused with the reader's defects."""
    with make_uow("scorer") as uow:
        first = uow.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id).limit(1)).one()
        first.channel = "web\nphone"
        uow.session.flush()
        try:
            expected = read_back(uow, small_campaign)
        except BundleError as exc:
            with pytest.raises(BundleError) as ours:
                score_stored_campaign(uow, small_campaign, replicates=0)
            assert defects(ours.value) == defects(exc)
            return
        run = score_stored_campaign(uow, small_campaign, replicates=0)
        assert run.input_sha256 == input_sha256(expected.file_sha256)
