"""The utility's data: customers and meters, segments, SMS subscriptions, arrears and payments,
reconnection orders, meter commands and work-order counters (issue 3's archive and billing)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import ID, Base
from storage.statuses import IN_FLIGHT_COMMAND, OrderStatus, PowerStatus, sql_list, sql_literal

HOUSEHOLD, NON_HOUSEHOLD = "household", "non_household"
LOW_VOLTAGE, HIGH_VOLTAGE = "low", "high"
CONNECTED, DISCONNECTED = PowerStatus.CONNECTED, PowerStatus.DISCONNECTED  # TODO(sql): callers use PowerStatus
# The protection classes the demo archive uses; which classes exist is ``protection_classes``'s
# (seeded by migration 0023 with these and ``medical``), not this tuple's.
PROTECTED_KINDS = ("important", "life_support", "power_protect")
NOTICE_TYPES = ("disconnection", "reconnection", "arrears")
# The partial indexes' conditions, written from the statuses (``tests/unit/test_statuses.py`` keeps the
# migrations saying the same).
DISCONNECTED_WHERE = f"power_status = {sql_literal(PowerStatus.DISCONNECTED)}"
OPEN_ORDER_WHERE = f"status = {sql_literal(OrderStatus.OPEN)}"
IN_FLIGHT_WHERE = f"status IN ({sql_list(IN_FLIGHT_COMMAND)})"


class Segment(Base):
    """A meter-reading segment (route) and the reader / fee collector responsible for it (M3)."""

    __tablename__ = "segments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    reader_username: Mapped[str | None] = mapped_column(String(64), index=True)
    reader_mobile: Mapped[str | None] = mapped_column(String(20))


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        # The patrol's one query (M5.1): disconnected customers, by what they owe.
        Index("ix_customers_disconnected", "owed_cents", sqlite_where=text(DISCONNECTED_WHERE),
              postgresql_where=text(DISCONNECTED_WHERE)),
        # A segment's customer numbers from the index alone (the inbox's segment filter).
        Index("ix_customers_segment_code", "segment_code", "number"),
        # The screening screen counts customers per combination of meter facts from the index alone.
        Index("ix_customers_meter_facts", "segment_code", "voltage_class", "ami_connected", "channel_online",
              "can_direct_close", "relay_type", "auto_reconnect"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(400), default="")
    customer_class: Mapped[str] = mapped_column(String(16))
    voltage_class: Mapped[str] = mapped_column(String(16))
    segment_code: Mapped[str] = mapped_column(ForeignKey("segments.code"))
    meter_address: Mapped[str] = mapped_column(String(12), unique=True)
    meter_protocol: Mapped[str] = mapped_column(String(16))
    relay_type: Mapped[str] = mapped_column(String(16))
    can_direct_close: Mapped[bool]
    ami_connected: Mapped[bool]
    channel_online: Mapped[bool]
    channel_seen_at: Mapped[datetime | None]
    power_status: Mapped[str] = mapped_column(String(16), default=PowerStatus.CONNECTED.value)
    power_status_since: Mapped[datetime]
    auto_reconnect: Mapped[bool] = mapped_column(default=False)
    auto_reconnect_by: Mapped[str | None] = mapped_column(String(64))
    auto_reconnect_at: Mapped[datetime | None]
    protected_kind: Mapped[str | None] = mapped_column(String(16))
    protected_reason: Mapped[str | None] = mapped_column(Text)
    protected_by: Mapped[str | None] = mapped_column(String(64))  # who set or cleared it last (issue 16 item 4)
    protected_at: Mapped[datetime | None]
    owed_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    overdue_since: Mapped[date | None]
    # the day a medical certificate was presented: it defers a household's cut (the cut window's table says how long)
    medical_certificate_on: Mapped[date | None]
    last_reconnected_at: Mapped[datetime | None]


class ProtectionClass(Base):
    """A class of protected customer (life support, important user, ...): never cut (issue 16 item 4).
    Data, not code: seeded by migration 0023, the list the protection action and the import accept."""

    __tablename__ = "protection_classes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class SmsSubscription(Base):
    """A customer's choice to receive one kind of service SMS (M2.1)."""

    __tablename__ = "sms_subscriptions"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    notice_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    subscribed_at: Mapped[datetime]


class SegmentTally(Base):
    """Per segment: its customers (``kind`` ``customers``), its customers subscribed to each notice
    type (``kind`` the type) and to any (``any``). Kept by database triggers on ``customers`` and
    ``sms_subscriptions`` (migration 0018), so every writer keeps it right in its own transaction
    and ``/subscriptions`` reads a few rows instead of grouping the archive (issue 14 item 9)."""

    __tablename__ = "segment_tallies"

    segment_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int]


class Payment(Base):
    """A payment from billing; its id makes it count once however often it is sent."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime]
    received_at: Mapped[datetime]
    owed_after_cents: Mapped[int] = mapped_column(BigInteger)
    overdue_before: Mapped[date | None]  # the customer's overdue_since before it: a reversal gives it back
    reversed_at: Mapped[datetime | None]  # billing reversed it (a bounced transfer, issue 16 item 5)
    reversal_reason: Mapped[str | None] = mapped_column(Text)


class Reconnection(Base):
    """A reconnection order: automatic (``10``…) or manual on site (``14``…). At most one open
    per customer, enforced by a partial unique index."""

    __tablename__ = "reconnections"
    __table_args__ = (
        Index("ux_reconnections_open_customer", "customer_id", unique=True,
              sqlite_where=text(OPEN_ORDER_WHERE), postgresql_where=text(OPEN_ORDER_WHERE)),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ID, index=True)
    status: Mapped[str] = mapped_column(String(16))
    auto_order_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    manual_order_no: Mapped[str | None] = mapped_column(String(24), unique=True)
    trigger: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(index=True)  # the reports' first manual orders, in order
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    # Kept by the steps for the reports (issue 14 item 8): the instance's recorded head-end sends
    # (a busy meter counts), and when power came back (the remote close's execution or the time
    # the reader entered).
    sends: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    reconnected_at: Mapped[datetime | None]
    # The payment that cleared the arrears, kept when the order opens (issue 14 item 8: the
    # reports read it, not a lookup per order): the customer's latest payment received by then
    # that left nothing owed, and when the customer paid it (None: no such payment).
    clearing_payment_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("payments.id", name="fk_reconnections_clearing_payment"))
    paid_at: Mapped[datetime | None]
    # The restoration clock (issue 16 item 3), kept by the steps: when it started (the clearing
    # payment, or the patrol's discovery), when it falls due (the policy's hours for the class),
    # when the reconnection was escalated, and at closing ``met`` or ``breached``.
    clock_started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    escalated_at: Mapped[datetime | None]
    clock_outcome: Mapped[str | None] = mapped_column(String(16))


class Disconnection(Base):
    """A customer disconnected by a ``disconnect_customer`` instance, written by the step that
    recorded it (issue 14 item 8: the reports read this, not the instances' result JSON)."""

    __tablename__ = "disconnections"

    instance_id: Mapped[int] = mapped_column(ID, ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)
    customer_number: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    how: Mapped[str] = mapped_column(String(16))


class MeterCommand(Base):
    """One remote-control command to one meter. At most one in flight per meter."""

    __tablename__ = "meter_commands"
    __table_args__ = (
        # Lookups by meter bind the status list as parameters, which SQLite cannot match against
        # the partial index below: without this one each lookup scans the whole table.
        Index("ix_meter_commands_meter_address", "meter_address", "status"),
        Index("ux_meter_commands_in_flight", "meter_address", unique=True,
              sqlite_where=text(IN_FLIGHT_WHERE), postgresql_where=text(IN_FLIGHT_WHERE)),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    command_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    meter_address: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    instance_id: Mapped[int | None] = mapped_column(ID)
    created_at: Mapped[datetime]
    deadline: Mapped[datetime]
    sent_at: Mapped[datetime | None]  # when the outbox handed it to the head-end (status queued → sent)
    accepted_at: Mapped[datetime | None]
    executed_at: Mapped[datetime | None]
    relay: Mapped[str | None] = mapped_column(String(8))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]


class WorkOrderCounter(Base):
    """The next number of a work-order series, locked while it is taken (gap-free)."""

    __tablename__ = "work_order_counters"

    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger)
