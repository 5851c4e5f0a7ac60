"""The parts of service SMS as the SMSC took them (issue 15 item 3): one row per ``submit_sm``, with
the message id the SMSC gave it (or the reason it refused it) and what its delivery receipt said.

Two writers fill a row, in either order: the outbox dispatcher when it records the submit's outcome,
and the receipt listener when the SMSC's ``deliver_sm`` comes back — which can happen before the
dispatcher's transaction commits. Both first *claim* the message id (an insert that does nothing when
the row is there, and waits for a writer that is inserting it on PostgreSQL; SQLite writes one at a
time), then lock the row: so whichever comes second sees the first one's half and completes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import insert_or_ignore
from storage.models import ID, Base


class SmsPart(Base):
    """One submitted part. ``outbox_id`` is empty while only the receipt is known (it came first)."""

    __tablename__ = "sms_parts"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(65), unique=True)  # None: refused, no id given
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    part: Mapped[int | None]  # 1-based, of ``parts``
    parts: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))  # submitted, refused, delivered, failed
    command_status: Mapped[int | None]  # the submit_sm_resp's; 0 accepted
    submitted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)  # why it was refused or failed
    receipt_stat: Mapped[str | None] = mapped_column(String(16))  # DELIVRD, UNDELIV, ...
    receipt_err: Mapped[str | None] = mapped_column(String(16))
    receipt_text: Mapped[str | None] = mapped_column(Text)
    receipt_at: Mapped[datetime | None]  # when the receipt was recorded


def claim(session: Session, message_id: str, status: str) -> SmsPart:
    """The row of ``message_id``, locked for this transaction; created with ``status`` if new."""
    session.execute(insert_or_ignore(session, SmsPart, ["message_id"]).values(message_id=message_id, status=status))
    query = select(SmsPart).where(SmsPart.message_id == message_id).with_for_update()
    return session.execute(query.execution_options(populate_existing=True)).scalar_one()


def add_refused(session: Session, part: SmsPart) -> None:
    """A part the SMSC refused (no message id to match anything to later)."""
    session.add(part)
    session.flush()


def by_message_id(session: Session, message_id: str) -> SmsPart | None:
    return session.execute(select(SmsPart).where(SmsPart.message_id == message_id)).scalar_one_or_none()


def of_outbox_rows(session: Session, outbox_ids: Sequence[int]) -> dict[int, list[SmsPart]]:
    """The parts of these outbox rows, by row, in part order."""
    found: dict[int, list[SmsPart]] = {outbox_id: [] for outbox_id in outbox_ids}
    if not outbox_ids:
        return found
    query = select(SmsPart).where(SmsPart.outbox_id.in_(list(outbox_ids))).order_by(SmsPart.outbox_id, SmsPart.part,
                                                                                       SmsPart.id)
    for part in session.execute(query).scalars():
        if part.outbox_id is not None:
            found[part.outbox_id].append(part)
    return found
