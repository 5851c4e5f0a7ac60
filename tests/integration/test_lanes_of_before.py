"""Lanes whose NAME was the role (the diagrams before issue 12 item 8) keep working next to lanes
with a human name and a role property: the inbox keeps the role (who may do it) and the name
(what people read), and cases started on either version replay as verified."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select

from app.audit.replay import Replayer
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden
from app.usecases.reconnections import run_patrol
from storage.domain_models import Reconnection
from storage.models import UserTask
from tests.utility import BPMN_DIR, DEPLOYER, Utility, seed_customer, utility

__all__ = ["utility"]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
EXECUTOR = Actor("erin", frozenset({"executor"}))
APPLICANT = Actor("rui", frozenset({"applicant"}))


def lanes_of_before(data: bytes) -> bytes:
    """The diagram as it was written before: each lane named by its role, no role property, and no
    lane for the system's own steps."""
    root = etree.fromstring(data)
    for lane in root.iterfind(".//bpmn:lane", NS):
        [role] = lane.xpath(".//spiffworkflow:property[@name='role']/@value", namespaces=NS)
        if role == "system":
            lane.getparent().remove(lane)
            for shape in root.xpath(f"//bpmndi:BPMNShape[@bpmnElement='{lane.get('id')}']", namespaces=NS):
                shape.getparent().remove(shape)
            continue
        lane.set("name", role)
        lane.remove(lane.find("bpmn:extensionElements", NS))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def on_site_task(u: Utility, number: str) -> UserTask:
    with u.services.db.reading() as session:
        instance_id = session.execute(select(Reconnection.instance_id).where(
            Reconnection.customer_id == u.customer(number).id)).scalar_one()
        return session.execute(select(UserTask).where(UserTask.instance_id == instance_id)).scalar_one()


def test_a_case_on_lanes_of_before_and_one_on_named_lanes_run_and_replay(utility: Utility) -> None:
    shipped = (BPMN_DIR / "reconnect.bpmn").read_bytes()
    [before] = utility.services.deploy_files({"reconnect.bpmn": lanes_of_before(shipped)}, DEPLOYER)
    # it deploys, and says how to migrate
    assert [w.element_id for w in before.warnings] == ["lane_executor", "lane_supervisor"]
    seed_customer(utility.services, "3400000002", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    old = on_site_task(utility, "3400000002")
    assert (old.lane, old.lane_name) == ("executor", "executor")

    [now] = utility.services.deploy_files({"reconnect.bpmn": shipped}, DEPLOYER)
    assert now.warnings == []
    seed_customer(utility.services, "3400000003", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    new = on_site_task(utility, "3400000003")
    assert (new.lane, new.lane_name) == ("executor", "执行人")

    at = utility.services.clock.now().isoformat()
    for task in (old, new):
        with pytest.raises(Forbidden):
            utility.services.runtime.complete_task(task.id, {"reconnected_at": at}, APPLICANT)
        utility.services.runtime.complete_task(task.id, {"reconnected_at": at, "note": "fuse"}, EXECUTOR)
        result = Replayer(utility.services.db, utility.services.runtime).replay(task.instance_id)
        assert result.verified, result.summary()
