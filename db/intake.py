"""Storing answer sheets: the survey intake's write path.

A sheet is one ``survey_response`` row and its ``survey_answer`` rows. The ORM would
build an object per row and flush them one statement at a time; here the response row
is one ``INSERT ... RETURNING id`` and every answer of the sheet one ``executemany``.
Validation is the caller's (services.responses checks a sheet against the questionnaire
before the transaction opens), so that on SQLite the write lock covers these statements
only.

Two ways in:

* :func:`insert_sheets`: Core statements in the caller's transaction (a unit of work's
  connection), one sheet or many (insertmanyvalues, ids in parameter order);
* :func:`store_sheet`: one sheet in a transaction of its own, straight through the
  DB-API connection of a pooled connection. This is the path of every ordinary
  submission. SQLAlchemy's execution machinery costs about as much per statement as
  SQLite's own insert does, so a sheet written through it costs two to three times what
  the database needs; the statements here are written for the two dialects the
  platform runs on (on PostgreSQL the sheet is one statement), with the values
  SQLAlchemy would bind (JSON as ``json.dumps`` text). On SQLite the intake's writers
  queue for the write lock (:class:`_WriterQueue`) instead of polling for it.

Both check the campaign with :func:`fingerprint`: its status and the newest audit entry
about it, which together say whether questionnaire look-ups cached earlier still hold
(services.intake_cache).
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Connection, Engine, bindparam, func, insert, select
from sqlalchemy.exc import DBAPIError

try:  # POSIX; elsewhere SQLite intake writers queue within their process only
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from db.models import AuditEntry, Campaign, SurveyAnswer, SurveyResponse

RESPONSE = SurveyResponse.__table__
ANSWER = SurveyAnswer.__table__

# Every column is named in every row, so that each sheet compiles to the one cached
# statement (SQLAlchemy's compiled cache keys on the columns present).
_INSERT_ONE = insert(RESPONSE).returning(RESPONSE.c.id)
_INSERT_MANY = insert(RESPONSE).returning(RESPONSE.c.id, sort_by_parameter_order=True)
_INSERT_ANSWERS = insert(ANSWER)

# The newest audit entry about a campaign: every staff change to it (status transitions
# included) appends one, so an unchanged value means nothing was changed through the app.
_MARKER = (
    select(func.max(AuditEntry.id))
    .where(AuditEntry.entity == "campaign", AuditEntry.entity_id == Campaign.code)
    .scalar_subquery()
)
_FINGERPRINT = select(Campaign.status, _MARKER).where(Campaign.id == bindparam("campaign_id"))


@dataclass(slots=True)
class Sheet:
    """One answer sheet as stored: ``answers`` are (item id, option code) pairs."""

    campaign_id: int
    code: str
    unit_id: int
    group_id: int
    answers: Sequence[tuple[int, str]]
    channel: str = "web"
    submitted_at: str = ""
    status: str = "valid"
    attributes: dict[str, str] = field(default_factory=dict)
    invitation_id: int | None = None
    respondent_hash: str | None = None
    respondent_name_enc: bytes | None = None
    comment: str = ""
    problem_types: list[str] = field(default_factory=list)
    quality_flags: list[str] = field(default_factory=list)
    review_note: str = ""
    duration_seconds: float | None = None
    device_hash: str | None = None
    network_hash: str | None = None

    def values(self) -> tuple[Any, ...]:
        """The response row in the order of :data:`_RESPONSE_COLUMNS`, JSON as text."""
        return (
            self.campaign_id,
            self.code,
            self.unit_id,
            self.group_id,
            self.channel,
            self.submitted_at,
            self.status,
            _dump(self.attributes),
            self.invitation_id,
            self.respondent_hash,
            self.respondent_name_enc,
            self.device_hash,
            self.network_hash,
            self.duration_seconds,
            self.comment,
            _dump(self.problem_types),
            _dump(self.quality_flags),
            self.review_note,
        )

    def response_row(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "code": self.code,
            "unit_id": self.unit_id,
            "group_id": self.group_id,
            "channel": self.channel,
            "submitted_at": self.submitted_at,
            "status": self.status,
            "attributes": self.attributes,
            "invitation_id": self.invitation_id,
            "respondent_hash": self.respondent_hash,
            "respondent_name_enc": self.respondent_name_enc,
            "device_hash": self.device_hash,
            "network_hash": self.network_hash,
            "duration_seconds": self.duration_seconds,
            "comment": self.comment,
            "problem_types": self.problem_types,
            "quality_flags": self.quality_flags,
            "review_note": self.review_note,
        }


def insert_sheets(connection: Connection, sheets: Sequence[Sheet]) -> list[int]:
    """Insert ``sheets`` (responses, then their answers) in the caller's transaction;
    returns the response ids in the order of ``sheets``. Nothing is committed here."""
    if not sheets:
        return []
    rows = [sheet.response_row() for sheet in sheets]
    if len(rows) == 1:
        ids = [connection.execute(_INSERT_ONE, rows[0]).scalar_one()]
    else:
        ids = list(connection.execute(_INSERT_MANY, rows).scalars())
    answers = [
        {"response_id": response_id, "item_id": item_id, "option_code": option_code}
        for response_id, sheet in zip(ids, sheets, strict=True)
        for item_id, option_code in sheet.answers
    ]
    if answers:
        connection.execute(_INSERT_ANSWERS, answers)
    return ids


def fingerprint(connection: Connection, campaign_id: int) -> tuple[str, int | None] | None:
    """(status, newest audit entry id about the campaign), or None for no such campaign."""
    row = connection.execute(_FINGERPRINT, {"campaign_id": campaign_id}).first()
    if row is None:
        return None
    return str(row[0]), row[1]


# ---------------------------------------------------------------- one sheet, DB-API

DIALECTS: Final = frozenset({"sqlite", "postgresql"})
_RESPONSE_COLUMNS: Final = (
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
    "respondent_name_enc",
    "device_hash",
    "network_hash",
    "duration_seconds",
    "comment",
    "problem_types",
    "quality_flags",
    "review_note",
)
_JSON_COLUMNS: Final = frozenset({"attributes", "problem_types", "quality_flags"})
_FINGERPRINT_SQL: Final = (
    "SELECT status, (SELECT max(a.id) FROM audit_entry a "
    "WHERE a.entity = 'campaign' AND a.entity_id = campaign.code) FROM campaign WHERE id = {p}"
)


_SQLITE: Final = (
    _FINGERPRINT_SQL.format(p="?"),
    f"INSERT INTO survey_response ({', '.join(_RESPONSE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_RESPONSE_COLUMNS))}) RETURNING id",
    "INSERT INTO survey_answer (response_id, item_id, option_code) VALUES (?, ?, ?)",
)


class _WriterQueue:
    """Intake writers of one SQLite database queue here before ``BEGIN IMMEDIATE``.

    SQLite's busy handler does not queue: a writer that finds the lock taken sleeps 1, 2,
    5, 10... ms and tries again, while the lock (held well under a millisecond for a sheet)
    sits free. With a few processes writing sheets, that idles the database more than it
    works, and 8 processes store fewer sheets than 1. Here the writers of this process
    wait on a thread lock and the processes on an exclusive ``flock`` of a file beside the
    database (``<database>-intake.lock``), both of which wake the next writer as soon as
    the previous one commits. ``BEGIN IMMEDIATE`` still decides: writers that do not queue
    here (staff actions, other tools) meet the lock as before, and a process that dies
    holding the file lock loses it with its file descriptors.
    """

    def __init__(self, path: str | None) -> None:
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        if path and fcntl is not None:
            try:
                self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:  # a read-only folder: queue within this process only
                self._fd = None

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


_queues: dict[str, _WriterQueue] = {}
_queues_lock = threading.Lock()


def _writer_queue(engine: Engine) -> _WriterQueue:
    database = engine.url.database or ""
    with _queues_lock:
        queue = _queues.get(database)
        if queue is None:
            in_memory = database in ("", ":memory:") or database.startswith("file:")
            queue = _queues[database] = _WriterQueue(None if in_memory else f"{database}-intake.lock")
        return queue


def _dump(value: Any) -> str:
    # json.dumps, as SQLAlchemy's JSON type binds it; the usual empty values without the call
    if not value:
        return "[]" if isinstance(value, list) else json.dumps(value)
    return json.dumps(value)


def store_sheet(engine: Engine, sheet: Sheet, expected: tuple[str, int | None]) -> int | None:
    """Store ``sheet`` in a transaction of its own if the campaign's :func:`fingerprint`
    is still ``expected``; returns the response id, or None (nothing written) if not.

    Errors of the driver come out as SQLAlchemy's (``IntegrityError``, ``OperationalError``
    with ``.orig``), as from any other statement.
    """
    dialect = engine.dialect.name
    store = _store_sqlite if dialect == "sqlite" else _store_postgresql
    params = sheet.values()
    pooled = engine.raw_connection()
    try:
        dbapi = pooled.driver_connection
        try:
            if dialect == "sqlite":
                with _writer_queue(engine):
                    return store(dbapi, sheet, params, expected)
            return store(dbapi, sheet, params, expected)
        except engine.dialect.loaded_dbapi.Error as exc:
            _rollback(dbapi, dialect)
            raise DBAPIError.instance(
                "INSERT INTO survey_response", None, exc, engine.dialect.loaded_dbapi.Error
            ) from exc
        except BaseException:
            _rollback(dbapi, dialect)
            raise
    finally:
        pooled.close()  # back to the pool, which resets it (rollback) as after any use


def _store_sqlite(
    dbapi: Any, sheet: Sheet, params: tuple[Any, ...], expected: tuple[str, int | None]
) -> int | None:
    """``BEGIN IMMEDIATE``, as every transaction of the platform (db.engine): the write
    lock is taken up front and held for these four statements only."""
    fingerprint_sql, response_sql, answer_sql = _SQLITE
    dbapi.execute("BEGIN IMMEDIATE")
    found = dbapi.execute(fingerprint_sql, (sheet.campaign_id,)).fetchone()
    if found is None or (str(found[0]), found[1]) != expected:
        dbapi.execute("ROLLBACK")
        return None
    (response_id,) = dbapi.execute(response_sql, params).fetchone()
    dbapi.executemany(answer_sql, [(response_id, item, option) for item, option in sheet.answers])
    dbapi.execute("COMMIT")
    return int(response_id)


def _store_postgresql(
    dbapi: Any, sheet: Sheet, params: tuple[Any, ...], expected: tuple[str, int | None]
) -> int | None:
    """The check, then the whole sheet in one statement (the response inserted in a CTE,
    its answers from its RETURNING), then COMMIT, or ROLLBACK if the campaign changed.
    Every round trip counts here: with a few processes writing, each costs a context
    switch on both sides."""
    fingerprint_sql = _FINGERPRINT_SQL.format(p="%s")
    answers = [value for pair in sheet.answers for value in pair]
    found = dbapi.execute(fingerprint_sql, (sheet.campaign_id,)).fetchone()
    row = dbapi.execute(_sheet_sql(len(sheet.answers)), (*params, *answers)).fetchone()
    if found is None or (str(found[0]), found[1]) != expected or row is None:
        dbapi.rollback()
        return None
    dbapi.commit()
    return int(row[0])


@functools.lru_cache(maxsize=64)
def _sheet_sql(answers: int) -> str:
    """PostgreSQL: one statement for a sheet of ``answers`` answers (at least one)."""
    columns = ", ".join(_RESPONSE_COLUMNS)
    values = ", ".join("CAST(%s AS JSON)" if c in _JSON_COLUMNS else "%s" for c in _RESPONSE_COLUMNS)
    # the first row's casts type the VALUES list
    rows = ", ".join(["(CAST(%s AS INTEGER), CAST(%s AS VARCHAR))"] + ["(%s, %s)"] * (answers - 1))
    return (
        f"WITH r AS (INSERT INTO survey_response ({columns}) VALUES ({values}) RETURNING id) "
        "INSERT INTO survey_answer (response_id, item_id, option_code) "
        "SELECT r.id, a.item_id, a.option_code "
        f"FROM r CROSS JOIN (VALUES {rows}) AS a (item_id, option_code) "
        "RETURNING response_id"
    )


def _rollback(dbapi: Any, dialect: str) -> None:
    try:
        if dialect == "sqlite":
            if dbapi.in_transaction:
                dbapi.execute("ROLLBACK")
        else:
            dbapi.rollback()
    except Exception:  # the pool's reset on return rolls back again, or discards it
        pass
