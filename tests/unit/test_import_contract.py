"""The import contract (``.importlinter``, run by ``make lint``) bites: on a copy of the tree, each
contract holds as shipped and fails, named, once a forbidden import is added (issue 11 item 2)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# contract name -> (module of the copy, the forbidden import appended to it)
VIOLATIONS = {
    "storage imports nothing above it": ("storage/payments.py", "import app.runtime.api"),
    "handlers do not import the runtime's machinery, the use cases, the web or the CLI":
        ("handlers/sms.py", "import app.runtime.api"),
    "the runtime imports nothing of the domain, the use cases, the web or the CLI":
        ("app/runtime/inbox.py", "import handlers.headend"),
    "the use cases, the archive and the audit do not import the web or the CLI":
        ("app/usecases/payments.py", "import app.web.machine_api"),
    "only app.runtime imports SpiffWorkflow": ("app/web/inbox.py", "import SpiffWorkflow.bpmn"),
}


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)})


def copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "templates", "static", "translations", "migrations")
    for package in ("app", "handlers", "storage"):
        shutil.copytree(ROOT / package, tree / package, ignore=ignore)
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


def test_every_contract_holds_and_breaks_when_a_forbidden_import_is_added(tmp_path: Path) -> None:
    tree = copy_of_the_tree(tmp_path)
    kept = lint_imports(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert all(said(kept.stdout, contract, "KEPT") for contract in VIOLATIONS), kept.stdout

    for module, forbidden in VIOLATIONS.values():
        path = tree / module
        path.write_text(path.read_text() + f"\n{forbidden}  # the violation under test\n")
    broken = lint_imports(tree)
    assert broken.returncode != 0
    for contract in VIOLATIONS:
        assert said(broken.stdout, contract, "BROKEN"), contract


def said(report: str, contract: str, verdict: str) -> bool:
    """Whether the report gives the contract that verdict (its summary wraps long names)."""
    return f"{contract} {verdict}" in " ".join(report.split())
