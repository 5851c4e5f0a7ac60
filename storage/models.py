"""The relayflow schema: SQLAlchemy 2 typed models. Alembic migrations create it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

ID = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Deployment(Base):
    """One bundle of BPMN files that call each other, hashed together."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    bundle_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime]
    # How the bundle was first deployed: through an approved proposal (its approver, comment and
    # id), or without approval (NULL: ``relayflow deploy FILE``, the start-up seed).
    comment: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    proposal_id: Mapped[int | None] = mapped_column(ID)


class DeploymentFile(Base):
    """A BPMN file as deployed: its text, and its bytes exactly as sent (their sha256 is hashed
    into the bundle hash). ``raw`` holds those bytes only when they are not ``content`` in UTF-8
    (a file saved as ISO-8859-1 or UTF-16, or with a byte-order mark)."""

    __tablename__ = "deployment_files"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)


class ProcessVersion(Base):
    """A process of a deployment, with its serialized spec stored once (never per instance)."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(255))
    version: Mapped[int]
    name: Mapped[str | None] = mapped_column(String(255))
    spec_json: Mapped[str] = mapped_column(Text)
    # Who made this version current, when and how: a rollback is a new version on an earlier
    # deployment, so these belong to the version, not to the bundle (NULL before migration 0011's
    # rows were stamped: read the deployment's ``deployed_by``/``deployed_at``).
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    deployed_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(64))  # NULL: deployed without approval
    proposal_id: Mapped[int | None] = mapped_column(ID)


class Instance(Base):
    __tablename__ = "instances"
    __table_args__ = (Index("ix_instances_due", "status", "next_wake_at"),
                      Index("ix_instances_process_ended", "process_id", "ended_at"))

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[str | None] = mapped_column(Text)
    start_data: Mapped[dict[str, Any] | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("child_batches.id"), index=True)
    result: Mapped[dict[str, Any] | None]
    next_wake_at: Mapped[datetime | None]
    started_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Bumped by every step: a worker's in-memory copy of the workflow is valid only at this revision.
    revision: Mapped[int] = mapped_column(default=0)
    # The head of this instance's history chain, updated with the row (no second lock per step).
    history_seq: Mapped[int] = mapped_column(default=0)
    history_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    # What the projections held after the last step, so a step rewrites only what changed.
    awaiting: Mapped[list[Any]] = mapped_column(default=list)
    open_tasks: Mapped[list[Any]] = mapped_column(default=list)


class ChildBatch(Base):
    """The children one ``relayflow.start_children`` call started: a countdown to the done message.

    A child's end decrements this row only (never the parent's), so its cost does not grow with N.
    """

    __tablename__ = "child_batches"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ID, index=True)
    done_message: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    open_count: Mapped[int]
    created_at: Mapped[datetime]
    # True: the done message carries every child's result (the parent's state then holds them all);
    # False: it carries the batch id and a count per status, and whoever needs the results reads
    # them by batch id (issue 14 item 9: the parent's wake-up and state do not grow with the batch).
    results_in_message: Mapped[bool] = mapped_column(default=True, server_default=true())


class InstanceAttribute(Base):
    """A named, indexed business attribute (work order, customer number, segment...)."""

    __tablename__ = "instance_attributes"
    __table_args__ = (Index("ix_instance_attributes_lookup", "name", "value"),)

    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class UserTask(Base):
    """An open user task: the inbox's projection of an instance's READY manual tasks."""

    __tablename__ = "user_tasks"
    __table_args__ = (
        # The inbox finds a page of task ids from an index alone (10,000 open tasks: no row reads):
        # "my tasks" and "my groups' tasks" by claimant and lane, "all open tasks" by due time.
        Index("ix_user_tasks_inbox", "claimed_by", "lane", "due_at", "created_at", "id", "process_id", "element_id"),
        Index("ix_user_tasks_due", "due_at", "created_at", "id", "process_id", "element_id"),
        Index("ix_user_tasks_element", "element_id", "name"),
        # "my tasks" also lists what is offered to me and still unclaimed
        Index("ix_user_tasks_offered", "offered_to", "claimed_by", "lane", "due_at", "created_at", "id", "process_id",
              "element_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    # The instance's process (it never changes), so the inbox filters and orders without a join.
    process_id: Mapped[str] = mapped_column(String(255))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(64))  # the role of the task's lane: who may do it
    lane_name: Mapped[str | None] = mapped_column(String(255))  # the lane's name people read (审批人)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # Whom the diagram's ``offer_to`` names (the segment's reader, say): theirs first, anyone's in the lane too.
    offered_to: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # created_at + the task's ``due_in`` property in the diagram; NULL when it has none.
    due_at: Mapped[datetime | None]


class UserTaskCustomer(Base):
    """A customer an open user task concerns (a batch's tasks: every customer of the batch), so the
    inbox lists and filters tasks by customer and segment without reading any instance's state."""

    __tablename__ = "user_task_customers"
    __table_args__ = (Index("ix_user_task_customers_customer", "customer_number", "task_id"),)

    task_id: Mapped[str] = mapped_column(ForeignKey("user_tasks.id", ondelete="CASCADE"), primary_key=True)
    customer_number: Mapped[str] = mapped_column(String(64), primary_key=True)


class CaseCustomer(Base):
    """A customer a case has named in a task (a batch's customers, applied for, approved, issued…):
    kept when the task closes, so the customer's page and the case search find every case they
    were part of — a batch they dropped out of too."""

    __tablename__ = "case_customers"
    __table_args__ = (Index("ix_case_customers_customer", "customer_number", "instance_id"),)

    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)
    customer_number: Mapped[str] = mapped_column(String(64), primary_key=True)


class WaitingMessage(Base):
    """Where a message (name, correlation value) is awaited: the router's index."""

    __tablename__ = "waiting_messages"
    __table_args__ = (Index("ix_waiting_messages_route", "message_name", "correlation"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    message_name: Mapped[str] = mapped_column(String(255))
    correlation: Mapped[str] = mapped_column(String(255))
    correlations: Mapped[dict[str, Any]]


class InboundMessage(Base):
    """Every message received, delivered or stored until its instance waits for it."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_pending", "status", "message_name", "correlation"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    message_key: Mapped[str] = mapped_column(String(255), unique=True)
    message_name: Mapped[str] = mapped_column(String(255))
    correlation: Mapped[str | None] = mapped_column(String(255))
    target_instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    delivered_to: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    delivered_at: Mapped[datetime | None]
    duplicates: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Incident(Base):
    """A handler or script failure that stopped an instance until an operator retries."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    """An effect toward the outside world, written with the step, sent after commit."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    adapter: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class HistoryStream(Base):
    """The head of one hash chain: an instance's events or a named stream."""

    __tablename__ = "history_streams"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class HistoryEvent(Base):
    """Append-only, hash-chained history: what happened, who did it, and every outside input."""

    __tablename__ = "history_events"
    __table_args__ = (UniqueConstraint("stream", "seq"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    stream: Mapped[str] = mapped_column(String(128))
    seq: Mapped[int]
    instance_id: Mapped[int | None] = mapped_column(ID, index=True)
    type: Mapped[str] = mapped_column(String(64))
    element_id: Mapped[str | None] = mapped_column(String(255))
    actor: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[int | None] = mapped_column(ID)
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HistorySubject(Base):
    """Whom an ``archive`` event is about (its data's ``customer`` or ``segment``), written with the
    event (issue 14 item 9): a customer's or a segment's page finds their events through this index
    instead of reading every archive event's JSON."""

    __tablename__ = "history_subjects"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    stream: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class HistorySeal(Base):
    """One link of the global chain: the events with ids in (after_event_id, through_event_id],
    digested, with the head each stream reached there; signed with a key kept outside the
    database and copied to an append-only anchor file (``app/audit/seals.py``)."""

    __tablename__ = "history_seals"

    n: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    after_event_id: Mapped[int] = mapped_column(ID)
    through_event_id: Mapped[int] = mapped_column(ID)
    events: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    heads: Mapped[dict[str, Any]]
    at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))
