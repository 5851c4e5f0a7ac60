"""The coded reasons (issue 16 item 7): why a disconnection was applied for (``disconnection``:
SAP's 01 dunning level reached, 02 vacancy, 03 customer request, 04 technical) and why a cut was
not made (``cancelled_cut``: C1 paid before the trip, … C7 not cut on site), each with an English
and a Chinese label; and ``cut_cause_codes``, which code each not-cut *cause* counts under — a
child's outcome (``paid_before_trip``, ``protected``, …), its end by an operator (``terminated``)
or the outbox's cancellation of a trip (``global_stop``, ``command_expired``). A new outcome is
coded by adding its row here (a migration or the sysadmin's page); one without a row is counted
as not coded, never dropped.

A code is never deleted nor renumbered: a sysadmin renames it (its labels) or retires it (no new
case may choose it; old cases keep showing it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base
from storage.statuses import InstanceStatus

DISCONNECTION, CANCELLED_CUT = "disconnection", "cancelled_cut"
KINDS = (DISCONNECTION, CANCELLED_CUT)
REASON_ATTRIBUTE = "reason_code"  # the batch's code, an instance attribute the application sets
CHILD_PROCESS = "disconnect_customer"  # the one-customer flow whose end is a cut or a cause
CUT_OUTCOME = "disconnected"
TERMINATED_CAUSE = "terminated"  # a child an operator ended (it has no result)


# What migration 0025 seeds: (kind, code, English, Chinese) and (cause, code)
SEEDED_CODES = (
    (DISCONNECTION, "01", "Dunning level reached (arrears)", "欠费达到催缴级别"),
    (DISCONNECTION, "02", "Vacancy", "房屋空置"),
    (DISCONNECTION, "03", "Customer request", "客户申请"),
    (DISCONNECTION, "04", "Technical", "技术原因"),
    (CANCELLED_CUT, "C1", "Paid before the trip", "断电前已缴清"),
    (CANCELLED_CUT, "C2", "Protected customer", "保护用户"),
    (CANCELLED_CUT, "C3", "Outside the cut window or policy", "不在允许停电的时段或政策之外"),
    (CANCELLED_CUT, "C4", "Global stop", "全局暂停停电"),
    (CANCELLED_CUT, "C5", "Command expired", "命令过期"),
    (CANCELLED_CUT, "C6", "Ended by an operator", "操作员终止"),
    (CANCELLED_CUT, "C7", "Not cut on site", "现场未停电"),
)
SEEDED_CAUSES = (  # a child's outcome (disconnect_customer.bpmn), its end, or the outbox's cancellation
    ("paid_before_trip", "C1"), ("cancelled_paid", "C1"), ("protected", "C2"), ("cancelled_protected", "C2"),
    ("global_stop", "C4"),
    ("command_expired", "C5"), ("terminated", "C6"), ("not_disconnected", "C7"),
)
SEEDED_BY, SEEDED_AT = "migration 0025", datetime(2026, 12, 5, 13, 30, tzinfo=UTC)


def seed_rows(at: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of ``reason_codes`` and ``cut_cause_codes`` as shipped, dated ``at``."""
    return ([{"kind": kind, "code": code, "label_en": en, "label_zh": zh, "changed_by": SEEDED_BY, "changed_at": at}
             for kind, code, en, zh in SEEDED_CODES],
            [{"cause": cause, "code": code, "changed_by": SEEDED_BY, "changed_at": at}
             for cause, code in SEEDED_CAUSES])


class ReasonCode(Base):
    """One code of one kind, with its labels; ``retired_at`` set: kept for old cases, offered to none."""

    __tablename__ = "reason_codes"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    label_en: Mapped[str] = mapped_column(String(120))
    label_zh: Mapped[str] = mapped_column(String(120))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]
    retired_by: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None]


class CutCauseCode(Base):
    """The ``cancelled_cut`` code a not-cut cause is counted under."""

    __tablename__ = "cut_cause_codes"

    cause: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


def codes(session: Session, kind: str | None = None, *, active_only: bool = False) -> Sequence[ReasonCode]:
    """The codes of ``kind`` (every kind: None), by kind and code; retired ones too unless ``active_only``."""
    query = select(ReasonCode).order_by(ReasonCode.kind, ReasonCode.code)
    if kind is not None:
        query = query.where(ReasonCode.kind == kind)
    if active_only:
        query = query.where(ReasonCode.retired_at.is_(None))
    return session.execute(query).scalars().all()


def find(session: Session, kind: str, code: str, *, lock: bool = False) -> ReasonCode | None:
    query = select(ReasonCode).where(ReasonCode.kind == kind, ReasonCode.code == code)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def add(session: Session, row: ReasonCode | CutCauseCode) -> None:
    session.add(row)
    session.flush()


def causes(session: Session) -> dict[str, str]:
    """Every not-cut cause and the code it is counted under."""
    return {cause: code for cause, code in session.execute(select(CutCauseCode.cause, CutCauseCode.code)
                                                               .order_by(CutCauseCode.cause))}


def find_cause(session: Session, cause: str, *, lock: bool = False) -> CutCauseCode | None:
    query = select(CutCauseCode).where(CutCauseCode.cause == cause)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def cut_code(session: Session, cause: str) -> str | None:
    """The ``cancelled_cut`` code of a not-cut ``cause`` (None: the cause is not coded)."""
    return session.execute(select(CutCauseCode.code).where(CutCauseCode.cause == cause)).scalar_one_or_none()


def not_cut_cause(process_id: str, status: str, result: Mapping[str, Any] | None) -> str | None:
    """Why an ended one-customer flow did not cut (``terminated``, else its outcome; "" when it has
    none), or None when it cut, has not ended, or is another process's. ``storage.report_reasons``
    counts the same in SQL."""
    if process_id != CHILD_PROCESS:
        return None
    if status == InstanceStatus.TERMINATED:
        return TERMINATED_CAUSE
    outcome = (result or {}).get("outcome")
    if status != InstanceStatus.COMPLETED or outcome == CUT_OUTCOME:
        return None
    return str(outcome or "")
