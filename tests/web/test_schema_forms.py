"""Forms an analyst writes into the diagram as JSON Schema (issue 12 item 9): the app draws them in
the reader's language, and the page and the API are judged by the same schema (jsonschema), with
the per-field refusals every form gives; what was sent is in the history."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import HistoryEvent
from tests.utility import DEPLOYER
from tests.web.conftest import Site
from tests.web.schema_form_support import edited_bundle
from tests.web.task_forms_support import READER, apply_via_api, approve_via_api, open_task, owing, snapshot


def reviewing(site: Site) -> tuple[int, str]:
    """A batch approved on the edited diagram: its supervisor review is open."""
    [bundle] = site.services.deploy_files(edited_bundle(), DEPLOYER)
    assert bundle.new and bundle.warnings == []
    owing(site, "3400000011")
    batch = apply_via_api(site.person(READER, "applicant"), ["3400000011"])
    approve_via_api(site, site.person("bo", "approver"), batch)
    return batch, open_task(site, "supervise", batch).id


def test_the_page_draws_the_schema_in_the_readers_language(site: Site) -> None:
    _, task_id = reviewing(site)
    task = open_task(site, "supervise")
    assert (task.lane, task.lane_name) == ("approver", "审批人")
    approver = site.person("ann", "approver")
    chinese = approver.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-form="schema"' in chinese and "主管意见" in chinese and "同意执行" in chinese and "审批人" in chinese
    assert 'type="radio" name="choice" value="ok"' in chinese and '<textarea name="comment"' in chinese
    english = approver.get(f"/tasks/{task_id}?lang=en").get_data(as_text=True)
    assert "Supervisor&#39;s decision" in english and "Fine, go on" in english
    assert site.person("erin", "executor").get(f"/tasks/{task_id}").status_code == 403  # not the lane's role


def test_the_page_and_the_api_refuse_per_field_and_change_nothing(site: Site) -> None:
    _, task_id = reviewing(site)
    approver = site.person("ann", "approver")
    before = snapshot(site)
    page = approver.post_form(f"/tasks/{task_id}?lang=en", {"comment": ""})
    assert page.status_code == 422
    assert b'data-testid="error-choice"' in page.data and b'data-testid="error-comment"' not in page.data
    api = approver.post_json(f"/api/tasks/{task_id}/complete", {"choice": "maybe", "comment": ""})
    assert api.status_code == 422
    assert api.json["errors"] == {"choice": "choose one of: ok, redo", "comment": "required"}
    unknown = approver.post_json(f"/api/tasks/{task_id}/complete", {"choice": "ok", "verdict": "x"})
    assert unknown.status_code == 400 and "verdict" in unknown.get_data(as_text=True)
    check = approver.post_json(f"/api/tasks/{task_id}/check", {"comment": "looked"})
    assert (check.json["ok"], check.json["errors"]) == (False, {"choice": "required"})
    assert snapshot(site) == before
    shown = approver.get(f"/api/tasks/{task_id}").json["form"]
    assert shown["id"] == "schema" and shown["schema"]["properties"]["choice"]["enum"] == ["ok", "redo"]
    assert shown["fields"] == {"choice": "Supervisor's decision", "comment": "Comment"}


def test_a_completed_schema_form_goes_on_and_its_data_is_in_the_history(site: Site) -> None:
    batch, task_id = reviewing(site)
    approver = site.person("ann", "approver")
    done = approver.post_form(f"/tasks/{task_id}", {"choice": "ok", "comment": "customers checked"})
    assert done.status_code == 302
    assert open_task(site, "issue", batch).lane == "executor"  # the flow went on to the executor
    with site.services.db.reading() as session:
        completed = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == batch, HistoryEvent.type == "task.completed",
            HistoryEvent.element_id == "supervise")).scalar_one()
    assert completed.actor == "ann"
    assert completed.data["data"] == {"choice": "ok", "comment": "customers checked"}
