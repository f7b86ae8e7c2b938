"""Benchmark bundle import against the database's own bulk load of the same rows.

    python bench/bench_import.py [--bundle DIR] [--units 5000] [--responses 1000000]
                                 [--cases 250000] [--seed 1] [--repeat 1] [--sqlite-only]
                                 [--json FILE]

For each backend (SQLite always; PostgreSQL when ``DATABASE_URL`` names one):

* ours: ``db.bundle_io.import_bundle`` of the bundle into a fresh, migrated database,
  validation and commit included, as rows inserted per second;
* theirs: the very rows ours inserted (read back, every column) loaded into another
  fresh database with the same schema by the database's own bulk path, timed around
  the load and commit only: ``executemany`` of plain tuples through :mod:`sqlite3` (with
  the platform's pragmas and the same page cache as the import), or ``COPY ... FROM
  STDIN`` through psycopg's ``cursor.copy``;
* ratio: ours / theirs, goal ≥ 0.5.

The script always exits 0: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import config  # noqa: E402
from bench import generate_bundle  # noqa: E402
from bench.run_bench import DEFAULT_BUNDLE, ensure_bundle  # noqa: E402
from db import migrate  # noqa: E402
from db.bundle_io import SQLITE_IMPORT_CACHE_KIB, import_bundle  # noqa: E402
from db.engine import SQLITE_BUSY_TIMEOUT_MS, dispose_all, session_factory  # noqa: E402
from db.models import Base  # noqa: E402
from db.uow import UnitOfWork  # noqa: E402
from scoring import load_bundle  # noqa: E402

GOAL_RATIO = 0.5


def import_ours(url: str, bundle: Path) -> tuple[float, dict[str, int]]:
    """Seconds for import_bundle + commit, and the rows inserted per table."""
    factory = session_factory(url)
    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    with UnitOfWork(factory, actor="bench") as uow:
        import_bundle(uow, bundle, counts=counts)
        uow.commit()
    seconds = time.perf_counter() - t0
    dispose_all()
    return seconds, {name: n for name, n in counts.items() if n}


def table_order(counts: dict[str, int]) -> list[str]:
    """Tables with rows, parents before children (the model's dependency order)."""
    return [t.name for t in Base.metadata.sorted_tables if t.name in counts]


def columns_of(table: str) -> list[str]:
    return [c.name for c in Base.metadata.tables[table].columns]


# ---------------------------------------------------------------------------- SQLite


def sqlite_connect(path: str) -> sqlite3.Connection:
    """A plain sqlite3 connection with the platform's settings (db.engine) and the page
    cache that import_bundle gives its connection, so both load under the same terms."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    return conn


def sqlite_rows(path: str, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite_connect(path)
    try:
        return {
            t: conn.execute(f"SELECT {', '.join(columns_of(t))} FROM {t} ORDER BY id").fetchall()
            for t in tables
        }
    finally:
        conn.close()


def sqlite_load(path: str, rows: dict[str, list[tuple[Any, ...]]]) -> float:
    """executemany of plain tuples, one transaction; seconds."""
    conn = sqlite_connect(path)
    try:
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table, data in rows.items():
            cols = columns_of(table)
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            conn.executemany(sql, data)
        conn.execute("COMMIT")
        return time.perf_counter() - t0
    finally:
        conn.close()


def bench_sqlite(bundle: Path, work: Path, repeat: int) -> dict[str, Any]:
    ours_s, theirs_s = [], []
    counts: dict[str, int] = {}
    for k in range(repeat):
        ours_db, theirs_db = str(work / f"ours{k}.sqlite3"), str(work / f"theirs{k}.sqlite3")
        for path in (ours_db, theirs_db):
            migrate.upgrade(f"sqlite:///{path}")
        dispose_all()
        seconds, counts = import_ours(f"sqlite:///{ours_db}", bundle)
        rows = sqlite_rows(ours_db, table_order(counts))
        ours_s.append(seconds)
        theirs_s.append(sqlite_load(theirs_db, rows))
        del rows
        for path in work.iterdir():
            path.unlink()
    return report("sqlite", ours_s, theirs_s, counts, "executemany of tuples (sqlite3)")


# ---------------------------------------------------------------------------- PostgreSQL


def pg_url(base: str, database: str) -> str:
    url = make_url(base).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


def pg_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_rows(url: str, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    json_columns = {
        (t.name, c.name)
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if c.type.__visit_name__ == "JSON"
    }
    out = {}
    with psycopg.connect(pg_conninfo(url)) as conn:
        for t in tables:
            # JSON as its text, so that COPY gets exactly what is stored
            cols = [f"{c}::text" if (t, c) in json_columns else c for c in columns_of(t)]
            out[t] = conn.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY id").fetchall()
    return out


def pg_load(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> float:
    """COPY FROM STDIN of every table, one transaction; seconds."""
    with psycopg.connect(pg_conninfo(url)) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for table, data in rows.items():
                with cur.copy(f"COPY {table} ({', '.join(columns_of(table))}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
        conn.commit()
        return time.perf_counter() - t0


def bench_postgres(bundle: Path, base_url: str, repeat: int) -> dict[str, Any]:
    admin = psycopg.connect(pg_conninfo(pg_url(base_url, "postgres")), autocommit=True)
    ours_s, theirs_s = [], []
    counts: dict[str, int] = {}
    try:
        for _ in range(repeat):
            names = [f"bench_import_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("ours", "theirs")]
            try:
                for name in names:
                    admin.execute(f'CREATE DATABASE "{name}"')
                    migrate.upgrade(pg_url(base_url, name))
                dispose_all()
                ours_url, theirs_url = (pg_url(base_url, n) for n in names)
                seconds, counts = import_ours(ours_url, bundle)
                rows = pg_rows(ours_url, table_order(counts))
                ours_s.append(seconds)
                theirs_s.append(pg_load(theirs_url, rows))
                del rows
            finally:
                dispose_all()
                for name in names:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
    return report("postgresql", ours_s, theirs_s, counts, "COPY FROM STDIN (psycopg cursor.copy)")


# ---------------------------------------------------------------------------- report


def report(
    backend: str, ours_runs: list[float], theirs_runs: list[float], counts: dict[str, int], how: str
) -> dict[str, Any]:
    """Print and return the figures (medians over the repetitions)."""
    ours_s, theirs_s = statistics.median(ours_runs), statistics.median(theirs_runs)
    rows = sum(counts.values())
    ours_rate, theirs_rate = rows / ours_s, rows / theirs_s
    ratio = ours_rate / theirs_rate
    print(f"{backend}: {rows:,} rows, median of {len(ours_runs)} run(s)")
    print(f"  ours    {ours_s:8.2f} s  {ours_rate:>10,.0f} rows/s  import_bundle, validation + commit")
    print(
        f"  theirs  {theirs_s:8.2f} s  {theirs_rate:>10,.0f} rows/s  {how}, same rows, load and commit only"
    )
    print(f"  ratio   {ratio:8.2f}    goal >= {GOAL_RATIO}: {'PASS' if ratio >= GOAL_RATIO else 'FAIL'}")
    return {
        "backend": backend,
        "rows": rows,
        "tables": counts,
        "ours_seconds": ours_s,
        "theirs_seconds": theirs_s,
        "ours_runs": ours_runs,
        "theirs_runs": theirs_runs,
        "ours_rows_per_s": ours_rate,
        "theirs_rows_per_s": theirs_rate,
        "ratio": ratio,
        "pass": ratio >= GOAL_RATIO,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; always returns 0 (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Bundle import vs the database's own bulk load")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="bundle cache folder")
    parser.add_argument("--use-existing", action="store_true", help="import --bundle as it is")
    parser.add_argument("--units", type=int, default=generate_bundle.DEFAULT_UNITS)
    parser.add_argument("--responses", type=int, default=generate_bundle.DEFAULT_RESPONSES)
    parser.add_argument("--cases", type=int, default=generate_bundle.DEFAULT_CASES)
    parser.add_argument("--seed", type=int, default=generate_bundle.DEFAULT_SEED)
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even if configured")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (medians)")
    parser.add_argument("--json", type=Path, help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    bundle: Path = args.bundle.resolve()
    if not args.use_existing:
        params = {"units": args.units, "responses": args.responses, "cases": args.cases, "seed": args.seed}
        made = ensure_bundle(bundle, params)
        print(f"bundle  {bundle} ({'generated' if made else 'reused from cache'}; {params})")
    t0 = time.perf_counter()
    load_bundle(bundle)
    print(f"        validation alone (load_bundle): {time.perf_counter() - t0:.2f} s\n")

    results = []
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        results.append(bench_sqlite(bundle, work, max(1, args.repeat)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    url = config.DATABASE_URL.get().strip()
    if args.sqlite_only:
        print("postgresql: skipped (--sqlite-only)")
    elif url and make_url(url).get_backend_name() == "postgresql":
        results.append(bench_postgres(bundle, url, max(1, args.repeat)))
    else:
        print("postgresql: skipped (DATABASE_URL names no PostgreSQL server)")
    if args.json:
        args.json.write_text(json.dumps({"bundle": str(bundle), "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
