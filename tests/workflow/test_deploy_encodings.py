"""Files saved in the encodings other modelers use deploy, run, replay and export byte for byte as
sent (issue 10 item 10: they crashed with a traceback where the deployment was stored)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from sqlalchemy import select

from app.audit.case_file import ReplayVerdict, case_document, read_case, verify_case
from app.audit.standalone import verify_case as standalone
from app.bootstrap import Services
from app.runtime.deployment.deploy import bundle_hash
from app.runtime.reading.instance_detail import require_record
from app.runtime.reading.instance_diagram import diagram_of
from storage.models import HistoryEvent
from tests.conftest import APPROVER, EXECUTOR, START, SYSADMIN, TEST_BPMN
from tests.workflow.test_deploy_versions import review_task

NOT_REPLAYED = ReplayVerdict(True, 0, "every case of these tests is replayed by tests/workflow/conftest.py")


def approval_saved_as(declared: str, codec: str) -> bytes:
    """approval.bpmn with an umlaut in a task's name, saved in another encoding."""
    text = (TEST_BPMN / "approval.bpmn").read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', f'encoding="{declared}"').replace("Review the application", "Prüfung")
    return text.encode(codec)


@pytest.mark.parametrize(("declared", "codec"), [
    ("ISO-8859-1", "latin-1"), ("windows-1252", "cp1252"), ("UTF-16", "utf-16"), ("UTF-16BE", "utf-16-be"),
])
def test_a_file_in_another_encoding_deploys_runs_and_exports_as_sent(
        services: Services, declared: str, codec: str) -> None:
    sent = approval_saved_as(declared, codec)
    [bundle] = services.deploy_files({"approval.bpmn": sent}, SYSADMIN)
    instance_id = services.runtime.start("approval", {"work_order": "7", "segment": "S"}, EXECUTOR)
    services.runtime.complete_task(review_task(services, instance_id), {"decision": "approve"}, APPROVER)

    with services.db.reading() as session:
        [created] = session.execute(select(HistoryEvent.data).where(
            HistoryEvent.type == "deployment.created")).scalars()
        diagram = diagram_of(session, require_record(session, instance_id))
        case = read_case(session, instance_id)
        verification = verify_case(session, case, NOT_REPLAYED)
    assert created["bundle_hash"] == bundle_hash({"approval.bpmn": sent})  # the hash of the bytes the analyst sent
    assert 'name="Prüfung"' in diagram.xml
    assert verification.files == []
    [file] = case_document(case, verification, exported_at=START, exported_by="auditor")["deployment"]["files"]
    assert base64.b64decode(file["content_base64"]) == sent
    assert file["sha256"] == hashlib.sha256(sent).hexdigest()
    standalone.check_files({"id": bundle.deployment_id, "bundle_hash": created["bundle_hash"], "files": [file]})


def test_a_utf8_file_is_exported_as_before_without_a_copy_of_its_bytes(services: Services) -> None:
    services.deploy_files({"approval.bpmn": (TEST_BPMN / "approval.bpmn").read_bytes()}, SYSADMIN)
    instance_id = services.runtime.start("approval", {"work_order": "7", "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        case = read_case(session, instance_id)
        verification = verify_case(session, case, NOT_REPLAYED)
    [file] = case_document(case, verification, exported_at=START, exported_by="auditor")["deployment"]["files"]
    assert sorted(file) == ["content", "name", "sha256"]
    assert file["content"] == (TEST_BPMN / "approval.bpmn").read_text(encoding="utf-8")
