"""``python -m db inspections ...`` (db/cli_inspections.py), in-process on both databases."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from db.cli import main as db_main
from db.engine import dispose_all
from db.models import AuditEntry, CampaignStatus, Role
from db.models_registries import InspectionPhoto, InspectionVisit
from tests.db.kit import MakeUow, add_user, seed_campaign

BJ = timezone(timedelta(hours=8))


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, make_uow: MakeUow) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    add_user(make_uow, "ann", Role.inspector)
    add_user(make_uow, "sup", Role.supervisor)
    yield database_url
    dispose_all()


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = db_main(args)
        except SystemExit as exc:  # argparse refusing the arguments
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def today() -> datetime:
    return datetime.now(UTC).astimezone(BJ)


def plan_args(code: str = "R1") -> list[str]:
    day = today().date()
    return [
        "inspections", "plan", "c1", code, "--mode", "covert", "--name", "暗访",
        "--from", str(day - timedelta(days=3)), "--to", str(day + timedelta(days=3)),
        "--unit", "u1,u2", "--unit", "u3", "--inspector", "ann",
    ]  # fmt: skip


@pytest.mark.usefixtures("cli_env")
def test_plan_start_record_verify_and_list(make_uow: MakeUow, tmp_path: Path) -> None:
    code, out, err = run_cli(plan_args())
    assert code == 0, err
    assert out.startswith("planned round R1 (covert, ") and "3 unit(s), inspectors ann" in out
    # what is given replaces what was; the rest stays
    code, out, err = run_cli(["inspections", "update", "c1", "R1", "--unit", "u1,u2"])
    assert code == 0, err
    assert out.startswith("round R1 (covert, ") and "planned): 2 unit(s), inspectors ann" in out
    assert run_cli(["inspections", "start", "c1", "R1"])[:2] == (0, "round R1 is active\n")
    code, _, err = run_cli(["inspections", "update", "c1", "R1", "--mode", "open"])
    assert code == 1 and "mode" in err  # the mode changes only while planned
    assert run_cli(["inspections", "update", "c1", "R1", "--unit", "u1,u2,u3"])[0] == 0

    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (45.0, 17.0, 42.0)
    photo = tmp_path / "门口.jpg"
    Image.new("RGB", (30, 20)).save(photo, "JPEG", exif=exif)
    at = (today() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    code, out, err = run_cli(
        [
            "inspections", "record", "c1", "R1", "--inspector", "ann", "--unit", "u2", "--at", at,
            "--expected", "5", "--present", "5", "--on-post", "4", "--focused", "3",
            "--finding", "懒:玩手机", "--finding", "推：推诿", "--photo", str(photo),
        ]
    )  # fmt: skip
    assert code == 0, err
    with make_uow() as uow:
        visit = uow.session.scalars(select(InspectionVisit)).one()
        assert [(f.harm, f.description) for f in visit.findings] == [("懒", "玩手机"), ("推", "推诿")]
        visit_id = visit.id
        stored = uow.session.scalars(select(InspectionPhoto.data)).one()
    assert out == f"recorded visit {visit_id} to u2 in round R1 for ann\n"
    assert b"Exif" not in stored

    code, out, _ = run_cli(["inspections", "visits", "c1", "--status", "recorded"])
    assert code == 0
    assert f"{visit_id}\tR1\tu2\t{at}\tann\t5/5/4/3\t懒推\tphotos 1\trecorded" in out
    assert run_cli(["inspections", "verify", str(visit_id), "--note", "属实"])[:2] == (
        0,
        f"visit {visit_id} verified\n",
    )
    code, out, _ = run_cli(["inspections", "list", "c1"])
    assert "R1\t暗访\tcovert\t" in out and "units 3\trecorded 0\tverified 1\trejected 0\tann" in out
    assert run_cli(["inspections", "reject", str(visit_id), "--note", "复核不实"])[0] == 0
    assert run_cli(["inspections", "close", "c1", "R1"])[:2] == (0, "round R1 is closed\n")
    with make_uow() as uow:
        actors = dict(
            uow.session.execute(
                select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.action.like("inspection%"))
            ).all()
        )
    assert actors == {
        "inspection_round.plan": "cli",
        "inspection_round.update": "cli",
        "inspection_round.started": "cli",
        "inspection_visit.record": "ann",
        "inspection_visit.verify": "cli",
        "inspection_visit.reject": "cli",
        "inspection_round.closed": "cli",
    }


@pytest.mark.usefixtures("cli_env")
def test_refusals_exit_1_and_bad_input_exits_2(tmp_path: Path) -> None:
    assert run_cli(plan_args())[0] == 0
    code, out, err = run_cli(plan_args())
    assert (code, out) == (1, "")
    assert err == "error: campaign c1 already has a round with the code 'R1'\n"
    code, _, err = run_cli([*plan_args("R2")[:-1], "sup"])
    assert (code, err) == (1, "error: inspectors must have the role inspector: sup\n")
    code, _, err = run_cli(["inspections", "start", "c1", "R9"])
    assert (code, err) == (1, "error: campaign c1 has no inspection round 'R9'\n")
    code, _, err = run_cli(["inspections", "close", "c1", "R1"])
    assert code == 1 and "only a active round can be closed" in err
    code, _, err = run_cli(["inspections", "reject", "999", "--note", "x"])
    assert (code, err) == (1, "error: no inspection visit has the id 999\n")

    run_cli(["inspections", "start", "c1", "R1"])
    base = [
        "inspections", "record", "c1", "R1", "--inspector", "ann", "--unit", "u1",
        "--at", today().strftime("%Y-%m-%d %H:%M"),
        "--expected", "5", "--present", "6", "--on-post", "4", "--focused", "3",
    ]  # fmt: skip
    code, _, err = run_cli(base)
    assert (code, err) == (1, "error: impossible head counts: present (6) exceeds expected (5)\n")
    base[base.index("--present") + 1] = "5"
    code, _, err = run_cli([*base, "--finding", "懒 玩手机"])
    assert code == 2 and "must be HARM:TEXT" in err
    code, _, err = run_cli([*base, "--photo", str(tmp_path / "missing.jpg")])
    assert code == 2 and "missing.jpg: cannot be read" in err
    code, _, err = run_cli([*base[:5], "sup", *base[6:]])
    assert (code, err) == (1, "error: sup is not an active inspector account\n")
    code, _, err = run_cli([*base[:-10], "--at", "yesterday", *base[-8:]])
    assert code == 2 and "is not a time" in err
