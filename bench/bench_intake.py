"""Benchmark survey intake: answer sheets stored per second by ``submit_response`` against
raw DB-API INSERTs of the same rows, in 1 and in 8 worker processes.

    python bench/bench_intake.py [--workers 1,8] [--seconds 6] [--repeat 1] [--units 200]
                                 [--sqlite-only] [--json FILE]

For each backend (SQLite, a temporary file database; PostgreSQL when ``DATABASE_URL``
names a server, in a scratch database dropped afterwards), a campaign is loaded (a small
generated bundle imported with ``import_bundle`` and opened for fieldwork), then for each
worker count N, alternating which goes first in every repetition:

* ours: N worker processes, each calling ``services.responses.submit_response`` with a
  fresh unit of work per sheet on the app's engine (``db.engine``), exactly as the survey
  page does: validation, the per-campaign look-ups (loaded on the first sheet, inside the
  window), the write transaction and its commit;
* raw: N worker processes writing the very same rows (same tables, same columns, the
  ids resolved once before the window) through the DB-API, one transaction per sheet:
  ``sqlite3`` with the platform's pragmas (WAL, foreign keys, ``synchronous=NORMAL``,
  busy timeout) and ``BEGIN IMMEDIATE``; psycopg with ``INSERT ... RETURNING id`` and an
  ``executemany`` of the answers, then ``COMMIT``.

Every worker is a separate process started before the window, which opens for all of
them at once when every one has said it is ready; each stores sheets until ``--seconds``
have passed and reports how many. Sheets per second = all stored sheets / window; the
rows are counted in the database afterwards as a check. With ``--repeat K`` the figures
are medians of K windows.

Goals (issue 12): ours / raw >= 0.5 on both databases at 1 and at 8 processes, and on
SQLite ours at 8 processes not slower than at 1 (8-vs-1 >= 1.0). The machine this runs
on may be shared: compare the ratio, not the absolute figures. Always exits 0; the last
line is ``RESULT PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

GOAL_RATIO = 0.5
GOAL_SCALING = 1.0
CAMPAIGN = "bench-intake"
GROUPS = ("citizen", "service_recipient")
AGE_BANDS = ("18-34", "35-59", "60+")
RESPONSE_COLUMNS = (
    "campaign_id",
    "code",
    "unit_id",
    "group_id",
    "channel",
    "submitted_at",
    "status",
    "attributes",
    "invitation_id",
    "respondent_hash",
    "device_hash",
    "network_hash",
    "duration_seconds",
    "comment",
    "problem_types",
    "quality_flags",
    "review_note",
)


# ---------------------------------------------------------------------------- the sheets


def sheets(worker: int, run: str, units: Sequence[str], items: Sequence[str], options: Sequence[str]):  # type: ignore[no-untyped-def]
    """The endless, deterministic stream of sheets of one worker in one window."""
    rng = random.Random(f"{run}-{worker}")
    i = 0
    while True:
        i += 1
        yield {
            "unit": rng.choice(units),
            "group": rng.choice(GROUPS),
            "answers": {item: rng.choice(options) for item in items},
            "respondent_hash": f"{run}-{worker}-{i}",
            "attributes": {"age_band": rng.choice(AGE_BANDS), "sex": rng.choice(("F", "M"))},
            "duration_seconds": round(rng.uniform(30, 300), 1),
            "device_hash": secrets.token_hex(32),
            "network_hash": secrets.token_hex(32),
        }


def campaign_shape(url: str) -> dict[str, Any]:
    """Codes and ids of the benchmark campaign (read once, before the window)."""
    from sqlalchemy import create_engine, select

    from db.models import Campaign, CampaignUnit, Item, RespondentGroup, Scale, ScaleOption, Unit

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            campaign_id = conn.execute(select(Campaign.id).where(Campaign.code == CAMPAIGN)).scalar_one()
            units = dict(
                conn.execute(
                    select(Unit.code, Unit.id)
                    .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
                    .where(CampaignUnit.campaign_id == campaign_id)
                    .order_by(Unit.code)
                ).all()
            )
            groups = dict(
                conn.execute(
                    select(RespondentGroup.code, RespondentGroup.id).where(
                        RespondentGroup.campaign_id == campaign_id
                    )
                ).all()
            )
            items = dict(
                conn.execute(
                    select(Item.code, Item.id)
                    .where(Item.campaign_id == campaign_id, Item.instrument == "survey")
                    .order_by(Item.position)
                ).all()
            )
            scale_id = conn.execute(
                select(Item.scale_id).where(Item.id == next(iter(items.values())))
            ).scalar_one()
            options = list(
                conn.execute(
                    select(ScaleOption.code)
                    .where(ScaleOption.scale_id == scale_id)
                    .order_by(ScaleOption.position)
                ).scalars()
            )
            assert conn.execute(select(Scale.id).where(Scale.id == scale_id)).scalar_one()
    finally:
        engine.dispose()
    return {"campaign_id": campaign_id, "units": units, "groups": groups, "items": items, "options": options}


# ---------------------------------------------------------------------------- workers


def ours_worker(url: str, shape: dict[str, Any], stream: Any) -> Any:
    from db.engine import session_factory
    from db.uow import UnitOfWork
    from services.responses import submit_response

    factory = session_factory(url)

    def store_one() -> None:
        sheet = next(stream)
        submit_response(
            UnitOfWork(factory, actor="bench"),
            CAMPAIGN,
            sheet["unit"],
            sheet["group"],
            sheet["answers"],
            sheet["respondent_hash"],
            channel="web",
            attributes=sheet["attributes"],
            duration_seconds=sheet["duration_seconds"],
            device_hash=sheet["device_hash"],
            network_hash=sheet["network_hash"],
        )

    return store_one


def _response_row(shape: dict[str, Any], sheet: dict[str, Any], dump: Any) -> tuple[Any, ...]:
    return (
        shape["campaign_id"],
        f"w{secrets.token_hex(8)}",
        shape["units"][sheet["unit"]],
        shape["groups"][sheet["group"]],
        "web",
        datetime.now(UTC).isoformat(timespec="seconds"),
        "valid",
        dump(sheet["attributes"]),
        None,
        sheet["respondent_hash"],
        sheet["device_hash"],
        sheet["network_hash"],
        sheet["duration_seconds"],
        "",
        dump([]),
        dump([]),
        "",
    )


def raw_sqlite_worker(url: str, shape: dict[str, Any], stream: Any) -> Any:
    from db.engine import SQLITE_BUSY_TIMEOUT_MS

    conn = sqlite3.connect(
        make_url(url).database or "", isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous=NORMAL")
    insert_response = (
        f"INSERT INTO survey_response ({', '.join(RESPONSE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(RESPONSE_COLUMNS))}) RETURNING id"
    )
    insert_answer = "INSERT INTO survey_answer (response_id, item_id, option_code) VALUES (?, ?, ?)"
    items = shape["items"]

    def store_one() -> None:
        sheet = next(stream)
        conn.execute("BEGIN IMMEDIATE")
        response_id = conn.execute(insert_response, _response_row(shape, sheet, json.dumps)).fetchone()[0]
        conn.executemany(
            insert_answer, [(response_id, items[code], option) for code, option in sheet["answers"].items()]
        )
        conn.execute("COMMIT")

    return store_one


def raw_pg_worker(url: str, shape: dict[str, Any], stream: Any) -> Any:
    import psycopg
    from psycopg.types.json import Json

    conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    insert_response = (
        f"INSERT INTO survey_response ({', '.join(RESPONSE_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(RESPONSE_COLUMNS))}) RETURNING id"
    )
    insert_answer = "INSERT INTO survey_answer (response_id, item_id, option_code) VALUES (%s, %s, %s)"
    items = shape["items"]

    def store_one() -> None:
        sheet = next(stream)
        with conn.cursor() as cur:
            cur.execute(insert_response, _response_row(shape, sheet, Json))
            row = cur.fetchone()
            assert row is not None
            cur.executemany(
                insert_answer, [(row[0], items[code], option) for code, option in sheet["answers"].items()]
            )
        conn.commit()

    return store_one


def worker_main(kind: str, url: str, worker: int, run: str, seconds: float) -> None:
    """One worker process: get ready, say so, wait for "go", store sheets for ``seconds``."""
    shape = campaign_shape(url)
    stream = sheets(worker, run, list(shape["units"]), list(shape["items"]), shape["options"])
    if kind == "ours":
        store_one = ours_worker(url, shape, stream)
    elif make_url(url).get_backend_name() == "sqlite":
        store_one = raw_sqlite_worker(url, shape, stream)
    else:
        store_one = raw_pg_worker(url, shape, stream)
    print("ready", flush=True)
    sys.stdin.readline()
    count = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while time.perf_counter() < end:
        store_one()
        count += 1
    print(json.dumps({"sheets": count, "seconds": time.perf_counter() - t0}), flush=True)


# ---------------------------------------------------------------------------- one window


def window(kind: str, url: str, workers: int, seconds: float, python: str) -> dict[str, Any]:
    """Start ``workers`` processes, open the window for all at once, collect their counts."""
    run = uuid.uuid4().hex[:8]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = stored_rows(url)
    procs = [
        subprocess.Popen(
            [
                python,
                str(Path(__file__).resolve()),
                "--worker",
                kind,
                "--url",
                url,
                "--worker-id",
                str(w),
                "--run",
                run,
                "--seconds",
                str(seconds),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for w in range(workers)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a {kind} worker failed to start (exit {proc.wait()})")
        for proc in procs:  # the window opens for every worker at once
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        reports = []
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if proc.wait() != 0 or not line.strip():
                raise RuntimeError(f"a {kind} worker failed (exit {proc.returncode})")
            reports.append(json.loads(line))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    sheets_done = sum(r["sheets"] for r in reports)
    longest = max(r["seconds"] for r in reports)
    after = stored_rows(url)
    stored, answers = after[0] - before[0], after[1] - before[1]
    # every sheet answers every question: a lost or half-written sheet would show here
    if stored != sheets_done or answers != stored * after[2]:
        raise RuntimeError(f"{kind}: {sheets_done} sheets reported, {stored} stored with {answers} answers")
    return {"sheets": sheets_done, "seconds": longest, "rate": sheets_done / longest}


def stored_rows(url: str) -> tuple[int, int, int]:
    """Responses and answers stored in the database, and the campaign's survey questions."""
    from sqlalchemy import create_engine, func, select

    from db.models import Item, SurveyAnswer, SurveyResponse

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = [
                int(conn.execute(query).scalar_one())
                for query in (
                    select(func.count()).select_from(SurveyResponse),
                    select(func.count()).select_from(SurveyAnswer),
                    select(func.count()).where(Item.instrument == "survey"),
                )
            ]
    finally:
        engine.dispose()
    return count[0], count[1], count[2]


# ---------------------------------------------------------------------------- set-up


def load_campaign(url: str, work: Path, units: int) -> None:
    """Migrate ``url``, import a small generated bundle as the campaign and open fieldwork."""
    from sqlalchemy import update

    from bench import generate_bundle
    from db import migrate
    from db.bundle_io import import_bundle
    from db.engine import dispose_all, session_factory
    from db.models import Campaign, CampaignStatus
    from db.uow import UnitOfWork

    migrate.upgrade(url)
    bundle = work / "bundle"
    if not bundle.exists():
        generate_bundle.generate(bundle, units=units, responses=units * 10, cases=units, replicates=0)
        toml = (bundle / "campaign.toml").read_text(encoding="utf-8")
        toml = re.sub(r'(?m)^id = ".*"$', f'id = "{CAMPAIGN}"', toml, count=1)
        (bundle / "campaign.toml").write_text(toml, encoding="utf-8")
    with UnitOfWork(session_factory(url), actor="bench") as uow:
        import_bundle(uow, bundle)
        # straight to fieldwork: the designer's checks (dates...) are not what is measured
        uow.session.execute(
            update(Campaign).where(Campaign.code == CAMPAIGN).values(status=CampaignStatus.fieldwork)
        )
        uow.commit()
    dispose_all()


def measure(
    url: str, label: str, workers: Sequence[int], seconds: float, repeat: int, python: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"backend": label, "workers": {}}
    print(f"{label}:")
    for n in workers:
        runs: dict[str, list[float]] = {"ours": [], "raw": []}
        for k in range(repeat):
            order = ("ours", "raw") if k % 2 == 0 else ("raw", "ours")
            for kind in order:
                runs[kind].append(window(kind, url, n, seconds, python)["rate"])
        ours, raw = statistics.median(runs["ours"]), statistics.median(runs["raw"])
        ratio = ours / raw
        out["workers"][str(n)] = {"ours": ours, "raw": raw, "ratio": ratio, "runs": runs}
        verdict = "PASS" if ratio >= GOAL_RATIO else "FAIL"
        print(
            f"  {n} process(es): ours {ours:8.1f} sheets/s   raw {raw:8.1f} sheets/s   "
            f"ratio {ratio:5.2f} (goal >= {GOAL_RATIO}: {verdict})"
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; always returns 0 (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Survey intake: submit_response vs raw INSERTs")
    parser.add_argument("--workers", default="1,8", help="worker process counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each timed window")
    parser.add_argument("--repeat", type=int, default=1, help="windows of each measurement (medians)")
    parser.add_argument("--units", type=int, default=200, help="units of the generated campaign")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even if configured")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the worker processes")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    # a worker process (started by the benchmark itself)
    parser.add_argument("--worker", choices=("ours", "raw"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--worker-id", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--run", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args.worker, args.url, args.worker_id, args.run, args.seconds)
        return 0

    import config

    workers = [int(n) for n in args.workers.split(",") if n.strip()]
    repeat = max(1, args.repeat)
    print(
        f"survey intake: {args.seconds:g} s windows, workers {workers}, median of {repeat}; "
        f"goals: ours/raw >= {GOAL_RATIO}, SQLite 8-vs-1 >= {GOAL_SCALING}"
    )
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    try:
        try:
            url = f"sqlite:///{work / 'intake.sqlite3'}"
            load_campaign(url, work, args.units)
            results.append(measure(url, "sqlite", workers, args.seconds, repeat, args.python))
        except Exception as exc:  # a measurement, not a test: report and go on
            failures.append(f"sqlite: {exc!r}")
            print(f"sqlite: failed: {exc!r}")
        base = config.DATABASE_URL.get().strip()
        if args.sqlite_only:
            print("postgresql: skipped (--sqlite-only)")
        elif base and make_url(base).get_backend_name() == "postgresql":
            results.append(bench_postgres(base, work, workers, args, repeat, failures))
        else:
            print("postgresql: skipped (DATABASE_URL names no PostgreSQL server)")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ratios = [(f"{r['backend']} {n}", f["ratio"]) for r in results if r for n, f in r["workers"].items()]
    sqlite = next((r for r in results if r and r["backend"] == "sqlite"), None)
    scaling = None
    if sqlite and "1" in sqlite["workers"] and "8" in sqlite["workers"]:
        scaling = sqlite["workers"]["8"]["ours"] / sqlite["workers"]["1"]["ours"]
        verdict = "PASS" if scaling >= GOAL_SCALING else "FAIL"
        print(f"sqlite ours 8 vs 1 process: {scaling:.2f} (goal >= {GOAL_SCALING}: {verdict})")
    passed = (
        not failures
        and bool(ratios)
        and all(ratio >= GOAL_RATIO for _, ratio in ratios)
        and (scaling is None or scaling >= GOAL_SCALING)
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"results": results, "sqlite_8_vs_1": scaling, "failures": failures, "pass": passed}, indent=1
            )
            + "\n"
        )
    summary = ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios) or "none measured"
    scaled = f"; sqlite 8-vs-1 {scaling:.2f} (goal >= {GOAL_SCALING})" if scaling is not None else ""
    print(f"RESULT {'PASS' if passed else 'FAIL'} ours/raw: {summary} (goal >= {GOAL_RATIO}){scaled}")
    return 0


def bench_postgres(
    base: str, work: Path, workers: Sequence[int], args: argparse.Namespace, repeat: int, failures: list[str]
) -> dict[str, Any]:
    import psycopg

    def url_of(database: str) -> str:
        return (
            make_url(base)
            .set(drivername="postgresql+psycopg", database=database)
            .render_as_string(hide_password=False)
        )

    name = f"bench_intake_{uuid.uuid4().hex[:8]}"
    admin_info = (
        make_url(url_of("postgres")).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    admin = psycopg.connect(admin_info, autocommit=True)
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = url_of(name)
        load_campaign(url, work, args.units)
        return measure(url, "postgresql", workers, args.seconds, repeat, args.python)
    except Exception as exc:  # a measurement, not a test: report and go on
        failures.append(f"postgresql: {exc!r}")
        print(f"postgresql: failed: {exc!r}")
        return {}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
