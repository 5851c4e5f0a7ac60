"""Metrics in Prometheus' text format (issue 14 item 4), with prometheus-client.

Two kinds, so that every number is right however many processes run:

- **Events** each process counts as they happen — steps by who drove them and how they ended,
  step latency, patrol rounds, callback items, payment → command latency. With several processes
  (``relayflow serve``'s gunicorn workers, ``relayflow worker``), set ``PROMETHEUS_MULTIPROC_DIR``
  to one directory for all of them on the machine (``serve`` and ``make run`` do): each process
  writes its counts there and a scrape of any web process sums them (prometheus-client's
  multiprocess mode). Without it, a scrape sees its own process only.
- **State** read from the database at scrape time — instances due and how late, the outbox backlog
  and its oldest row per adapter, open incidents, live workers — computed once per scrape, so it
  is never summed twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from app.clock import Clock
from storage import operations
from storage.db import Database
from storage.outbox_rows import Outcome

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
HEADEND = "headend"
FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SLOW = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

STEPS = Counter("relayflow_steps", "Instance steps by who drove them (person, or the system part) and outcome "
                "(ok, incident: a task failed and waits for an operator; failed: rolled back)", ["kind", "outcome"])
STEP_SECONDS = Histogram("relayflow_step_seconds", "How long one instance step took, by who drove it", ["kind"],
                         buckets=FAST)
PATROL_SECONDS = Histogram("relayflow_patrol_seconds", "How long one round of the reconnection patrol took (M5.1)",
                           buckets=SLOW)
PATROL_CANDIDATES = Counter("relayflow_patrol_candidates", "Paid-up disconnected customers the patrol found")
PATROL_STARTED = Counter("relayflow_patrol_started", "Reconnections the patrol started")
CALLBACK_ITEMS = Counter("relayflow_callback_items", "Items of the machine APIs by endpoint and outcome "
                         "(taken; refused: a 4xx; failed: a fault)", ["endpoint", "outcome"])
PAYMENT_TO_COMMAND = Histogram("relayflow_payment_to_command_seconds", "From a payment received to the "
                               "reconnect command handed to the head-end adapter", buckets=SLOW)


class StepMetrics:
    """The runtime's step observer (``app.runtime.contract.StepObserver``)."""

    def step_done(self, kind: str, outcome: str, seconds: float) -> None:
        STEPS.labels(kind, outcome).inc()
        STEP_SECONDS.labels(kind).observe(seconds)


def command_handed_over(session: Session, sent: Outcome, now: datetime) -> None:
    """The outbox handed a row to its adapter: for a reconnect command a payment started, observe
    how long the customer waited since paying."""
    if sent.adapter != HEADEND or "command_id" not in sent.payload:
        return
    received_at = operations.payment_received_at(session.connection(), str(sent.payload["command_id"]))
    if received_at is not None:
        PAYMENT_TO_COMMAND.observe(max((now - received_at).total_seconds(), 0.0))


class DatabaseGauges(Collector):
    """What the database says at scrape time (one query set per scrape, whatever the processes)."""

    def __init__(self, db: Database, clock: Clock, alive: timedelta) -> None:
        self.db, self.clock, self.alive = db, clock, alive

    def collect(self) -> Iterator[Metric]:
        now = self.clock.now()
        with self.db.reading() as session:
            state = operations.gauges(session.connection(), now, now - self.alive)
        yield GaugeMetricFamily("relayflow_instances_due", "Running instances whose timers are due now",
                                value=state.due_instances)
        late = (now - state.most_overdue).total_seconds() if state.most_overdue is not None else 0.0
        yield GaugeMetricFamily("relayflow_timers_late_seconds", "How long the most overdue timer has waited",
                                value=late)
        waiting = GaugeMetricFamily("relayflow_outbox_backlog", "Outbox rows waiting to be sent", labels=["adapter"])
        oldest = GaugeMetricFamily("relayflow_outbox_oldest_seconds", "Age of the oldest waiting outbox row",
                                   labels=["adapter"])
        for backlog in state.backlogs:
            waiting.add_metric([backlog.adapter], backlog.waiting)
            age = (now - backlog.oldest).total_seconds() if backlog.oldest is not None else 0.0
            oldest.add_metric([backlog.adapter], age)
        yield waiting
        yield oldest
        yield GaugeMetricFamily("relayflow_incidents_open", "Incidents no operator has resolved yet",
                                value=state.open_incidents)
        yield GaugeMetricFamily("relayflow_workers_alive", "Workers whose heartbeat is fresh",
                                value=state.live_workers)


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        return iter(REGISTRY.collect())


def scrape(gauges: DatabaseGauges) -> bytes:
    """Every metric in the text format: the processes' counts (summed in multiprocess mode) and the
    database's state."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(gauges)
    return generate_latest(registry)


def process_gone(pid: int) -> None:
    """A gunicorn worker exited: its live gauges go (its counts stay in the sums)."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)
