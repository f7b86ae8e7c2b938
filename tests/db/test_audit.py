"""The audit trail (留痕): entries chain with SHA-256 and tampering is detected."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from db import audit, cli
from db.models import AuditEntry
from tests.db.kit import MakeUow


def record_three(make_uow: MakeUow) -> list[int]:
    ids = []
    for n, actor in enumerate(["张三", "admin2", "webhook:twilio"], start=1):
        with make_uow(actor) as uow:
            entry = audit.record(uow, "unit.rename", "unit", f"u{n}", {"name": f"旧{n}"}, {"name": f"新{n}"})
            uow.commit()
            ids.append(entry.id)
    return ids


def test_an_entry_records_who_what_when_and_the_values_before_and_after(make_uow: MakeUow) -> None:
    at = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)
    with make_uow("admin1") as uow:
        audit.record(uow, "campaign.update", "campaign", "c1", {"notice_days": 7}, {"notice_days": 10}, at=at)
        uow.commit()

    with make_uow() as uow:
        entry = uow.session.execute(select(AuditEntry)).scalar_one()
        assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
            "admin1",
            "campaign.update",
            "campaign",
            "c1",
        )
        assert (entry.before, entry.after) == ({"notice_days": 7}, {"notice_days": 10})
        assert entry.prev_hash == "0" * 64
        content = (
            '{"action":"campaign.update","actor":"admin1","after":{"notice_days":10},'
            '"at":"2026-05-04T03:02:01.123456Z","before":{"notice_days":7},"entity":"campaign","entity_id":"c1"}'
        )
        assert entry.entry_hash == hashlib.sha256(("0" * 64 + content).encode()).hexdigest()


def test_each_entry_chains_onto_the_one_before(make_uow: MakeUow) -> None:
    record_three(make_uow)

    with make_uow() as uow:
        entries = uow.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
        assert audit.verify(uow.session) == []
        assert audit.head(uow.session) == (3, entries[-1].entry_hash)


def test_values_of_every_kind_read_back_so_that_the_chain_verifies(make_uow: MakeUow) -> None:
    values = {
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "day": date(2026, 1, 2),
        "score": 87.123456789,
        "nan": float("nan"),
        "text": '满意 "quoted" \\ ✓',
        "list": [1, None, True, {"b": 2, "a": 1}],
        "tags": {"b", "a"},
        "blob": b"\x00\x01",
    }
    with make_uow("admin1") as uow:
        audit.record(uow, "x.y", "thing", 1, None, values)
        uow.commit()

    with make_uow() as uow:
        assert audit.verify(uow.session) == []
        after = uow.session.execute(select(AuditEntry.after)).scalar_one()
        assert after["when"] == "2026-01-02T03:04:05.000000Z"
        assert after["tags"] == ["a", "b"]


def test_an_entry_rolls_back_with_the_change_it_describes(make_uow: MakeUow) -> None:
    with make_uow("admin1") as uow:
        audit.record(uow, "x.y", "thing", 1, None, {"a": 1})
        # no commit

    with make_uow() as uow:
        assert uow.session.execute(select(AuditEntry)).first() is None


def test_an_edited_after_value_is_detected(make_uow: MakeUow) -> None:
    ids = record_three(make_uow)

    with make_uow() as uow:
        uow.session.execute(
            text(f"""UPDATE audit_entry SET after = '{{"name": "改过"}}' WHERE id = {ids[1]}""")
        )
        uow.commit()

    with make_uow() as uow:
        problems = audit.verify(uow.session)
    assert [(p.entry_id, "edited" in p.message) for p in problems] == [(ids[1], True)]


@pytest.mark.parametrize(
    "assignment",
    ["actor = 'someone else'", "action = 'unit.delete'", "entity_id = 'u9'", "before = NULL"],
)
def test_any_edited_field_is_detected(make_uow: MakeUow, assignment: str) -> None:
    ids = record_three(make_uow)

    with make_uow() as uow:
        uow.session.execute(text(f"UPDATE audit_entry SET {assignment} WHERE id = {ids[0]}"))
        uow.commit()

    with make_uow() as uow:
        assert [p.entry_id for p in audit.verify(uow.session)] == [ids[0]]


def test_an_edited_time_is_detected(make_uow: MakeUow) -> None:
    ids = record_three(make_uow)

    with make_uow() as uow:
        entry = uow.session.get(AuditEntry, ids[2])
        assert entry is not None
        entry.at = datetime(2020, 1, 1, tzinfo=UTC)
        uow.commit()

    with make_uow() as uow:
        assert [p.entry_id for p in audit.verify(uow.session)] == [ids[2]]


def test_a_deleted_middle_entry_is_detected(make_uow: MakeUow) -> None:
    ids = record_three(make_uow)

    with make_uow() as uow:
        uow.session.execute(text(f"DELETE FROM audit_entry WHERE id = {ids[1]}"))
        uow.commit()

    with make_uow() as uow:
        problems = audit.verify(uow.session)
    assert [(p.entry_id, "deleted or inserted" in p.message) for p in problems] == [(ids[2], True)]


def test_an_inserted_entry_is_detected(make_uow: MakeUow) -> None:
    ids = record_three(make_uow)

    # A forged entry that even links onto the chain's head, but whose hash was made up.
    with make_uow() as uow:
        last = uow.session.get(AuditEntry, ids[2])
        assert last is not None
        uow.session.add(
            AuditEntry(
                at=datetime(2026, 1, 1, tzinfo=UTC),
                actor="admin1",
                action="unit.rename",
                entity="unit",
                entity_id="u1",
                before=None,
                after={"name": "伪造"},
                prev_hash=last.entry_hash,
                entry_hash="f" * 64,
            )
        )
        uow.commit()

    with make_uow() as uow:
        problems = audit.verify(uow.session)
    assert len(problems) == 1 and problems[0].entry_id > ids[2]


def test_cli_verify_audit_prints_ok_or_the_problems_and_exits_1(
    make_uow: MakeUow, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    ids = record_three(make_uow)

    assert cli.main(["verify-audit"]) == 0
    assert "audit trail OK: 3 entries" in capsys.readouterr().out

    with make_uow() as uow:
        uow.session.execute(text(f"DELETE FROM audit_entry WHERE id = {ids[1]}"))
        uow.commit()

    assert cli.main(["verify-audit"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out and f"entry {ids[2]}:" in out
