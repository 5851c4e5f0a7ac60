"""The roles a user can hold. A BPMN lane's name must be one of these ids."""

from __future__ import annotations

ROLES: tuple[str, ...] = ("applicant", "approver", "executor", "sysadmin", "analyst", "auditor")


def unknown_roles(names: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """Return the names that are not role ids, in the order given."""
    return [name for name in names if name not in ROLES]
