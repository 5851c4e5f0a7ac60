"""Every status a row can be in, in one place. Each is a ``StrEnum``: the member *is* the string
stored in its column (``InstanceStatus.RUNNING == "running"``), so rows written before this module
read the same, and a misspelt status is an ``AttributeError`` at import, not a silent mismatch.

Groups that queries and rules share (in flight, ended, final) are defined here beside the values.
Partial indexes name some of these values in their SQL (``storage/domain_models.py``); a test keeps
them equal (``tests/unit/test_statuses.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnClause, literal_column


class InstanceStatus(StrEnum):
    """A process instance (``instances.status``)."""

    CREATED = "created"  # stored, its first step not yet run (a child started after its parent's commit)
    RUNNING = "running"
    INCIDENT = "incident"  # a step failed: waits for an operator's retry
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"


ACTIVE_INSTANCE = (InstanceStatus.CREATED, InstanceStatus.RUNNING, InstanceStatus.INCIDENT,
                   InstanceStatus.SUSPENDED)  # not ended: it may still do something
ENDED_INSTANCE = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)


class CommandStatus(StrEnum):
    """A meter command (``meter_commands.status``)."""

    QUEUED = "queued"  # in our outbox
    SENT = "sent"  # taken by the head-end adapter
    ACCEPTED = "accepted"  # the meter took it
    EXECUTED = "executed"  # the relay moved
    FAILED = "failed"  # the relay will not move
    EXPIRED = "expired"  # the flow's wait for a result timed out
    ABANDONED = "abandoned"  # its instance was terminated after it was sent
    CANCELLED = "cancelled"  # taken back before it was sent (its instance ended, or the customer paid)


IN_FLIGHT_COMMAND = (CommandStatus.QUEUED, CommandStatus.SENT, CommandStatus.ACCEPTED)
MOVED_ON_COMMAND = (CommandStatus.EXPIRED, CommandStatus.ABANDONED, CommandStatus.CANCELLED)  # no flow waits


class OrderStatus(StrEnum):
    """A reconnection order (``reconnections.status``): one open order per customer at most."""

    OPEN = "open"
    CLOSED = "closed"
    ABANDONED = "abandoned"


class PowerStatus(StrEnum):
    """A customer's supply as we last knew it (``customers.power_status``)."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class OutboxStatus(StrEnum):
    """An outbox row (``outbox.status``)."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # gave up after its attempts: an incident-like row for operators
    CANCELLED = "cancelled"  # never sent: taken back (its command cancelled) or withdrawn by the check before sending


class MessageStatus(StrEnum):
    """An inbound message (``inbound_messages.status``)."""

    PENDING = "pending"  # stored until an instance awaits it
    DELIVERED = "delivered"
    REJECTED = "rejected"


class DraftStatus(StrEnum):
    """A draft of a process bundle in the workbench (``process_drafts.status``)."""

    OPEN = "open"  # being edited
    PROPOSED = "proposed"  # a proposal waits for a sysadmin's decision; no saves meanwhile
    DEPLOYED = "deployed"  # its proposal was approved and deployed
    WITHDRAWN = "withdrawn"  # given up by its author


class ProposalStatus(StrEnum):
    """A proposal to deploy a draft revision (``proposals.status``)."""

    PROPOSED = "proposed"  # waits for a sysadmin other than the proposer
    APPROVED = "approved"  # deployed
    SENT_BACK = "sent_back"  # with the sysadmin's opinion; the draft is open again
    WITHDRAWN = "withdrawn"  # taken back by its proposer


class RehearsalStatus(StrEnum):
    """A rehearsal of a draft revision on recorded cases (``rehearsal_runs.status``)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def sql_literal(status: StrEnum) -> str:
    """A status as an SQL string literal (``'queued'``): written into partial indexes' WHERE and into
    the queries that must match them (SQLite uses a partial index only for a literal, not a bound value)."""
    if "'" in status.value:
        raise ValueError(f"a status cannot hold a quote: {status.value!r}")
    return f"'{status.value}'"


def sql_list(statuses: Iterable[StrEnum]) -> str:
    """Statuses as an SQL list of literals: ``'queued', 'sent', 'accepted'``."""
    return ", ".join(sql_literal(status) for status in statuses)


def literal_statuses(statuses: Iterable[StrEnum]) -> list[ColumnClause[Any]]:
    """Statuses as SQL literals for an ``IN (...)`` that a partial index must match."""
    return [literal_column(sql_literal(status)) for status in statuses]
