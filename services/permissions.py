"""Who may do what (权限), checked inside the service functions themselves.

Hiding a page is a convenience; the rule lives here, so a request that reaches a
service by another path (a crafted rerun, the command line, a future API) is refused
the same way. Separation of duties follows the appraisal's organisation: the
organization department's admins run the campaign and publish; the third-party
contractor's supervisors and callers do the fieldwork (admins may watch it but not do
it, so the contractor stays independent); a unit's liaison (联络员) sees and appeals
only for its own unit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from db.models import Role
from services.errors import ServiceError


class Permission(enum.StrEnum):
    manage_users = "manage_users"
    configure_campaign = "configure_campaign"  # campaign settings, inputs, opening and closing fieldwork
    score = "score"  # scoring, review, re-scoring
    publish = "publish"  # request and approve publication, end the notice period (公示期)
    decide_appeal = "decide_appeal"
    watch_fieldwork = "watch_fieldwork"
    assign_cases = "assign_cases"
    record_calls = "record_calls"  # only on the caller's own cases
    view_unit_detail = "view_unit_detail"  # a unit's individual responses; liaisons only their own
    file_appeal = "file_appeal"  # liaisons only, for their own unit
    record_inspections = "record_inspections"  # inspectors, on the rounds assigned to them
    manage_registries = "manage_registries"  # inspection rounds, accountability cases, fault tolerance, heads


ROLE_PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.admin: frozenset(
        {
            Permission.manage_users,
            Permission.configure_campaign,
            Permission.score,
            Permission.publish,
            Permission.decide_appeal,
            Permission.watch_fieldwork,
            Permission.view_unit_detail,
            Permission.manage_registries,
        }
    ),
    Role.supervisor: frozenset({Permission.watch_fieldwork, Permission.assign_cases}),
    Role.caller: frozenset({Permission.record_calls}),
    Role.liaison: frozenset({Permission.view_unit_detail, Permission.file_appeal}),
    Role.inspector: frozenset({Permission.record_inspections}),
}

# Roles whose permissions reach only their own unit (``CurrentUser.unit_id``).
UNIT_SCOPED_ROLES: Final = frozenset({Role.liaison})


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The signed-in person as the services see them: plain values, safe to keep in a
    Streamlit session (an ORM object is not)."""

    id: int
    username: str
    role: Role
    unit_id: int | None = None
    display_name: str = ""


class PermissionDenied(ServiceError):
    """The user's role does not allow the action, or not on this unit or case."""


def allowed(user: CurrentUser | None, permission: Permission, unit_id: int | None = None) -> bool:
    """Whether ``user`` may do ``permission`` (on ``unit_id`` when the action concerns one unit)."""
    if user is None or permission not in ROLE_PERMISSIONS.get(Role(user.role), frozenset()):
        return False
    return not (Role(user.role) in UNIT_SCOPED_ROLES and (unit_id is None or unit_id != user.unit_id))


def require_role(user: CurrentUser | None, permission: Permission) -> CurrentUser:
    """Raise :class:`PermissionDenied` unless the user's role has ``permission`` at all
    (before looking up the unit a unit-scoped check needs)."""
    if user is None:
        raise PermissionDenied(f"sign in first: {permission.value} needs an account")
    if permission not in ROLE_PERMISSIONS.get(Role(user.role), frozenset()):
        roles = ", ".join(sorted(r.value for r, p in ROLE_PERMISSIONS.items() if permission in p))
        raise PermissionDenied(
            f"{user.username} ({Role(user.role).value}) may not {permission.value}; allowed roles: {roles}"
        )
    return user


def require(user: CurrentUser | None, permission: Permission, unit_id: int | None = None) -> CurrentUser:
    """Raise :class:`PermissionDenied` unless :func:`allowed`; returns the (signed-in) user."""
    user = require_role(user, permission)
    if not allowed(user, permission, unit_id):
        raise PermissionDenied(
            f"{user.username} ({Role(user.role).value}) may {permission.value} only for their own unit"
        )
    return user
