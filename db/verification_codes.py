"""Pending phone verifications in the database (table ``verification_code``).

One row per mobile number (its keyed hash) waiting for its code to be typed back: the
code's HMAC when we made the code, its expiry and the wrong tries so far. Every app process
reads and writes the same rows, so a code sent through one process is accepted by another,
and a restart loses nothing. survey/verification.py decides what the rows mean; this module
only reads and writes them, inside the caller's transaction, one writer per number at a time.

Writes are plain statements (no ORM flush that expects to find its row): a sweep (:func:`db.throttle.sweep`)
in another process may delete an expired row at any moment, and that must not fail here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db import throttle
from db.models import VerificationCode

SCOPE = "verify.code"  # the key space for serialising writers of one number


@dataclass(frozen=True, slots=True)
class Pending:
    number_hash: str
    code_hash: str | None
    code_enc: bytes | None
    attempts: int
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return throttle.utc(now) >= self.expires_at


def pending(session: Session, number_hash: str) -> Pending | None:
    """The pending verification of ``number_hash`` (expired or not); the number is held by
    this transaction until it ends."""
    throttle.serialize(session, SCOPE, number_hash)
    row = session.execute(
        select(
            VerificationCode.code_hash,
            VerificationCode.code_enc,
            VerificationCode.attempts,
            VerificationCode.expires_at,
        ).where(VerificationCode.number_hash == number_hash)
    ).first()
    if row is None:
        return None
    return Pending(number_hash, row.code_hash, row.code_enc, row.attempts, throttle.utc(row.expires_at))


def put(
    session: Session,
    number_hash: str,
    expires_at: datetime,
    *,
    code_hash: str | None = None,
    code_enc: bytes | None = None,
    keep_code: bool = False,
) -> None:
    """A fresh pending verification of ``number_hash`` (no tries yet), replacing any earlier
    one; ``keep_code`` leaves a code already stored (by the verifier) in place."""
    earlier = pending(session, number_hash)
    if keep_code and earlier is not None:
        code_hash, code_enc = earlier.code_hash, earlier.code_enc
    discard(session, number_hash)
    session.execute(
        insert(VerificationCode).values(
            number_hash=number_hash,
            code_hash=code_hash,
            code_enc=code_enc,
            attempts=0,
            expires_at=throttle.utc(expires_at),
        )
    )


def count_try(session: Session, number_hash: str) -> None:
    """One more try at the code of ``number_hash``."""
    session.execute(
        update(VerificationCode)
        .where(VerificationCode.number_hash == number_hash)
        .values(attempts=VerificationCode.attempts + 1)
    )


def discard(session: Session, number_hash: str) -> None:
    session.execute(delete(VerificationCode).where(VerificationCode.number_hash == number_hash))
