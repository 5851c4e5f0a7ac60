"""What an operator's probes read from the database (issue 14 item 4): the gauges ``/metrics``
computes once per scrape, and whether the workers live (``/readyz``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from storage.domain_models import MeterCommand, Reconnection
from storage.leases import WorkerHeartbeat
from storage.models import Incident, Instance, OutboxMessage
from storage.statuses import InstanceStatus, OutboxStatus


@dataclass(frozen=True)
class Backlog:
    adapter: str
    waiting: int
    oldest: datetime | None


@dataclass(frozen=True)
class Gauges:
    due_instances: int
    most_overdue: datetime | None  # the earliest ``next_wake_at`` that has passed
    backlogs: list[Backlog]
    open_incidents: int
    live_workers: int


def gauges(conn: Connection, now: datetime, alive_since: datetime) -> Gauges:
    due = conn.execute(select(func.count(), func.min(Instance.next_wake_at)).where(
        Instance.status == InstanceStatus.RUNNING, Instance.next_wake_at <= now)).one()
    backlogs = [Backlog(row.adapter, row.waiting, row.oldest) for row in conn.execute(
        select(OutboxMessage.adapter, func.count().label("waiting"), func.min(OutboxMessage.created_at).label("oldest"))
        .where(OutboxMessage.status == OutboxStatus.PENDING).group_by(OutboxMessage.adapter))]
    incidents = conn.execute(select(func.count()).select_from(Incident).where(Incident.resolved_at.is_(None)))
    workers = conn.execute(select(func.count()).where(WorkerHeartbeat.beat_at >= alive_since))
    return Gauges(due[0], due[1], backlogs, incidents.scalar_one(), workers.scalar_one())


def payment_received_at(conn: Connection, command_id: str) -> datetime | None:
    """When the payment that started this reconnect command's case came in (its order opened in the
    payment's own transaction), or None when no payment started it."""
    return conn.execute(
        select(Reconnection.opened_at).join(MeterCommand, MeterCommand.instance_id == Reconnection.instance_id)
        .where(MeterCommand.command_id == command_id, Reconnection.trigger == "payment")).scalar_one_or_none()
