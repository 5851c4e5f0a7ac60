"""Decision tables deploy with the diagrams that call them (issue 16 item 6, first part): one
bundle, one hash; a business rule task asks the table on the durable runtime; a bundle whose
table is missing, not called or not DMN is refused with the file, the line and the element."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.replay import Replayer
from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.deployment.feel import unary_tests
from storage.models import Instance
from tests.conftest import SYSADMIN, TEST_BPMN

STARTER = Actor("sam", frozenset({"sysadmin"}))
DIAGRAM = (TEST_BPMN / "decide.bpmn").read_bytes()
TABLE = (TEST_BPMN / "cut_window.dmn").read_bytes()


def result(services: Services, instance_id: int) -> dict[str, object]:
    with services.db.reading() as session:
        instance = session.execute(select(Instance).where(Instance.id == instance_id)).scalar_one()
        assert instance.status == "completed" and instance.result is not None
        return dict(instance.result)


def problems(services: Services, files: dict[str, bytes]) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(DeployError) as refused:
        services.deploy_files(files, SYSADMIN)
    return [(p.file, p.line, p.element_id, p.message) for p in refused.value.problems]


@pytest.mark.parametrize("inputs, answer", [
    ({"customer_class": "household", "day_type": "working_day", "hour": 9}, {"allowed": True,
                                                                             "reason": "inside the window"}),
    ({"customer_class": "household", "day_type": "working_day", "hour": 16}, {"allowed": False,
                                                                              "reason": "outside the window"}),
    ({"customer_class": "protected", "day_type": "working_day", "hour": 9}, {"allowed": False,
                                                                             "reason": "protected customer"}),
])
def test_a_business_rule_task_asks_the_table_deployed_with_its_diagram(
        backend_services: Services, inputs: dict[str, object], answer: dict[str, object]) -> None:
    [bundle] = backend_services.deploy_files({"decide.bpmn": DIAGRAM, "cut_window.dmn": TABLE}, SYSADMIN)
    assert bundle.files == ["cut_window.dmn", "decide.bpmn"] and bundle.new
    instance_id = backend_services.runtime.start("decide", inputs, STARTER)
    assert result(backend_services, instance_id) == answer


def test_an_edit_of_the_table_alone_is_a_new_version_of_the_diagram(services: Services) -> None:
    first, = services.deploy_files({"decide.bpmn": DIAGRAM, "cut_window.dmn": TABLE}, SYSADMIN)
    later = TABLE.replace(b"[8..15[", b"[8..17[")  # the analyst moves the window's end...
    later = later.replace(b"<decision ", b"<!-- moved to 17:00 -->\n  <decision ", 1)  # ...and says so
    second, = services.deploy_files({"decide.bpmn": DIAGRAM, "cut_window.dmn": later}, SYSADMIN)
    assert (first.versions, second.versions) == ({"decide": 1}, {"decide": 2})
    instance_id = services.runtime.start("decide", {"customer_class": "household", "day_type": "working_day",
                                                    "hour": 16}, STARTER)
    assert result(services, instance_id) == {"allowed": True, "reason": "inside the window"}


def test_a_called_decision_no_file_defines_is_refused_at_its_task(services: Services) -> None:
    assert problems(services, {"decide.bpmn": DIAGRAM}) == [
        ("decide.bpmn", 8, "ask", "calls decision 'may_cut', which no file defines (defined: none: deploy the .dmn "
                                  "file with this diagram)")]


def test_a_table_no_diagram_calls_is_refused(services: Services) -> None:
    assert problems(services, {"cut_window.dmn": TABLE}) == [
        ("cut_window.dmn", 3, "may_cut", "no diagram deployed with cut_window.dmn calls its decisions ('may_cut'): "
                                         "deploy it together with the diagram whose business rule task calls one")]


def test_a_dmn_file_that_is_not_dmn_is_refused_with_what_it_is(services: Services) -> None:
    [(file, line, _, message)] = problems(services, {"decide.bpmn": DIAGRAM, "cut_window.dmn": DIAGRAM})
    assert (file, line) == ("cut_window.dmn", 2) and "a DMN file must start with <definitions>" in message


def test_a_broken_rule_is_refused_with_its_file(services: Services) -> None:
    broken = TABLE.replace(b'<outputEntry id="r2o"><text>true</text></outputEntry>',
                           b'<outputEntry id="r2o"><text>true</text><bogus/></outputEntry>')
    [(file, _, _, message)] = problems(services, {"decide.bpmn": DIAGRAM, "cut_window.dmn": broken})
    assert file == "cut_window.dmn" and "bogus" in message


def test_a_case_that_asked_a_table_replays_from_its_deployed_files(services: Services) -> None:
    """Auditors: the table is part of the deployment the case started on, so replay asks the same."""
    services.deploy_files({"decide.bpmn": DIAGRAM, "cut_window.dmn": TABLE}, SYSADMIN)
    instance_id = services.runtime.start("decide", {"customer_class": "household", "day_type": "weekend",
                                                    "hour": 9}, STARTER)
    services.deploy_files({"decide.bpmn": DIAGRAM, "cut_window.dmn": TABLE.replace(b"working_day", b"weekend")},
                          SYSADMIN)  # a later table would answer otherwise: replay must not read it
    replayed = Replayer(services.db, services.runtime).replay(instance_id)
    assert replayed.verified, replayed.summary()
    assert result(services, instance_id) == {"allowed": False, "reason": "outside the window"}


@pytest.mark.parametrize("cell, python", [
    ("-", ""), ("", ""), ('"household"', '? == "household"'), ('"weekend","holiday"', '(? == "weekend") or '
                                                                                     '(? == "holiday")'),
    (">= 8", "? >= 8"), ("[8..15[", "8 <= ? < 15"), ("[8..15)", "8 <= ? < 15"), ("]0..1]", "0 < ? <= 1"),
    ('not("protected")', 'not (? == "protected")'), ("true", "? == True"),
    ("8 <= ? < 15", None),  # already Python: handed to the engine as written
    ('date("2026-01-01")', None),  # FEEL beyond the subset: handed on (a Python call, as it happens)
])
def test_feel_cells_as_the_engine_reads_them(cell: str, python: str | None) -> None:
    assert unary_tests(cell) == python


def test_a_cell_neither_feel_nor_python_is_refused_at_its_line(services: Services) -> None:
    broken = TABLE.replace(b"[8..15[", b"8..15 hours")
    assert problems(services, {"decide.bpmn": DIAGRAM, "cut_window.dmn": broken}) == [
        ("cut_window.dmn", 26, None, "the rule cell '8..15 hours' is neither FEEL this engine reads (a value, a "
         'comparison such as >= 8, an interval such as [8..15[, a list such as "a","b", not(...), or - for any) nor '
         "a Python expression")]
