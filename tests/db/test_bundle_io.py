"""Bundle import and export (db.bundle_io, ``python -m db import-bundle / export-bundle``).

The round trip is judged by the offline scorer: scoring the original bundle and scoring
the database's export of it must give byte-identical results.csv and fieldwork.csv.
Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.engine import make_url

from bench import generate_bundle
from db import bundle_io
from db.bundle_io import CampaignExists, UnknownCampaign, export_bundle, import_bundle
from db.cli import main as db_main
from db.engine import dispose_all, get_engine
from db.models import (
    Adjustment,
    Base,
    Caller,
    Campaign,
    CampaignUnit,
    FrameEntry,
    HistoryEntry,
    Item,
    PhoneCase,
    RespondentGroup,
    SamplingFrame,
    Scale,
    SurveyResponse,
    Unit,
    UnitResult,
)
from db.uow import UnitOfWork
from scoring import BundleError, load_bundle
from scoring.cli import main as scoring_main
from services.scoring import score_stored_campaign
from tests.scoring.bundlekit import Bundle, to_toml
from tests.scoring.crafted import CASES, FORMULAS, LABEL_COLUMNS, SECRET, Crafted, base_bundle, label_case

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"
MakeUow = Callable[..., UnitOfWork]
SMALL = {"units": 40, "responses": 3000, "cases": 1600, "seed": 7}
# Big enough that importing takes well over a second on either backend.
BIG = {"units": 150, "responses": 100_000, "cases": 15_000, "seed": 5, "replicates": 0}


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "bundle"
    generate_bundle.generate(out, **SMALL)
    return out


# ---------------------------------------------------------------------------- helpers


def import_dir(make_uow: MakeUow, path: Path, counts: dict[str, int] | None = None) -> str:
    with make_uow() as uow:
        campaign = import_bundle(uow, path, counts=counts)
        uow.commit()
        return campaign.code


def export_dir(make_uow: MakeUow, code: str, out: Path) -> dict[str, int]:
    with make_uow() as uow:
        return export_bundle(uow, code, out)


def score(bundle: Path, out: Path, replicates: int | None = None) -> Path:
    """``python -m scoring score`` (in-process); the results folder."""
    args = ["score", str(bundle), "--out", str(out)]
    if replicates is not None:
        args += ["--replicates", str(replicates)]
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = scoring_main(args)
    assert code == 0, err.getvalue()
    return out


def assert_same_results(a: Path, b: Path) -> None:
    for name in ("results.csv", "fieldwork.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def row_counts(database_url: str) -> dict[str, int]:
    """Rows in every table of the model."""
    with get_engine(database_url).connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def with_campaign_id(src: Path, dst: Path, new_id: str, year: int | None = None) -> Path:
    """A copy of a bundle under another ``[campaign] id`` (and year)."""
    shutil.copytree(src, dst)
    toml = (dst / "campaign.toml").read_text(encoding="utf-8")
    lines = []
    for line in toml.splitlines(keepends=True):
        if line.startswith("id = "):
            line = f'id = "{new_id}"\n'
        elif year is not None and line.startswith("year = "):
            line = f"year = {year}\n"
        lines.append(line)
    (dst / "campaign.toml").write_text("".join(lines), encoding="utf-8")
    return dst


def rich_bundle() -> Bundle:
    """A small bundle with one of everything the format allows: its own scales.csv (with a
    don't-know option), sat3 built in beside it, GBK text, quoted names with commas, quotes
    and line breaks, empty statuses, raking and extra respondent columns with gaps, a case
    without caller, a target indicator, a veto without points, history, a child unit
    listed before its parent, a unit without head, a number with a leading space."""
    b = Bundle()
    b.set("campaign.id", "rich-2018")
    b.set("campaign.series", "rich")
    b.set("campaign.year", 2018)
    b.components(0.6, 0.2, 0.2)
    b.set("weights.groups", {"citizen": 0.7, "service_recipient": 0.3})
    b.set("eligibility.min_phone", 1)
    b.set("weighting.margins.sex", {"male": 0.5, "female": 0.5})
    b.set("ranking.top_n", 1)
    b.set("uncertainty.replicates", 60)
    b.unit("K1", "grassroots", name='派出所 "东区", 一所\n(新址)', head_name="王强")
    b.unit("P1", "grassroots", name="派出所总部", head_name="")
    b.unit("K2", "grassroots", name="第二派出所")
    b.unit("W1", "window", name="政务服务中心窗口")
    b.unit("W2", "window", name="社保窗口")
    b.units[0]["parent_id"] = "P1"  # the parent comes later in the file
    b.scale("five", {"v_good": 100, "good": 75, "fair": 50, "poor": 0, "unsure": None})
    b.item("survey", "q2", scale_id="five", weight=2)
    b.items[-1].update(text_en="service, overall", weight=" 2")  # arrow refuses " 2", the scorer reads it
    b.item("phone", "p2", scale_id="five", weight=None)
    codes = ["satisfied", "basically_satisfied", "dissatisfied", "dont_know"]
    five = ["v_good", "good", "fair", "poor", "unsure"]
    for k in range(60):
        unit = ["K1", "P1", "K2", "W1", "W2"][k % 5]
        status = [None, "valid", "valid", "duplicate", "valid", "quarantined"][k % 6]
        b.response(
            unit,
            {"q1": codes[(k * 7) % 4], "q2": five[(k * 3) % 5]},
            group=["citizen", "service_recipient", "deputy"][k % 3],
            status=status,
            sex=["male", "female", ""][k % 3],
            district=["江岸区", "", "江汉区"][k % 3],
        )
    for k in range(30):
        unit = ["K1", "P1", "K2", "W1", "W2"][k % 5]
        disposition = ["1.1", "1.1", "1.2", "2.11", "4.31", "3.21"][k % 6]
        answers = {"p1": codes[k % 3], "p2": five[k % 4]} if disposition.startswith("1.") else None
        b.case(unit, disposition, answers, caller_id=None if k % 6 == 4 else f"k{k % 3}")
    b.indicator("closure", "higher", 0.6)
    b.indicator("complaints", "lower", 0.4, method="target", floor=10, target=2)
    for k, unit in enumerate(["K1", "P1", "K2", "W1", "W2"]):
        b.value(unit, "closure", 0.8 + k / 50)
        if unit != "W2":
            b.value(unit, "complaints", 3 + k)
    b.adjustment("K1", "bonus", 3, reason="拼搏目标, 完成")
    b.adjustment("K1", "bonus", 4, reason='"双创"')
    b.adjustment("W1", "deduction", 2.5)
    b.adjustment("K2", "veto", None, reason="一票否决")
    b.past("W2", 2017, True)
    b.past("K2", 2017, "false")
    return b


# ---------------------------------------------------------------------------- round trip


def test_the_worked_example_round_trips_to_identical_results(make_uow: MakeUow, tmp_path: Path) -> None:
    code = import_dir(make_uow, EXAMPLE)
    written = export_dir(make_uow, code, tmp_path / "export")
    assert "scales.csv" not in written  # the example relies on the built-in sat3 scale
    original = score(EXAMPLE, tmp_path / "r-original")
    exported = score(tmp_path / "export", tmp_path / "r-export")
    assert_same_results(original, exported)
    for name in written:
        assert len(read_csv(tmp_path / "export" / name)[1]) == len(read_csv(EXAMPLE / name)[1]), name
    assert (tmp_path / "export" / "campaign.toml").read_bytes() == (EXAMPLE / "campaign.toml").read_bytes()


def test_a_generated_bundle_round_trips_to_identical_results(
    make_uow: MakeUow, small_bundle: Path, tmp_path: Path
) -> None:
    counts: dict[str, int] = {}
    code = import_dir(make_uow, small_bundle, counts)
    assert counts["survey_response"] == SMALL["responses"]
    assert counts["phone_case"] == SMALL["cases"]
    export_dir(make_uow, code, tmp_path / "export")
    for name in sorted(p.name for p in small_bundle.iterdir()):
        assert (tmp_path / "export" / name).exists(), name
    original = score(small_bundle, tmp_path / "r-original", replicates=100)
    exported = score(tmp_path / "export", tmp_path / "r-export", replicates=100)
    assert_same_results(original, exported)


def test_every_kind_of_row_round_trips_and_a_second_export_is_byte_identical(
    make_uow: MakeUow, tmp_path: Path
) -> None:
    source = rich_bundle().write(tmp_path / "rich", encodings={"units.csv": "gbk", "adjustments.csv": "gbk"})
    code = import_dir(make_uow, source)
    first = tmp_path / "first"
    written = export_dir(make_uow, code, first)
    assert_same_results(score(source, tmp_path / "r1"), score(first, tmp_path / "r2"))

    # scales.csv comes back as it was: the file's options only, not the built-in sat3
    _, scales = read_csv(first / "scales.csv")
    assert [(r["scale_id"], r["code"], r["score"]) for r in scales] == [
        ("five", "v_good", "100"),
        ("five", "good", "75"),
        ("five", "fair", "50"),
        ("five", "poor", "0"),
        ("five", "unsure", ""),
    ]
    header, responses = read_csv(first / "survey_responses.csv")
    assert header == [*bundle_io.RESPONSE_COLUMNS, "sex", "district"]
    assert [r["sex"] for r in responses[:3]] == ["male", "female", ""]
    _, units = read_csv(first / "units.csv")
    assert units[0]["name"] == '派出所 "东区", 一所\n(新址)'
    assert units[0]["parent_id"] == "P1"
    assert written["adjustments.csv"] == 4

    # Importing the export (as another campaign) and exporting again changes no byte.
    again = with_campaign_id(first, tmp_path / "again", "rich-2018-copy")
    import_dir(make_uow, again)
    second = tmp_path / "second"
    export_dir(make_uow, "rich-2018-copy", second)
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        if path.name != "campaign.toml":
            assert (second / path.name).read_bytes() == path.read_bytes(), path.name


def test_imported_rows_land_where_the_model_expects_them(make_uow: MakeUow, tmp_path: Path) -> None:
    source = rich_bundle().write(tmp_path / "rich")
    import_dir(make_uow, source)
    with make_uow() as uow:
        s = uow.session
        campaign = s.scalars(select(Campaign)).one()
        assert (campaign.code, campaign.year, campaign.series.code) == ("rich-2018", 2018, "rich")
        assert campaign.method_toml == (source / "campaign.toml").read_text(encoding="utf-8")
        order = s.execute(
            select(Unit.code, CampaignUnit.head_name, CampaignUnit.parent_code)
            .join(CampaignUnit.unit)
            .order_by(CampaignUnit.position)
        ).all()
        assert [tuple(r) for r in order] == [
            ("K1", "王强", "P1"),
            ("P1", "", ""),
            ("K2", "负责人K2", ""),
            ("W1", "负责人W1", ""),
            ("W2", "负责人W2", ""),
        ]
        units = {u.code: u for u in s.scalars(select(Unit))}
        assert units["K1"].parent_id == units["P1"].id  # linked although the parent came later
        first = s.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).first()
        assert first is not None
        assert first.status == "valid"  # an empty status means valid (bundle.md)
        assert first.attributes == {"sex": "male", "district": "江岸区"}
        builtin = s.scalars(select(Scale.builtin).where(Scale.code == "sat3")).all()
        assert builtin == [True]  # sat3 is built in here, not from scales.csv
        weights = dict(s.execute(select(Item.code, Item.weight)).all())
        assert weights == {"q1": 1.0, "p1": 1.0, "q2": 2.0, "p2": 1.0}
        no_caller = s.scalars(select(PhoneCase).where(PhoneCase.disposition == "4.31")).all()
        assert no_caller and all(c.caller_id is None for c in no_caller)
        assert sorted(s.scalars(select(Caller.code))) == ["k0", "k1", "k2"]
        veto = s.scalars(select(Adjustment).where(Adjustment.kind == "veto")).one()
        assert (veto.points, veto.position) == (None, 3)
        history = s.execute(
            select(Unit.code, HistoryEntry.year, HistoryEntry.unsatisfactory).join(
                Unit, Unit.id == HistoryEntry.unit_id
            )
        ).all()
        assert {tuple(h) for h in history} == {("W2", 2017, True), ("K2", 2017, False)}


# ---------------------------------------------------------------------------- refusals


def bad_bundle(tmp_path: Path) -> Path:
    """The worked example with defects in four files."""
    bad = shutil.copytree(EXAMPLE, tmp_path / "bad")
    with (bad / "units.csv").open("a", encoding="utf-8") as fh:
        fh.write("A1,重复的单位,grassroots,,某人\n")
    with (bad / "survey_answers.csv").open("a", encoding="utf-8") as fh:
        fh.write("r1,nonexistent_item,satisfied\nr2,attitude,very_good\n")
    with (bad / "phone_cases.csv").open("a", encoding="utf-8") as fh:
        fh.write("c99,A1,9.99,k1,1\n")
    with (bad / "history.csv").open("a", encoding="utf-8") as fh:
        fh.write("A1,2016,maybe\n")
    return bad


def test_a_bad_bundle_is_refused_with_the_scorers_defects_and_nothing_is_written(
    make_uow: MakeUow, database_url: str, tmp_path: Path
) -> None:
    import_dir(make_uow, with_campaign_id(EXAMPLE, tmp_path / "other", "other-2016", 2016))
    before = row_counts(database_url)
    bad = bad_bundle(tmp_path)
    with pytest.raises(BundleError) as scorer:
        load_bundle(bad)
    with make_uow() as uow, pytest.raises(BundleError) as ours:
        import_bundle(uow, bad)
    assert ours.value.defects == scorer.value.defects
    assert len(ours.value.defects) >= 5
    assert row_counts(database_url) == before


def test_an_existing_campaign_id_is_refused(make_uow: MakeUow, database_url: str) -> None:
    import_dir(make_uow, EXAMPLE)
    before = row_counts(database_url)
    with make_uow() as uow, pytest.raises(CampaignExists, match='campaign "example-2017" is already'):
        import_bundle(uow, EXAMPLE)
    assert row_counts(database_url) == before


def test_a_failure_after_the_bulk_inserts_leaves_nothing(
    make_uow: MakeUow, database_url: str, small_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = row_counts(database_url)
    reached: list[bool] = []

    def fail(*args: object) -> None:
        reached.append(True)
        raise RuntimeError("disk full")

    monkeypatch.setattr(bundle_io, "_import_history", fail)  # the last step of the import
    with make_uow() as uow, pytest.raises(RuntimeError, match="disk full"):
        import_bundle(uow, small_bundle)
        uow.commit()
    assert reached
    assert row_counts(database_url) == before


def test_units_and_callers_are_shared_across_campaigns(make_uow: MakeUow, tmp_path: Path) -> None:
    import_dir(make_uow, EXAMPLE)
    next_year = with_campaign_id(EXAMPLE, tmp_path / "2018", "example-2018", 2018)
    units_csv = (next_year / "units.csv").read_text(encoding="utf-8")
    (next_year / "units.csv").write_text(
        units_csv.replace("甲街道派出所", "甲街道派出所(更名)"), encoding="utf-8"
    )
    import_dir(make_uow, next_year)
    with make_uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Unit)) == 7
        assert s.scalar(select(func.count()).select_from(Caller)) == 2
        names = s.execute(
            select(Campaign.code, CampaignUnit.name)
            .join(CampaignUnit, CampaignUnit.campaign_id == Campaign.id)
            .join(Unit, Unit.id == CampaignUnit.unit_id)
            .where(Unit.code == "A1")
            .order_by(Campaign.code)
        ).all()
        assert [tuple(n) for n in names] == [
            ("example-2017", "甲街道派出所"),
            ("example-2018", "甲街道派出所(更名)"),
        ]


def test_the_export_carries_no_personal_data(make_uow: MakeUow, tmp_path: Path) -> None:
    code = import_dir(make_uow, EXAMPLE)
    secrets = ["13812345678", "张三丰", "a1b2c3d4e5f6", "device-fingerprint-77", "调查员李四"]
    with make_uow() as uow:
        s = uow.session
        s.execute(
            update(SurveyResponse).values(
                respondent_hash=literal(secrets[2]).concat(cast(SurveyResponse.id, String)),
                respondent_name_enc=secrets[1].encode("utf-8"),
                device_hash=secrets[3],
                comment=f"请回电 {secrets[0]}",
            )
        )
        s.execute(update(Caller).values(name=secrets[4]))
        campaign = s.scalars(select(Campaign)).one()
        frame = SamplingFrame(campaign_id=campaign.id, name="办件记录")
        s.add(frame)
        s.flush()
        unit = s.scalars(select(Unit)).first()
        assert unit is not None
        s.add(
            FrameEntry(
                frame_id=frame.id, unit_id=unit.id, phone_enc=secrets[0].encode(), phone_hash=secrets[2]
            )
        )
        uow.commit()
    out = tmp_path / "export"
    export_dir(make_uow, code, out)
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))
    for secret in secrets:
        assert secret not in text
    for path in out.glob("*.csv"):
        header, _ = read_csv(path)
        expected = bundle_io.EXPORT_COLUMNS[path.name]
        assert header == list(expected), path.name  # the example has no extra respondent columns


def test_export_refuses_an_unknown_campaign_and_a_folder_in_use(make_uow: MakeUow, tmp_path: Path) -> None:
    with make_uow() as uow, pytest.raises(UnknownCampaign):
        export_bundle(uow, "no-such-campaign", tmp_path / "out")
    code = import_dir(make_uow, EXAMPLE)
    used = tmp_path / "used"
    used.mkdir()
    (used / "survey_answers.csv").write_text("left over\n", encoding="utf-8")
    with make_uow() as uow, pytest.raises(FileExistsError):
        export_bundle(uow, code, used)
    assert (used / "survey_answers.csv").read_text(encoding="utf-8") == "left over\n"


# ---------------------------------------------------------------------------- command line


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``python -m db`` commands (in-process) work on the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    yield database_url
    dispose_all()


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = db_main(args)
    return code, out.getvalue(), err.getvalue()


def test_cli_imports_exports_and_scores(cli_env: str, tmp_path: Path) -> None:
    code, out, err = run_cli(["import-bundle", str(EXAMPLE)])
    assert code == 0, err
    assert "imported campaign example-2017 (2017)" in out
    code, out, err = run_cli(["export-bundle", "example-2017", str(tmp_path / "export")])
    assert code == 0, err
    assert_same_results(score(EXAMPLE, tmp_path / "r1"), score(tmp_path / "export", tmp_path / "r2"))
    code, out, err = run_cli(["score", "example-2017", "--replicates", "20"])
    assert code == 0, err
    assert "method version 1, 20 replicates" in out
    code, out, err = run_cli(["import-bundle", str(EXAMPLE)])
    assert code == 2
    assert "already in the database" in err
    code, _, err = run_cli(["export-bundle", "nope", str(tmp_path / "nope")])
    assert (code, "no campaign" in err) == (2, True)


def test_cli_refuses_a_bad_bundle_with_the_scorers_messages_and_no_traceback(
    cli_env: str, tmp_path: Path
) -> None:
    bad = bad_bundle(tmp_path)
    before = row_counts(cli_env)
    with pytest.raises(BundleError) as defects:
        load_bundle(bad)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert scoring_main(["validate", str(bad)]) == 2
    scorer_lines = err.getvalue().splitlines()[1:]  # after "DIR: N defect(s); nothing was scored."
    env = {**os.environ, "DATABASE_URL": cli_env}
    done = subprocess.run(
        [sys.executable, "-m", "db", "import-bundle", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == f"{bad}: {len(defects.value.defects)} defect(s); nothing was imported."
    assert lines[1:] == scorer_lines
    assert row_counts(cli_env) == before


# ---------------------------------------------------------------------------- crafted bundles

# One formula per file of the format, through the same reader (tests/scoring has them all).
LABEL_SAMPLE = [
    label_case(*column, FORMULAS[k % len(FORMULAS)])
    for k, column in enumerate(LABEL_COLUMNS)
    if column[1]
    in {"name", "label_zh", "text_en", "group", "caller_id", "reason", "campaign.name", "unit_id"}
]


def test_crafted_bundles_are_refused_by_the_import_and_nothing_is_written(
    make_uow: MakeUow, database_url: str, tmp_path: Path
) -> None:
    """Every crafted bundle of tests/scoring/crafted.py: the scorer's defects, nothing written.
    Before the hardening, NUL bytes and huge years imported on SQLite and crashed PostgreSQL
    mid-import; formulas, garbled Shift-JIS names and "u1" beside "U1" were imported."""
    import_dir(make_uow, EXAMPLE)
    before = row_counts(database_url)
    wrong: list[str] = []
    for k, case in enumerate([*CASES, *LABEL_SAMPLE]):
        bundle = case.build(tmp_path / f"case{k}")
        with pytest.raises(BundleError) as scorer:
            load_bundle(bundle)
        try:
            with make_uow() as uow:
                import_bundle(uow, bundle)
                uow.commit()
            wrong.append(f"{case.name}: imported")
        except BundleError as exc:
            if exc.defects != scorer.value.defects:
                wrong.append(f"{case.name}: {exc.defects} != the scorer's {scorer.value.defects}")
            if not any(d.file == case.file and d.line == case.line for d in exc.defects):
                wrong.append(f"{case.name}: no defect at {case.file}, line {case.line}: {exc.defects}")
            if any(SECRET in d.message for d in exc.defects):
                wrong.append(f"{case.name}: a linked file was echoed")
        if row_counts(database_url) != before:
            wrong.append(f"{case.name}: the database changed")
            break
    assert not wrong, "\n".join(wrong)
    # the uncrafted bundle imports: the cases are refused for what was crafted into them
    import_dir(make_uow, base_bundle().write(tmp_path / "base"))


CLI_CASES = [
    c
    for c in CASES
    if c.name
    in {
        "nul-in-a-name",
        "nul-in-a-respondent-attribute",
        "campaign-year-huge",
        "history-year-huge",
        "two-billion-replicates",
        "units-is-a-symlink",
        "a-line-too-long",
        "shift-jis-units",
        "unit-id-case",
        "cr-only-line-endings",
    }
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
def test_python_m_db_import_bundle_refuses_a_crafted_bundle_with_exit_2(
    database_url: str, tmp_path: Path, case: Crafted
) -> None:
    bundle = case.build(tmp_path / "bundle")
    before = row_counts(database_url)
    dispose_all()
    done = subprocess.run(
        [sys.executable, "-m", "db", "import-bundle", str(bundle)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    where = case.file + (f", line {case.line}" if case.line is not None else "")
    assert any(line.startswith(where) and case.says in line for line in done.stderr.splitlines()), done.stderr
    assert SECRET not in done.stderr
    assert row_counts(database_url) == before


def test_values_longer_than_the_database_keeps_are_refused_before_writing(
    make_uow: MakeUow, database_url: str, tmp_path: Path
) -> None:
    """VARCHAR limits: PostgreSQL failed mid-import with a traceback, SQLite kept the text."""
    b = base_bundle()
    b.units[0]["name"] = "派" * 201  # units.csv line 2; campaign_unit.name is VARCHAR(200)
    b.units[1]["head_name"] = "王" * 101  # line 3; VARCHAR(100)
    b.cases[0]["caller_id"] = "k" * 65  # phone_cases.csv line 2; caller.code VARCHAR(64)
    b.responses[2]["channel"] = "w" * 33  # survey_responses.csv line 4; VARCHAR(32)
    b.set("campaign.id", "c" * 65)  # campaign.code VARCHAR(64)
    bundle = b.write(tmp_path / "bundle")
    load_bundle(bundle)  # the offline scorer has no such limits
    before = row_counts(database_url)
    with make_uow() as uow, pytest.raises(BundleError) as refused:
        import_bundle(uow, bundle)
    where = {(d.file, d.line, d.column) for d in refused.value.defects}
    assert where == {
        ("units.csv", 2, "name"),
        ("units.csv", 3, "head_name"),
        ("phone_cases.csv", 2, "caller_id"),
        ("survey_responses.csv", 4, "channel"),
        ("campaign.toml", None, "campaign.id"),
    }, refused.value.defects
    assert "at most 200" in str(next(d for d in refused.value.defects if d.column == "name"))
    assert row_counts(database_url) == before


def test_db_score_refuses_too_many_replicates(cli_env: str) -> None:
    code, _, err = run_cli(["import-bundle", str(EXAMPLE)])
    assert code == 0, err
    before = row_counts(cli_env)
    code, _, err = run_cli(["score", "example-2017", "--replicates", "2000000000"])
    assert code == 2
    assert "10,000 replicates allowed" in err and "memory" in err
    assert row_counts(cli_env) == before  # no run stored


# ---------------------------------------------------------------------------- designer settings

DESIGNED_PLATFORM = """
[platform]
fieldwork_opens = 2018-05-01
fieldwork_closes = 2018-06-30
public_bulletin = true
notice_days = 10

[platform.grade_labels.excellent]
zh = "优秀"
en = "Excellent"

[platform.grade_labels.dissatisfied]
zh = "不合格"
en = "Unsatisfactory"

[platform.groups.deputy]
zh = "人大代表"
en = "Deputies"

[platform.groups.expert]
zh = "特邀评议员"
en = "Invited assessors"

[platform.design]
note = "第一次自行设计"
checklist = ["frames", "margins"]
"""


def designed_bundle() -> Bundle:
    """rich_bundle with every designer setting: its own grade scheme, item sets, the
    register's columns, history sources, and a [platform] table (a group without answers)."""
    b = rich_bundle()
    b.set("campaign.id", "designed-2018")
    b.set("grades", {"excellent": 70.0, "good": 55.0, "pass": 40.0})
    b.units[0].update(district="江岸区", kind="派出所", department="市公安局", head_since="2017-03-01")
    b.units[3].update(district="江汉区", kind="窗口", department="市政务服务局")
    b.items[0].update(respondent_groups="citizen;service_recipient;deputy")
    b.items[2].update(unit_categories="grassroots")  # q2
    b.history[0].update(source_campaign="rich-2017", source_unit="W0", via="rename 2017-09-01")
    b.raw["campaign.toml"] = to_toml(b.campaign) + DESIGNED_PLATFORM
    return b


def test_every_designer_setting_lands_in_the_database(make_uow: MakeUow, tmp_path: Path) -> None:
    code = import_dir(make_uow, designed_bundle().write(tmp_path / "designed"))
    with make_uow() as uow:
        s = uow.session
        campaign = bundle_io.find_campaign(uow, code)
        assert "[platform" not in campaign.method_toml and "[grades]" in campaign.method_toml
        assert (campaign.fieldwork_opens_on, campaign.fieldwork_closes_on) == (
            date(2018, 5, 1),
            date(2018, 6, 30),
        )
        assert (campaign.public_bulletin, campaign.notice_days) == (True, 10)
        assert campaign.design == {
            "note": "第一次自行设计",
            "checklist": ["frames", "margins"],
            "grade_labels": {
                "excellent": {"zh": "优秀", "en": "Excellent"},
                "dissatisfied": {"zh": "不合格", "en": "Unsatisfactory"},
            },
        }
        groups = {g.code: (g.label_zh, g.label_en) for g in s.scalars(select(RespondentGroup))}
        assert groups == {
            "deputy": ("人大代表", "Deputies"),
            "expert": ("特邀评议员", "Invited assessors"),  # named by [platform] only, no answers
            "citizen": ("群众", "citizens"),
            "service_recipient": ("服务对象", "service recipients"),
        }
        k1 = s.scalars(select(Unit).where(Unit.code == "K1")).one()
        assert (k1.kind, k1.department, k1.district.name if k1.district else None) == (
            "派出所",
            "市公安局",
            "江岸区",
        )
        assert k1.head_since == date(2017, 3, 1)
        assert s.scalar(select(CampaignUnit.head_since).where(CampaignUnit.unit_id == k1.id)) == date(
            2017, 3, 1
        )
        sets = {i.code: (i.unit_categories, i.respondent_groups) for i in s.scalars(select(Item))}
        assert sets["q1"] == ([], ["citizen", "service_recipient", "deputy"])
        assert sets["q2"] == (["grassroots"], [])
        entry = s.scalars(select(HistoryEntry).order_by(HistoryEntry.id)).first()
        assert entry is not None
        assert (entry.source_campaign_code, entry.source_unit_code, entry.via) == (
            "rich-2017",
            "W0",
            "rename 2017-09-01",
        )


def test_a_designed_campaign_round_trips_byte_for_byte_and_scores_as_the_app_did(
    make_uow: MakeUow, tmp_path: Path
) -> None:
    source = designed_bundle().write(tmp_path / "designed")
    code = import_dir(make_uow, source)
    first = tmp_path / "first"
    export_dir(make_uow, code, first)
    assert_same_results(score(source, tmp_path / "r0"), score(first, tmp_path / "r1"))
    assert load_bundle(first).platform == load_bundle(source).platform
    header, items = read_csv(first / "items.csv")
    assert header[-2:] == ["unit_categories", "respondent_groups"]
    assert [(r["item_id"], r["unit_categories"]) for r in items][:3] == [
        ("q1", ""),
        ("p1", ""),
        ("q2", "grassroots"),
    ]
    header, units = read_csv(first / "units.csv")
    assert header[-4:] == ["district", "kind", "department", "head_since"]
    assert (units[0]["district"], units[0]["head_since"], units[1]["kind"]) == ("江岸区", "2017-03-01", "")
    header, history = read_csv(first / "history.csv")
    assert (
        header[-3:] == ["source_campaign", "source_unit", "via"] and history[0]["via"] == "rename 2017-09-01"
    )

    # import the export as another campaign, export again: not a byte changes
    again = with_campaign_id(first, tmp_path / "again", "designed-2018-copy")
    import_dir(make_uow, again)
    second = tmp_path / "second"
    export_dir(make_uow, "designed-2018-copy", second)
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        expected = (again if path.name == "campaign.toml" else first) / path.name
        assert (second / path.name).read_bytes() == expected.read_bytes(), path.name

    # the app's stored run grades as the offline scorer does, with the campaign's own bands
    with make_uow("scorer") as uow:
        run_id = score_stored_campaign(uow, code, replicates=60).id
        uow.commit()
    offline = read_csv(score(first, tmp_path / "r2", replicates=60) / "results.csv")[1]
    with make_uow() as uow:
        stored = dict(
            uow.session.execute(
                select(Unit.code, UnitResult.grade)
                .join(Unit, Unit.id == UnitResult.unit_id)
                .where(UnitResult.run_id == run_id)
            ).all()
        )
    assert stored == {r["unit_id"]: r["grade"] for r in offline}
    assert set(stored.values()) <= {"excellent", "good", "pass", "dissatisfied", ""}
    assert {"excellent", "dissatisfied"} & set(stored.values())


def test_a_designer_edit_is_what_the_next_export_writes(make_uow: MakeUow, tmp_path: Path) -> None:
    code = import_dir(make_uow, designed_bundle().write(tmp_path / "designed"))
    with make_uow() as uow:
        campaign = bundle_io.find_campaign(uow, code)
        campaign.notice_days = 7  # the default: no longer written
        campaign.public_bulletin = False
        campaign.fieldwork_closes_on = date(2018, 7, 15)
        campaign.design = {"grade_labels": {"good": {"zh": "良好", "en": "Good"}}}
        group = uow.session.scalars(select(RespondentGroup).where(RespondentGroup.code == "citizen")).one()
        group.label_en = "Residents"
        uow.commit()
    export_dir(make_uow, code, tmp_path / "edited")
    toml = (tmp_path / "edited" / "campaign.toml").read_text(encoding="utf-8")
    assert "notice_days" not in toml and "public_bulletin" not in toml and "[platform.design]" not in toml
    platform = load_bundle(tmp_path / "edited").platform
    assert platform.fieldwork_closes == date(2018, 7, 15)
    assert platform.campaign_design() == {"grade_labels": {"good": {"zh": "良好", "en": "Good"}}}
    assert dict(platform.groups["citizen"]) == {"zh": "群众", "en": "Residents"}
    assert "expert" in platform.groups  # still no answers: listed so that it is not lost


def test_a_campaign_without_designer_settings_exports_its_campaign_toml_unchanged(
    make_uow: MakeUow, tmp_path: Path
) -> None:
    source = rich_bundle().write(tmp_path / "rich")
    code = import_dir(make_uow, source)
    export_dir(make_uow, code, tmp_path / "out")
    assert (tmp_path / "out" / "campaign.toml").read_bytes() == (source / "campaign.toml").read_bytes()
    assert read_csv(tmp_path / "out" / "units.csv")[0] == list(bundle_io.EXPORT_COLUMNS["units.csv"])


def test_the_register_keeps_its_own_values_when_an_old_bundle_is_imported(
    make_uow: MakeUow, tmp_path: Path
) -> None:
    import_dir(make_uow, designed_bundle().write(tmp_path / "designed"))
    older = designed_bundle()
    older.set("campaign.id", "designed-2017")
    older.set("campaign.year", 2017)
    older.raw["campaign.toml"] = to_toml(older.campaign)
    older.history = []
    older.units[0].update(kind="旧类型", department="旧部门", district="旧区")
    older.units[1].update(kind="所", department="市公安局")  # P1 had none: filled
    import_dir(make_uow, older.write(tmp_path / "older"))
    with make_uow() as uow:
        units = {u.code: u for u in uow.session.scalars(select(Unit))}
        assert (units["K1"].kind, units["K1"].department) == ("派出所", "市公安局")
        assert units["K1"].district is not None and units["K1"].district.name == "江岸区"
        assert (units["P1"].kind, units["P1"].department) == ("所", "市公安局")


def test_band_names_and_group_labels_longer_than_the_database_keeps_are_refused(
    make_uow: MakeUow, database_url: str, tmp_path: Path
) -> None:
    b = designed_bundle()
    long_band = "b" * 33  # unit_result.grade is VARCHAR(32)
    b.set("grades", {long_band: 50.0})
    platform = DESIGNED_PLATFORM.replace(
        "[platform.grade_labels.excellent]", f"[platform.grade_labels.{long_band}]"
    )
    platform = platform.replace('zh = "特邀评议员"', f'zh = "{"评" * 101}"')
    b.raw["campaign.toml"] = to_toml(b.campaign) + platform
    bundle = b.write(tmp_path / "long")
    load_bundle(bundle)  # the offline scorer has no such limits
    before = row_counts(database_url)
    with make_uow() as uow, pytest.raises(BundleError) as refused:
        import_bundle(uow, bundle)
    assert {(d.file, d.column) for d in refused.value.defects} == {
        ("campaign.toml", f"grades.{long_band}"),
        ("campaign.toml", "platform.groups.expert.zh"),
    }
    assert row_counts(database_url) == before


# ---------------------------------------------------------------------------- nothing lost


@pytest.fixture(scope="module")
def big_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("big") / "bundle"
    generate_bundle.generate(out, **BIG)
    return out


def _writing_started(database_url: str) -> Callable[[], bool]:
    """A probe that turns true once the importing process is in its write transaction,
    that is past validation and inserting: it holds SQLite's write lock, or its
    PostgreSQL transaction has an id (it has written)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":

        def locked() -> bool:
            conn = sqlite3.connect(str(url.database), timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                return True
            finally:
                conn.close()

        return locked
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def written() -> bool:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            ).fetchone()
            return bool(row and row[0])

    return written


def test_an_import_killed_half_way_leaves_the_database_as_it_was(
    make_uow: MakeUow, database_url: str, big_bundle: Path
) -> None:
    import_dir(make_uow, EXAMPLE)
    before = row_counts(database_url)
    dispose_all()
    started = _writing_started(database_url)
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "db", "import-bundle", str(big_bundle)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not started():
            assert proc.poll() is None, f"the import ended before it was killed: {proc.communicate()}"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.02)
        time.sleep(0.5)  # well into the bulk inserts
        assert proc.poll() is None, "the import finished before it could be killed; use a bigger bundle"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    assert row_counts(database_url) == before
    with make_uow() as uow:
        assert uow.session.scalar(select(Campaign.id).where(Campaign.code == "city-2017")) is None

    again = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert again.returncode == 0, again.stderr
    after = row_counts(database_url)
    assert after["campaign"] == before["campaign"] + 1
    assert after["survey_response"] == before["survey_response"] + BIG["responses"]
    assert after["phone_case"] == before["phone_case"] + BIG["cases"]
