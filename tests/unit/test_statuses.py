"""The statuses (``storage/statuses.py``): the strings stored never change, and the partial indexes
(the models' and, as migrated to the head, the migrations') name exactly the statuses they should."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import Index

from storage import domain_models
from storage.statuses import (
    ACTIVE_INSTANCE,
    ENDED_INSTANCE,
    IN_FLIGHT_COMMAND,
    MOVED_ON_COMMAND,
    CommandStatus,
    InstanceStatus,
    MessageStatus,
    OrderStatus,
    OutboxStatus,
    PowerStatus,
    sql_list,
    sql_literal,
)

VERSIONS = Path(domain_models.__file__).parent / "migrations" / "versions"

# What rows hold today: changing one of these strings would orphan every row written with it.
STORED = {
    InstanceStatus: ["created", "running", "incident", "suspended", "completed", "terminated"],
    CommandStatus: ["queued", "sent", "accepted", "executed", "failed", "expired", "abandoned", "cancelled"],
    OrderStatus: ["open", "closed", "abandoned"],
    PowerStatus: ["connected", "disconnected"],
    OutboxStatus: ["pending", "sent", "dead", "cancelled"],
    MessageStatus: ["pending", "delivered", "rejected"],
}

# Each partial index: the column its condition tests and the statuses it must name, no more, no fewer.
PARTIAL_INDEXES: dict[str, tuple[str, set[StrEnum]]] = {
    "ix_customers_disconnected": ("power_status", {PowerStatus.DISCONNECTED}),
    "ux_reconnections_open_customer": ("status", {OrderStatus.OPEN}),
    "ux_meter_commands_in_flight": ("status", set(IN_FLIGHT_COMMAND)),
}


@pytest.mark.parametrize("enum", list(STORED), ids=lambda enum: enum.__name__)
def test_the_stored_strings_never_change(enum: type[StrEnum]) -> None:
    assert [member.value for member in enum] == STORED[enum]
    assert all(member == member.value and str(member) == member.value for member in enum)


def test_the_groups_split_the_statuses() -> None:
    assert set(ACTIVE_INSTANCE).isdisjoint(ENDED_INSTANCE)
    assert set(ACTIVE_INSTANCE) | set(ENDED_INSTANCE) == set(InstanceStatus)
    assert set(IN_FLIGHT_COMMAND).isdisjoint(MOVED_ON_COMMAND)
    assert IN_FLIGHT_COMMAND == (CommandStatus.QUEUED, CommandStatus.SENT, CommandStatus.ACCEPTED)


def test_sql_literals() -> None:
    assert sql_literal(CommandStatus.QUEUED) == "'queued'"
    assert sql_list(IN_FLIGHT_COMMAND) == "'queued', 'sent', 'accepted'"


def _named(where: str) -> tuple[str, set[str]]:
    """(column, the quoted values) of a condition ``column = 'x'`` or ``column IN ('x', 'y')``."""
    found = re.fullmatch(r"(\w+) (?:= '(\w+)'|IN \(((?:'\w+'(?:, )?)+)\))", where)
    assert found, f"not a status condition: {where!r}"
    column, one, many = found.groups()
    return column, {one} if one else set(re.findall(r"'(\w+)'", many))


def _model_indexes() -> dict[str, Index]:
    return {index.name: index for model in (domain_models.Customer, domain_models.Reconnection,
                                            domain_models.MeterCommand)
            for index in model.__table__.indexes if index.name in PARTIAL_INDEXES}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(PARTIAL_INDEXES))
def test_the_models_partial_indexes_name_their_statuses(name: str) -> None:
    index = _model_indexes()[name]
    column, statuses = PARTIAL_INDEXES[name]
    for dialect in ("sqlite", "postgresql"):
        assert _named(str(index.dialect_options[dialect]["where"])) == (column, {s.value for s in statuses})


def _migrated_conditions() -> dict[str, dict[str, str]]:
    """Each index's conditions as the last migration that creates it (in revision order) writes them."""
    conditions: dict[str, dict[str, str]] = {}
    created = re.compile(r"create_index\('(\w+)'[^\n]*?sqlite_where=sa\.text\(\"([^\"]*)\"\), "
                         r"postgresql_where=sa\.text\(\"([^\"]*)\"\)")
    for path in sorted(VERSIONS.glob("[0-9]*.py")):
        for name, sqlite, postgresql in created.findall(path.read_text(encoding="utf-8")):
            conditions[name] = {"sqlite": sqlite, "postgresql": postgresql}
    return conditions


@pytest.mark.parametrize("name", sorted(PARTIAL_INDEXES))
def test_the_migrations_partial_indexes_name_the_same_statuses(name: str) -> None:
    migrated = _migrated_conditions()
    assert name in migrated, f"no migration creates {name}"
    index = _model_indexes()[name]
    column, statuses = PARTIAL_INDEXES[name]
    for dialect, where in migrated[name].items():
        assert _named(where) == (column, {s.value for s in statuses})
        assert where == str(index.dialect_options[dialect]["where"])


def test_every_partial_index_is_checked() -> None:
    migrated = _migrated_conditions()
    assert set(migrated) == set(PARTIAL_INDEXES)
