"""Installing relayflow (issue 10 item 14): the build is quiet and the package carries what the
app reads at run time (templates, styles, migrations, the compiled catalogs), not only the Python
modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_builds_without_warnings_and_holds_templates_static_files_migrations_and_catalogs(
        tmp_path: Path) -> None:
    # the same backend pip runs for `make install` (setuptools), without fetching it again
    source = tmp_path / "source"  # a copy: setuptools writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "build", "*.egg-info", "var", "__pycache__", ".*_cache", "docs",
        "*.mo"))  # as in a fresh clone (the .mo are git-ignored build output): the build compiles them
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
    catalog = "app/translations/zh/LC_MESSAGES/messages"
    assert f"{catalog}.po" in names and f"{catalog}.mo" in names
    chinese = Translations(BytesIO(zipfile.ZipFile(wheel).read(f"{catalog}.mo")))
    assert chinese.gettext("Inbox") == "待办" and chinese.ngettext("{n} task", "{n} tasks", 1) == "共 {n} 条"
