"""Every SQL statement lives in ``storage/``: the house rule that keeps it so.

Walks the AST of every module in ``app/`` and ``handlers/`` and names, file:line, each place that
builds or runs SQL outside ``storage/``:

* an import from ``sqlalchemy`` other than the allow-list below: the names a caller may *annotate*
  with or *catch*, never one that builds a statement (``select``, ``func``, ``text``, ``insert``,
  ``and_``, ``aliased``...). The allow-list:

  - ``sqlalchemy.orm.Session`` and ``sqlalchemy.engine.Connection`` (also as ``sqlalchemy.Connection``):
    the handles a caller receives from ``storage.db.Database`` and passes on to a repository;
  - anything from ``sqlalchemy.exc``: the exceptions a repository's caller may have to catch
    (an ``IntegrityError`` that a race decided, an ``OperationalError`` to retry).

* a call of ``.execute(``, ``.scalars(``, ``.scalar(``, ``.query(`` or ``.exec_driver_sql(`` on anything
  (a session, a connection, an engine): running a statement is a repository's job;

* a call of ``.add(``, ``.add_all(``, ``.delete(`` or ``.merge(`` on a session (a name ``session`` or an
  attribute ``.session``, as in ``ctx.session.add(...)``): inserting and deleting rows is too.

What stays allowed in callers (no statement is written there): ``session.get(Model, id)``, attribute
changes on ORM objects a repository returned (``customer.owed_cents = ...``, written by the session's
flush), ``session.flush()``, ``session.connection()`` to hand a repository its connection, and opening
transactions through ``storage.db.Database``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("app", "handlers")

ALLOWED_IMPORTS: dict[str, frozenset[str] | None] = {  # module → the names it may give (None: any)
    "sqlalchemy.orm": frozenset({"Session"}),
    "sqlalchemy.engine": frozenset({"Connection"}),
    "sqlalchemy": frozenset({"Connection"}),
    "sqlalchemy.exc": None,
}
SQL_CALLS = frozenset({"execute", "scalars", "scalar", "query", "exec_driver_sql"})
SESSION_WRITES = frozenset({"add", "add_all", "delete", "merge"})

@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _allowed(module: str, name: str) -> bool:
    if module not in ALLOWED_IMPORTS:
        return False
    names = ALLOWED_IMPORTS[module]
    return names is None or name in names


def _is_session(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "session") or (
        isinstance(node, ast.Attribute) and node.attr == "session")


def sql_outside_storage(source: str, path: str = "<string>") -> list[Finding]:
    """Every place in ``source`` that builds or runs SQL, in line order."""
    found: list[Finding] = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module == "sqlalchemy" or node.module.startswith("sqlalchemy.")):
            for alias in node.names:
                if not _allowed(node.module, alias.name):
                    found.append(Finding(path, node.lineno, f"imports {alias.name} from {node.module}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sqlalchemy" or alias.name.startswith("sqlalchemy."):
                    found.append(Finding(path, node.lineno, f"imports {alias.name}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SQL_CALLS:
                found.append(Finding(path, node.lineno, f"calls .{node.func.attr}(...)"))
            elif node.func.attr in SESSION_WRITES and _is_session(node.func.value):
                found.append(Finding(path, node.lineno, f"calls session.{node.func.attr}(...)"))
    return sorted(found, key=lambda finding: finding.line)


def checked_modules() -> Iterator[Path]:
    for folder in CHECKED:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_no_module_outside_storage_builds_or_runs_sql() -> None:
    found = [finding for path in checked_modules()
             for finding in sql_outside_storage(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert not found, "SQL outside storage/ (move it into a repository function):\n" + "\n".join(map(str, found))


def test_the_checker_reports_a_select_and_an_execute() -> None:
    source = (
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import Session, aliased\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "import sqlalchemy as sa\n"
        "\n"
        "def owed(session: Session, number: str) -> int:\n"
        "    return session.execute(select(1)).scalar_one()\n"
        "\n"
        "def count(conn) -> int:\n"
        "    return conn.scalar(sa.text('select 1'))\n"
        "\n"
        "def add(ctx, row) -> None:\n"
        "    ctx.session.add(row)\n"
        "    seen = set()\n"
        "    seen.add(row)\n"
    )
    assert [str(finding) for finding in sql_outside_storage(source, "x.py")] == [
        "x.py:1: imports select from sqlalchemy",
        "x.py:2: imports aliased from sqlalchemy.orm",
        "x.py:4: imports sqlalchemy",
        "x.py:7: calls .execute(...)",
        "x.py:10: calls .scalar(...)",
        "x.py:13: calls session.add(...)",
    ]


def test_the_checker_lets_annotations_and_exceptions_through() -> None:
    source = (
        "from sqlalchemy import Connection\n"
        "from sqlalchemy.engine import Connection as Conn\n"
        "from sqlalchemy.exc import IntegrityError, OperationalError\n"
        "from sqlalchemy.orm import Session\n"
        "from storage import customers\n"
        "\n"
        "def owed(session: Session, number: str) -> int:\n"
        "    customer = session.get(Customer, 1)\n"
        "    customer.owed_cents = 0\n"
        "    session.flush()\n"
        "    return customers.owed(session.connection(), number)\n"
    )
    assert sql_outside_storage(source) == []
