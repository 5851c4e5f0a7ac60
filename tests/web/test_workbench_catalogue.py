"""``GET /api/workbench/catalogue``: the modeler's choices come from the runtime's own tables (the
handler table, the validators, the roles), so the panel offers exactly what the deploy accepts."""

from __future__ import annotations

from handlers import handler_table, validator_table
from tests.web.conftest import Site


def test_the_catalogue_lists_every_operator_with_its_parameters_and_help(site: Site) -> None:
    body = site.person("ana", "analyst").get("/api/workbench/catalogue?lang=en").json
    operators = {entry["name"]: entry for entry in body["operators"]}
    assert set(handler_table()) | {"relayflow.start_children", "relayflow.set_attributes"} == set(operators)
    send = operators["headend.send_command"]
    assert send["help"] == "Queue one remote-control command to the customer's meter (at most one in flight per meter)."
    assert [(p["name"], p["type"], p["required"]) for p in send["params"]] == [
        ("customer_number", "str", True), ("action", "str", True), ("validity_minutes", "int", False)]
    assert send["params"][2]["help"] == "int, optional (default 30)"
    # a partial's bound setting (the work-order series) is no parameter a diagram gives
    assert [p["name"] for p in operators["reconnection.assign_order"]["params"]] == ["kind"]
    assert operators["relayflow.set_attributes"]["any_params"] is True
    assert {entry["name"] for entry in body["validators"]} == set(validator_table())
    assert {"id": "approver", "label": "Approver"} in body["roles"]
    assert "reconnection.on_site" in {form["key"] for form in body["forms"]}


def test_the_catalogue_speaks_the_readers_language_and_needs_a_sign_in(site: Site) -> None:
    body = site.person("ana", "analyst").get("/api/workbench/catalogue?lang=zh").json
    assert {"id": "approver", "label": "审批人"} in body["roles"]
    assert site.anonymous().get("/api/workbench/catalogue").status_code == 401
