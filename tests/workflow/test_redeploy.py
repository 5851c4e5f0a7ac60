"""Rollback: re-deploying content equal to an earlier version makes it current again, as a new
version recorded in the ``deployments`` history (issue 10 item 7; ARCHITECTURE "Deployments")."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from app.bootstrap import Services
from app.runtime.deployment.deploy import REDEPLOYED
from storage.models import Deployment, HistoryEvent, Instance, ProcessVersion
from tests.conftest import APPROVER, EXECUTOR, SYSADMIN, TEST_BPMN, deploy
from tests.workflow.test_deploy_versions import review_task

ORIGINAL = (TEST_BPMN / "approval.bpmn").read_bytes()


def edited(tag: str) -> bytes:
    return ORIGINAL.replace(b"'approved: '", f"'{tag} approved: '".encode())


def version_of(services: Services, instance_id: int) -> tuple[int, int]:
    """(version, deployment) an instance runs on."""
    with services.db.reading() as session:
        row = session.execute(select(ProcessVersion.version, ProcessVersion.deployment_id).join(
            Instance, Instance.process_version_id == ProcessVersion.id).where(Instance.id == instance_id)).one()
    return row.version, row.deployment_id


def approve(services: Services, instance_id: int) -> None:
    services.runtime.complete_task(review_task(services, instance_id), {"decision": "approve"}, APPROVER)


def test_deploying_the_first_file_again_after_v2_and_v3_makes_it_current_as_v4(services: Services) -> None:
    deploy(services, "approval.bpmn")
    services.deploy_files({"approval.bpmn": edited("v2")}, SYSADMIN)
    services.deploy_files({"approval.bpmn": edited("v3")}, SYSADMIN)
    on_v3 = services.runtime.start("approval", {"work_order": "3", "segment": "S"}, EXECUTOR)

    [bundle] = services.deploy_files({"approval.bpmn": ORIGINAL}, APPROVER)

    assert (bundle.outcome, bundle.deployment_id, bundle.versions, bundle.redeployed_from) == (
        REDEPLOYED, 1, {"approval": 4}, {"approval": 1})
    assert bundle.summary() == "approval.bpmn: re-deployed #1 (approval v1 as v4)"
    on_v4 = services.runtime.start("approval", {"work_order": "4", "segment": "S"}, EXECUTOR)
    assert (version_of(services, on_v3), version_of(services, on_v4)) == ((3, 3), (4, 1))
    approve(services, on_v3)
    approve(services, on_v4)
    services.dispatcher.dispatch()
    texts = sorted(payload["text"] for payload, _key in services.dispatcher.adapters["sms"].sent)  # type: ignore[attr-defined]
    assert texts == ["approved: 4", "v3 approved: 3"]  # v4 runs v1's diagram; v3's instance kept v3
    with services.db.reading() as session:
        assert session.execute(select(func.count(Deployment.id))).scalar_one() == 3  # the files are stored once
        [event] = session.execute(select(HistoryEvent).where(
            HistoryEvent.stream == "deployments", HistoryEvent.type == "deployment.redeployed")).scalars()
    assert (event.actor, event.data["deployment_id"], event.data["versions"], event.data["redeployed"]) == (
        APPROVER.name, 1, {"approval": 4}, {"approval": 1})


def test_re_deploying_what_is_already_current_stays_unchanged(services: Services) -> None:
    deploy(services, "approval.bpmn")
    services.deploy_files({"approval.bpmn": edited("v2")}, SYSADMIN)
    services.deploy_files({"approval.bpmn": ORIGINAL}, SYSADMIN)  # v1 as v3
    [again] = services.deploy_files({"approval.bpmn": ORIGINAL}, SYSADMIN)
    assert (again.outcome, again.deployment_id, again.versions, again.redeployed_from) == (
        "unchanged", 1, {"approval": 3}, {})
    assert again.summary() == "approval.bpmn: unchanged #1 (approval v3)"
    with services.db.reading() as session:
        assert session.execute(select(func.count(ProcessVersion.id))).scalar_one() == 3


def test_rolling_a_parent_and_its_children_back_starts_children_of_the_rolled_back_version(
    services: Services, clock: time_machine.Coordinates
) -> None:
    deploy(services, "batch.bpmn", "batch_item.bpmn")
    parent_files = {"batch.bpmn": (TEST_BPMN / "batch.bpmn").read_bytes()}
    tripled = (TEST_BPMN / "batch_item.bpmn").read_bytes().replace(b"n * 2", b"n * 3")
    services.deploy_files({**parent_files, "batch_item.bpmn": tripled}, SYSADMIN)
    [bundle] = services.deploy_files({**parent_files, "batch_item.bpmn": (TEST_BPMN / "batch_item.bpmn")
                                      .read_bytes()}, SYSADMIN)
    assert (bundle.versions, bundle.redeployed_from) == ({"batch": 3, "batch_item": 3}, {"batch": 1, "batch_item": 1})

    parent = services.runtime.start("batch", {"count": 2}, EXECUTOR)
    clock.shift(timedelta(hours=1, seconds=1))
    services.runtime.wake_due()
    services.runtime.recover()  # the worker's tick wakes the parent
    with services.db.reading() as session:
        children = session.execute(select(Instance.id).where(Instance.parent_id == parent)).scalars().all()
        result = session.get(Instance, parent).result  # type: ignore[union-attr]
    assert [version_of(services, child) for child in children] == [(3, 1), (3, 1)]
    assert result == {"total": 2, "count": 2}  # doubled, as version 1 did: (0 + 1) * 2
