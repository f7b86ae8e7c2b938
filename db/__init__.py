"""Persistence: SQLAlchemy models, the one engine and session factory, unit of work and the demo city."""
