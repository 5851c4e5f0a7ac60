"""The reports' counts by reason code (issue 16 item 7), grouped by the database: the customers cut
in the period by their batch's disconnection reason code (the ``reason_code`` attribute the
application sets on the batch), and the one-customer flows that ended in the period without a cut
by their batch's reason code and their not-cut cause — the child's outcome, or ``terminated`` —
with the ``cancelled_cut`` code ``cut_cause_codes`` counts that cause under. Reads the
disconnections and the children's rows (their result's ``outcome``), never the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from storage.domain_models import Disconnection
from storage.models import Instance, InstanceAttribute
from storage.reason_codes import CHILD_PROCESS, CUT_OUTCOME, REASON_ATTRIBUTE, TERMINATED_CAUSE, CutCauseCode
from storage.statuses import InstanceStatus


class ReasonCount(NamedTuple):
    reason_code: str  # the batch's disconnection reason code; "" for batches applied before codes
    cut: bool
    cause: str  # the not-cut cause ("" for a cut)
    cut_code: str  # the cancelled-cut code of the cause ("" for a cut, or a cause not coded)
    customers: int


def reason_counts(session: Session, start: datetime, end: datetime, segment: str | None) -> list[ReasonCount]:
    """Customers cut at ``start`` ≤ time < ``end`` and flows ended in it without a cut (in
    ``segment`` when given: the child's segment attribute), per code."""
    child, segment_of, reason = aliased(Instance), aliased(InstanceAttribute), aliased(InstanceAttribute)
    code = func.coalesce(reason.value, "")

    def joined(query: Any, instance_id: Any) -> Any:  # a Select of any columns, the same returned
        query = query.outerjoin(reason, and_(reason.instance_id == child.parent_id, reason.name == REASON_ATTRIBUTE))
        if segment:
            query = query.join(segment_of, and_(segment_of.instance_id == instance_id, segment_of.name == "segment",
                                                segment_of.value == segment))
        return query

    cut = joined(select(literal("cut"), code, literal(""), literal(""), func.count())
                 .select_from(Disconnection).join(child, child.id == Disconnection.instance_id)
                 .where(Disconnection.at >= start, Disconnection.at < end,
                        child.status == InstanceStatus.COMPLETED), Disconnection.instance_id).group_by(code)
    outcome = child.result["outcome"].as_string()
    cause = case((child.status == InstanceStatus.TERMINATED, TERMINATED_CAUSE), else_=func.coalesce(outcome, ""))
    cut_code = func.coalesce(CutCauseCode.code, "")
    not_cut = joined(select(literal("not_cut"), code, cause, cut_code, func.count())
                     .select_from(child).outerjoin(CutCauseCode, CutCauseCode.cause == cause)
                     .where(child.process_id == CHILD_PROCESS, child.ended_at >= start, child.ended_at < end,
                            or_(child.status == InstanceStatus.TERMINATED,
                                and_(child.status == InstanceStatus.COMPLETED,
                                     or_(outcome.is_(None), outcome != CUT_OUTCOME)))),
                     child.id).group_by(code, cause, cut_code)
    return [ReasonCount(reason_code, kind == "cut", cause_, code_, count)
            for kind, reason_code, cause_, code_, count in session.execute(union_all(cut, not_cut))]
