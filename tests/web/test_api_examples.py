"""Issue 11 item 6: every example request the OpenAPI document shows — each JSON body, each query
string — sent to its endpoint on data made for it gets an answer the document describes: a 2xx
among the operation's responses, its body valid against the documented schema. A task form's
example goes to a task with that form, and the same example with a field the form does not have
is a 400 naming it. The test fails for an example it did not send, so a new one needs its data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from app.runtime.actors import Actor
from app.usecases.payments import record_payment
from storage.domain_models import Customer, MeterCommand
from storage.models import Incident, UserTask
from tests.utility import DEPLOYER, NOW, seed_customer
from tests.web.api_document import component, described, example_requests, key
from tests.web.conftest import Person, Site
from tests.web.customers_support import seed_archive
from tests.web.instances_support import APPLICANT, APPROVER, EXECUTOR, failing_reconnection, reconnection, task_of
from tests.web.schema_form_support import edited_bundle
from tests.web.task_forms_support import owing
from tests.web.workbench_support import send_workbench_examples
from tests.workflow.test_move import edited_reconnect

TOKENS = {"/api/payments": "bill-token", "/api/headend/results": "hes-token",
          "/api/payments/reversals": "bill-token"}  # after the payment it reverses
EVERY_ROLE = ("applicant", "approver", "executor", "sysadmin", "analyst", "auditor")


class Examples:
    """Sends the document's examples and remembers which were sent."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.document = site.anonymous().get("/api/openapi.json").json
        self.sent: set[tuple[str, str, str]] = set()

    def example(self, model: str) -> Any:
        return component(self.document, model)["examples"][0]

    def send(self, who: Person | None, path: str, method: str, example: Any, **path_values: Any) -> Any:
        """One documented example to ``path``; its answer must be a documented 2xx."""
        assert key(example) in map(key, example_requests(self.document, path, method)), (path, example)
        url = path.format(**path_values)
        if method == "get":
            response = who.get(f"{url}?{urlencode(example)}") if who else None
        elif method == "put":
            response = who.client.put(url, json=example, headers={"X-CSRFToken": who.csrf}) if who else None
        elif who is None:
            response = self.site.app.test_client().post(url, json=example, headers={
                "Authorization": f"Bearer {TOKENS[path]}"})
        else:
            response = who.post_json(url, example)
        assert response is not None
        problem = described(self.document, path, method, response)
        assert problem is None and response.status_code < 300, (path, example, response.status_code,
                                                                response.get_data()[:500], problem)
        self.sent.add((path, method, key(example)))
        return response

    def form(self, who: Person, task_id: str, model: str) -> None:
        """A form's example to its task: refused with a field the form does not have, checked, completed."""
        example = self.example(model)
        extra = who.post_json(f"/api/tasks/{task_id}/check", {**example, "undocumented": 1})
        assert extra.status_code == 400 and "undocumented" in extra.json["errors"], (model, extra.json)
        checked = self.send(who, "/api/tasks/{task_id}/check", "post", example, task_id=task_id)
        assert checked.json["ok"], (model, checked.json)
        self.send(who, "/api/tasks/{task_id}/complete", "post", example, task_id=task_id)
        self.site.utility.run()

    def unsent(self) -> list[tuple[str, str, str]]:
        return sorted((path, method, key(example)) for path, item in self.document["paths"].items()
                      for method in item for example in example_requests(self.document, path, method)
                      if (path, method, key(example)) not in self.sent)


def only_task(site: Site, element_id: str) -> str:
    with site.services.db.reading() as session:
        return str(session.execute(select(UserTask.id).where(UserTask.element_id == element_id)).scalar_one())


def open_incident(site: Site, instance_id: int) -> int:
    with site.services.db.reading() as session:
        return int(session.execute(select(Incident.id).where(Incident.instance_id == instance_id,
                                                             Incident.resolved_at.is_(None))).scalar_one())


def emptied_batch(site: Site) -> int:
    """A batch whose only customer paid before the commands were issued: it asks to be archived."""
    runtime = site.services.runtime
    owing(site, "3400000012")
    batch = runtime.start("disconnect", {}, APPLICANT)
    runtime.complete_task(task_of(site, batch, "apply"), {"customers": ["3400000012"], "reason": "arrears",
                                                          "planned_date": str(NOW.date())}, APPLICANT)
    runtime.complete_task(task_of(site, batch, "approve"), {"opinion": "ok", "decision": "approve"}, APPROVER)
    record_payment(site.services.runtime, {"payment_id": "P-12", "customer_number": "3400000012", "amount": "320",
                                    "paid_at": NOW.isoformat()})
    runtime.complete_task(task_of(site, batch, "issue"), {"keep": {}, "cancel": ["3400000012"]},
                          Actor(EXECUTOR.name, frozenset({"executor"})))
    return batch


def test_every_documented_example_request_gets_a_documented_answer(site: Site) -> None:
    on_site = reconnection(site, "3400000031", auto_reconnect=False)  # before the archive: the patrol's only one
    failing = failing_reconnection(site)
    seed_archive(site)
    owing(site, "3400000011")
    site.utility.headend.set_behaviour(site.utility.customer("3400000011").meter_address, "fails")
    seed_customer(site.services, "3400000021", owed_cents=8_850)  # the payment example's customer
    with site.services.db.transaction() as session:
        customer = session.execute(select(Customer).where(Customer.number == "3400000021")).scalar_one()
        session.add(MeterCommand(command_id="HES-17-3f1c0e9a0000", customer_id=customer.id, action="direct_close",
                                 meter_address=customer.meter_address, status="sent", created_at=NOW,
                                 deadline=NOW + timedelta(minutes=30)))  # the head-end example's command
    empty = emptied_batch(site)
    root, erin = site.person("root", *EVERY_ROLE), site.person("erin", "applicant", "approver", "executor")
    examples = Examples(site)

    for path, extra in (("/api/tasks", {}), ("/api/customers", {}), ("/api/screening", {}), ("/api/instances", {}),
                        ("/api/instances/{instance_id}", {"instance_id": failing}),
                        ("/api/instances/{instance_id}/diagram", {"instance_id": on_site}), ("/api/reports", {})):
        [query] = example_requests(examples.document, path, "get")
        examples.send(root, path, "get", query, **extra)

    started = examples.send(root, "/api/disconnections", "post", {}).json
    batch, apply = started["instance_id"], started["task_id"]
    [search] = example_requests(examples.document, "/api/tasks/{task_id}", "get")
    examples.send(root, "/api/tasks/{task_id}", "get", search, task_id=apply)
    examples.form(root, apply, "ApplicationForm")
    examples.form(root, task_of(site, batch, "approve"), "ApprovalForm")
    examples.form(root, task_of(site, batch, "issue"), "IssueForm")
    examples.form(root, task_of(site, empty, "confirm_empty"), "ArchiveEmptyForm")

    task = task_of(site, on_site, "on_site")
    for action, body in (("claim", {}), ("unclaim", {}), ("reassign", examples.example("Reassignment"))):
        examples.send(root, f"/api/tasks/{{task_id}}/{action}", "post", body, task_id=task)
    site.utility.advance(timedelta(minutes=2))  # the trip failed: its child asks for the disconnection by hand
    examples.form(erin, task, "OnSiteForm")  # reassigned to erin

    examples.form(root, only_task(site, "enter_disconnection"), "ManualEntryForm")
    examples.form(root, task_of(site, batch, "send_to_archive"), "SendToArchiveForm")

    for path, number in (("/api/customers/{number}/auto-reconnect", "3400000002"),
                         ("/api/customers/{number}/mobile", "3400000001"),
                         ("/api/customers/{number}/subscriptions", "3400000003"),
                         ("/api/customers/{number}/protection", "3400000003")):
        [body] = example_requests(examples.document, path, "post")
        examples.send(root, path, "post", body, number=number)
    examples.send(root, "/api/customers/auto-reconnect", "post", examples.example("BulkFlagChange"))
    examples.send(root, "/api/segments/{code}", "post", examples.example("ReaderPhoneChange"), code="S01")

    examples.send(root, "/api/incidents/{incident_id}/retry", "post", {}, incident_id=open_incident(site, failing))
    for action in ("suspend", "resume", "terminate"):
        examples.send(root, f"/api/instances/{{instance_id}}/{action}", "post", examples.example("Reason"),
                      instance_id=failing)

    send_workbench_examples(examples, site, root)

    for path in TOKENS:  # one item, then the same as a batch (a duplicate by then)
        for body in example_requests(examples.document, path, "post"):
            examples.send(None, path, "post", body)

    # a form the diagram writes as JSON Schema (issue 12 item 9): the supervisor review of an edited diagram
    site.services.deploy_files(edited_bundle(), DEPLOYER)
    owing(site, "3400000013")
    reviewed = site.services.runtime.start("disconnect", {}, APPLICANT)
    site.services.runtime.complete_task(task_of(site, reviewed, "apply"), {
        "customers": ["3400000013"], "reason": "arrears", "planned_date": str(NOW.date())}, APPLICANT)
    site.services.runtime.complete_task(task_of(site, reviewed, "approve"), {"opinion": "ok", "decision": "approve"},
                                        APPROVER)
    examples.form(root, task_of(site, reviewed, "supervise"), "SchemaFormFields")

    examples.send(root, "/api/start/{process_id}", "post", examples.example("StartData"), process_id="disconnect")
    drafted = root.post_json("/api/disconnections", {}).json["instance_id"]  # its author discards it (issue 13 item 6)
    examples.send(root, "/api/cases/{instance_id}/discard", "post", {}, instance_id=drafted)
    site.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)  # compare and move: v1 → v2
    [compared] = example_requests(examples.document, "/api/processes/{process_id}/compare", "get")
    examples.send(root, "/api/processes/{process_id}/compare", "get", compared, process_id="reconnect")
    for path in ("/api/processes/{process_id}/moves/dry-run", "/api/processes/{process_id}/moves"):
        [body] = example_requests(examples.document, path, "post")
        examples.send(root, path, "post", body, process_id="reconnect")
    rehearsed = root.post_json("/api/processes/reconnect/drafts", {"title": "rehearsed"}).json["draft_id"]
    for body in example_requests(examples.document, "/api/drafts/{draft_id}/rehearsals", "post"):  # issue 12 item 5
        examples.send(root, "/api/drafts/{draft_id}/rehearsals", "post", body, draft_id=rehearsed)

    assert examples.unsent() == []
