"""`make test` on a fresh machine (issue 10 item 1): the README's one command installs Chromium and
the CJK font when they are missing and makes sure PostgreSQL answers, before pytest runs; CI is that
command and nothing of its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_test_installs_the_browser_and_starts_postgresql_before_pytest() -> None:
    plan = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    pytest_at = plan.index("pytest")
    assert -1 < plan.find("apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei") < pytest_at
    assert -1 < plan.find("pg_ctlcluster") < pytest_at


def test_ci_runs_the_readme_command_and_nothing_else() -> None:
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == "make test"
    assert not any("apt-get" in line or "pg_ctl" in line or "pytest" in line for line in commands)
