"""Domain errors raised by the services; their messages are meant for the person acting."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every refusal a service gives on purpose."""


class NotFound(ServiceError):
    """A campaign, unit, user or case named in the request does not exist."""


class Refused(ServiceError):
    """The action is not possible in the current state (a lifecycle precondition fails)."""


class InputsFrozen(Refused):
    """The campaign is published: its inputs may no longer change."""


class DuplicateResponse(Refused):
    """The same respondent already answered about this unit in this campaign."""
