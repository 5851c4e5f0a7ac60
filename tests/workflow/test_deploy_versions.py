"""Deployments: versions by bundle hash; running instances stay on their version; bad files refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.bootstrap import Services
from app.runtime.deployment.bpmn_source import DeployError
from storage.models import Deployment, Instance, ProcessVersion, UserTask
from tests.conftest import APPROVER, EXECUTOR, SYSADMIN, TEST_BPMN, deploy


def approval_v2() -> bytes:
    """The approval diagram with a different notification text: a new version."""
    return (TEST_BPMN / "approval.bpmn").read_bytes().replace(b"'approved: '", b"'v2 approved: '")


def review_task(services: Services, instance_id: int) -> str:
    with services.db.reading() as session:
        return session.execute(select(UserTask.id).where(UserTask.instance_id == instance_id)).scalar_one()


def test_version_1_instances_run_on_after_version_2_is_deployed(services: Services) -> None:
    deploy(services, "approval.bpmn")
    old = services.runtime.start("approval", {"work_order": "1", "segment": "S"}, EXECUTOR)
    [bundle] = services.deploy_files({"approval.bpmn": approval_v2()}, SYSADMIN)
    assert (bundle.new, bundle.versions) == (True, {"approval": 2})
    new = services.runtime.start("approval", {"work_order": "2", "segment": "S"}, EXECUTOR)

    services.runtime.complete_task(review_task(services, old), {"decision": "approve"}, APPROVER)
    services.runtime.complete_task(review_task(services, new), {"decision": "approve"}, APPROVER)

    assert services.dispatcher.dispatch() == 2
    texts = sorted(payload["text"] for payload, _key in services.dispatcher.adapters["sms"].sent)  # type: ignore[attr-defined]
    assert texts == ["approved: 1", "v2 approved: 2"]
    with services.db.reading() as session:
        versions = dict(session.execute(
            select(Instance.id, ProcessVersion.version).join(ProcessVersion)).all())
    assert versions == {old: 1, new: 2}


def test_deploying_the_same_files_again_changes_nothing(services: Services) -> None:
    deploy(services, "approval.bpmn")
    [again] = services.deploy_files({"approval.bpmn": (TEST_BPMN / "approval.bpmn").read_bytes()}, SYSADMIN)
    assert (again.new, again.versions) == (False, {"approval": 1})
    with services.db.reading() as session:
        assert session.execute(select(func.count(Deployment.id))).scalar_one() == 1


def test_a_malicious_expression_is_refused_at_deploy_with_file_line_and_element(services: Services) -> None:
    with pytest.raises(DeployError) as refused:
        deploy(services, "malicious.bpmn")
    [problem] = refused.value.problems
    assert (problem.file, problem.element_id) == ("malicious.bpmn", "escape")
    assert problem.line == 9
    assert "__class__" in problem.message


def test_a_bad_file_leaves_nothing_half_deployed(services: Services) -> None:
    files = {name: (TEST_BPMN / name).read_bytes() for name in ("approval.bpmn", "malicious.bpmn")}
    with pytest.raises(DeployError):
        services.deploy_files(files, SYSADMIN)
    with services.db.reading() as session:
        assert session.execute(select(func.count(Deployment.id))).scalar_one() == 0
        assert session.execute(select(func.count(ProcessVersion.id))).scalar_one() == 0


def test_an_unknown_operator_is_refused_with_a_useful_message(services: Services) -> None:
    text = (TEST_BPMN / "flaky.bpmn").read_bytes().replace(b"test.flaky", b"meter.zap")
    with pytest.raises(DeployError) as refused:
        services.deploy_files({"zap.bpmn": text}, SYSADMIN)
    [problem] = refused.value.problems
    assert problem.element_id == "call_flaky"
    assert "meter.zap" in problem.message and "test.flaky" in problem.message


NOT_EXECUTABLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:process id="sketch" isExecutable="false">
    <bpmn:startEvent id="start" />
  </bpmn:process>
  <bpmn:process id="notes" isExecutable="false" />
</bpmn:definitions>
"""
NO_PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:collaboration id="c" />
</bpmn:definitions>
"""


@pytest.mark.parametrize(("content", "expected"), [
    (NOT_EXECUTABLE, "sketch.bpmn:3 [sketch] nothing to deploy: no executable process in sketch.bpmn "
                     "(set isExecutable=\"true\" on process 'sketch' or process 'notes')"),
    (NO_PROCESS, "sketch.bpmn:2 nothing to deploy: no executable process in sketch.bpmn (it holds no bpmn:process)"),
], ids=["all-non-executable", "no-process"])
def test_a_file_with_nothing_executable_is_refused_not_deployed_empty(
        services: Services, content: bytes, expected: str) -> None:
    """issue 10 item 9: 159 of 831 exports from other modelers "deployed" as empty deployments."""
    with pytest.raises(DeployError) as refused:
        services.deploy_files({"sketch.bpmn": content, "approval.bpmn": (TEST_BPMN / "approval.bpmn").read_bytes()},
                              SYSADMIN)
    assert str(refused.value) == expected
    with services.db.reading() as session:
        assert session.execute(select(func.count(Deployment.id))).scalar_one() == 0


def test_a_file_of_many_sketches_names_three_of_them(services: Services) -> None:
    sketches = "".join(f'<bpmn:process id="page_{n}" isExecutable="false" />' for n in range(1, 12))
    content = NO_PROCESS.replace(b'<bpmn:collaboration id="c" />', sketches.encode())
    with pytest.raises(DeployError) as refused:
        services.deploy_files({"pages.bpmn": content}, SYSADMIN)
    assert str(refused.value) == (
        "pages.bpmn:3 [page_1] nothing to deploy: no executable process in pages.bpmn (set isExecutable=\"true\" "
        "on process 'page_1' or process 'page_2' or process 'page_3' (or one of 8 more))")
