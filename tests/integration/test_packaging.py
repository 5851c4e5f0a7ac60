"""Installing relayflow (issue 10 item 14): the build is quiet and the package carries what the
app reads at run time (templates, styles, migrations), not only the Python modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_builds_without_warnings_and_holds_templates_static_files_and_migrations(tmp_path: Path) -> None:
    # the same backend pip runs for `make install` (setuptools), without fetching it again
    source = tmp_path / "source"  # a copy: setuptools writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "build", "*.egg-info", "var", "__pycache__", ".*_cache", "docs"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
                            "--wheel-dir", str(tmp_path), "-v", str(source)],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-3000:]
    output = build.stdout + build.stderr
    assert "Warning" not in output, [line for line in output.splitlines() if "Warning" in line]
    (wheel,) = tmp_path.glob("relayflow-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("app/web/templates/base.html", "app/web/templates/audit/case.html", "app/web/static/relayflow.css",
                     "storage/migrations/env.py", "storage/migrations/versions/0001_initial_schema.py",
                     "storage/migrations/script.py.mako"):
        assert expected in names
