"""Helpers for rehearsal tests (issue 12 item 5): recorded reconnections made by the real runtime
with the simulated head-end, and the analysts' edits of bpmn/reconnect.bpmn as draft files."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.usecases.reconnections import run_patrol
from storage.models import Instance, UserTask
from tests.utility import BPMN_DIR, Utility, seed_customer

RECONNECT = (BPMN_DIR / "reconnect.bpmn").read_text(encoding="utf-8")
LOOP = 'standardLoopCharacteristics loopMaximum="3"'
RETRY_WAIT = '<bpmn:timeDuration>"PT2H"</bpmn:timeDuration>'
SUCCESS_SMS_FLOW = '<bpmn:sequenceFlow id="f_recorded" sourceRef="record_remote" targetRef="tell_customer" />'


def four_sends_45_minutes_apart() -> dict[str, bytes]:
    """M5.2 edited: 4 sends in all, 45 minutes apart (the must-show edit)."""
    assert LOOP in RECONNECT and RETRY_WAIT in RECONNECT
    text = RECONNECT.replace(LOOP, 'standardLoopCharacteristics loopMaximum="4"')
    return {"reconnect.bpmn": text.replace(RETRY_WAIT, '<bpmn:timeDuration>"PT45M"</bpmn:timeDuration>').encode()}


def without_success_sms() -> dict[str, bytes]:
    """M5.3 dropped: after recording the reconnection, end without telling the customer."""
    start = RECONNECT.index('<bpmn:serviceTask id="tell_customer"')
    end = RECONNECT.index("</bpmn:serviceTask>", start) + len("</bpmn:serviceTask>")
    text = RECONNECT[:start] + RECONNECT[end:]
    text = text.replace(SUCCESS_SMS_FLOW, '<bpmn:sequenceFlow id="f_recorded" sourceRef="record_remote" '
                                          'targetRef="end_remote" />')
    text = text.replace('<bpmn:sequenceFlow id="f_told" sourceRef="tell_customer" targetRef="end_remote" />', "")
    text = text.replace("<bpmn:incoming>f_told</bpmn:incoming>", "<bpmn:incoming>f_recorded</bpmn:incoming>")
    text = text.replace("<bpmn:flowNodeRef>tell_customer</bpmn:flowNodeRef>", "")
    return {"reconnect.bpmn": _without_shapes(text, ("tell_customer", "f_told")).encode()}


def unchanged() -> dict[str, bytes]:
    return {"reconnect.bpmn": RECONNECT.encode()}


def _without_shapes(text: str, elements: tuple[str, ...]) -> str:
    for element in elements:
        for tag in ("bpmndi:BPMNShape", "bpmndi:BPMNEdge"):
            marker = f'bpmnElement="{element}"'
            at = text.find(marker)
            if at < 0:
                continue
            start = text.rindex(f"<{tag}", 0, at)
            end = text.index(f"</{tag}>", at) + len(f"</{tag}>")
            text = text[:start] + text[end:]
    return text


def record_reconnections(u: Utility, behaviours: dict[str, str], hours: float = 7) -> list[int]:
    """One reconnection per customer number, the simulated head-end behaving as given ("succeeds",
    "fails"), run through the real runtime for ``hours``; on-site orders are then completed by the
    reader. Returns the instance ids in order."""
    for number, behaviour in behaviours.items():
        seed_customer(u.services, number)
        u.headend.set_behaviour(u.customer(number).meter_address, behaviour)
    run_patrol(u.services.runtime)
    u.advance(timedelta(hours=hours))
    from app.runtime.actors import Actor

    reader = Actor("reader-rui", frozenset({"executor"}))
    with u.services.db.reading() as session:
        tasks = list(session.execute(select(UserTask.id)).scalars())
    for task_id in tasks:
        u.services.runtime.complete_task(task_id, {"reconnected_at": u.services.clock.now().isoformat(),
                                                   "note": "fuse replaced"}, reader)
    with u.services.db.reading() as session:
        return list(session.execute(select(Instance.id).where(Instance.process_id == "reconnect")
                                    .order_by(Instance.id)).scalars())
