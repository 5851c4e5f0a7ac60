"""The modeler's spiffworkflow moddle descriptor (app/web/static/modeler/spiffworkflow.json): every
shipped diagram, read and written back by bpmn-moddle as the browser modeler imports and saves it,
keeps its extension elements (operators and parameters, properties, scripts, message variables,
correlations) exactly, and still passes the deploy's own check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from app.accounts.roles import ROLES
from app.runtime.deployment.bpmn_source import SPIFF_NS, owner_id
from app.runtime.deployment.check import check_files
from app.runtime.engine.builtin_operations import BUILTIN_OPERATIONS
from handlers import handler_table, validator_table

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "bpmn").glob("*.bpmn"))


def round_trip(source: Path, tmp_path: Path) -> tuple[bytes, list[str]]:
    written = tmp_path / source.name
    run = subprocess.run(["node", str(ROOT / "tests" / "unit" / "modeler_roundtrip.mjs"), str(source), str(written)],
                         capture_output=True, text=True, check=False, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return written.read_bytes(), json.loads(run.stdout)


def extensions(data: bytes) -> list[tuple[str | None, str, dict[str, str], str]]:
    """Every spiffworkflow element in document order: its diagram element, tag, attributes and text."""
    root = etree.fromstring(data)
    return [(owner_id(node), etree.QName(node).localname, dict(node.attrib), (node.text or "").strip())
            for node in root.iter(f"{{{SPIFF_NS}}}*")]


def ids(data: bytes) -> set[str]:
    return {str(node.get("id")) for node in etree.fromstring(data).iter() if node.get("id")}


@pytest.mark.parametrize("source", SHIPPED, ids=[path.name for path in SHIPPED])
def test_a_shipped_diagram_round_trips_through_the_modeler_unchanged(source: Path, tmp_path: Path) -> None:
    original = source.read_bytes()
    written, warnings = round_trip(source, tmp_path)
    assert warnings == [], "every element is known to the descriptor"
    assert extensions(written) == extensions(original)
    assert len(extensions(original)) > 5
    assert ids(written) == ids(original)


def test_the_round_tripped_files_pass_the_deploy_check(tmp_path: Path) -> None:
    files = {source.name: round_trip(source, tmp_path)[0] for source in SHIPPED}
    files["cut_window.dmn"] = (SHIPPED[0].parent / "cut_window.dmn").read_bytes()  # the table the child calls
    bundles = check_files(files, operators={*handler_table(), *BUILTIN_OPERATIONS}, roles=ROLES,
                          validators=validator_table().keys())
    assert sorted(pid for bundle in bundles for pid in bundle.process_ids) == [
        "disconnect", "disconnect_customer", "reconnect"]
