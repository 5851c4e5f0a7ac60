"""Contract: every operator the diagrams in bpmn/ call is in the handler table, and every entry
of the table is called by some diagram (no dead handlers, no missing ones)."""

from __future__ import annotations

from app.config import PROJECT_ROOT
from app.runtime.deployment.bpmn_source import read_bpmn
from app.runtime.engine.builtin_operations import BUILTIN_OPERATIONS
from app.runtime.engine.parsing import NSMAP
from handlers import handler_table


def operators_in_diagrams() -> set[str]:
    found = set()
    for path in sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn")):
        tree = read_bpmn(path.name, path.read_bytes())
        found |= {node.get("id") for node in tree.iterfind(".//spiffworkflow:serviceTaskOperator", namespaces=NSMAP)}
    return found


def test_every_operator_in_bpmn_has_a_handler() -> None:
    missing = operators_in_diagrams() - set(handler_table()) - set(BUILTIN_OPERATIONS)
    assert missing == set()


def test_every_handler_is_called_by_a_diagram() -> None:
    unused = set(handler_table()) - operators_in_diagrams()
    assert unused == set()
