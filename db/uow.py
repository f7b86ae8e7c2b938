"""Unit of work: services do their work inside ``with uow:`` and call ``commit()``;
leaving the block without a commit rolls everything back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import session_factory


class UnitOfWork:
    """One transaction. ``actor`` names who acts (a username, ``webhook:twilio``, ``cli``)
    for the audit trail."""

    session: Session

    def __init__(self, factory: sessionmaker[Session] | None = None, *, actor: str = "system") -> None:
        self._factory = factory or session_factory()
        self.actor = actor
        self.committed = False

    @property
    def engine(self) -> Engine | None:
        """The engine this unit of work's sessions connect to (None: bound otherwise),
        known without opening a session: the survey intake writes a sheet through it
        directly (services.responses)."""
        bind = self._factory.kw.get("bind")
        return bind if isinstance(bind, Engine) else None

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.session.begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        self.session.rollback()
