"""The operators' inbox at utility size: 100,000 instances, 10,000 open user tasks.

A fresh, migrated database (a SQLite file with the production settings, or ``--postgres URL``)
gets bpmn/ deployed, 100,000 customers in 50 segments, one disconnection batch and one manual
reconnection run through the real runtime (their state is what every bulk instance of the kind
copies), then ``--instances`` instances bulk-loaded as the runtime writes them (benchmarks/
inbox_data.py): 1 % disconnection batches with 20 child instances each, the rest reconnections;
``--open-tasks`` of them with an open user task (80 % on-site reconnections, 16 % manual
disconnection entries, the rest the batches' tasks), ~30 % claimed; instance attributes
(customer, segment, order numbers), the tasks' customers, two history events per instance.
Only customers and segments are ANALYZEd on SQLite (as an import would): the runtime's tables
have no statistics there, as on a live SQLite installation; on PostgreSQL every loaded table is
(autovacuum would after such a load).

Then, signed in through the login form like a browser, it times through Flask's test client:
the full HTML page ``GET /tasks`` and the JSON list ``GET /api/tasks`` for typical views, and the
claim call (``POST /api/tasks/<id>/claim``, and the page's form post) on distinct tasks; median
and p95 of ``--rounds`` each. Target (issue): p95 <= 50 ms for both on SQLite.

    .venv/bin/python benchmarks/inbox.py [--instances 100000] [--open-tasks 10000] [--rounds 40]
                                         [--postgres URL] [--sqlite-file PATH] [--plans]
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from bench_common import pin_to_one_core, reset_postgres  # noqa: E402
from inbox_data import APPROVERS, EXECUTORS, load_customers, load_instances, run_templates, timed  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.accounts.users import create_user  # noqa: E402
from app.rules.beijing import BEIJING  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from storage import migrate, task_list  # noqa: E402
from storage.models import Instance  # noqa: E402

BPMN_DIR = ROOT / "bpmn"
ADMIN = Actor("bench-admin", frozenset({"analyst", "sysadmin"}))
PASSWORD = "bench-password"
TARGET_MS = 50.0
ANALYZED = ("customers", "segments")  # imported: an import would analyze them
LOADED = ("instances", "user_tasks", "user_task_customers", "instance_attributes", "history_events")
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')
# (what, who, query string)
VIEWS = [
    ("my groups' tasks, page 1", "executor-01", "tab=groups"),
    ("my groups' tasks, segment S07", "executor-01", "tab=groups&segment=S07"),
    ("all open tasks, overdue", "approver-1", "tab=all&overdue=1"),
    ("my groups' tasks, page 100 (deep)", "executor-01", "tab=groups&page=100"),
    ("my tasks", "executor-01", "tab=mine"),
    ("all open tasks by process, page 50", "approver-1", "tab=all&sort=process&page=50"),
]


class Browser:
    """One signed-in session, as tests/web/conftest.py's Person: the form's CSRF token, then the API's."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = app.test_client()
        token = CSRF_META.search(self.client.get("/login").data)
        assert token is not None
        signed_in = self.client.post("/login", data={"username": username, "password": PASSWORD,
                                                     "csrf_token": token.group(1).decode()})
        assert signed_in.status_code == 302, signed_in.data[:300]
        self.csrf = self.client.get("/api/me").json["csrf_token"]

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
        return response

    def post(self, url: str, form: bool = False) -> Any:
        if form:
            return self.client.post(url, data={"csrf_token": self.csrf})
        return self.client.post(url, json={}, headers={"X-CSRFToken": self.csrf})


def fetching(person: Browser, url: str) -> Callable[[int], Any]:
    return lambda _round: person.get(url)


def measure(action: Callable[[int], Any], rounds: int, warmup: int = 3) -> list[float]:
    for n in range(warmup):
        action(-1 - n)
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        action(n)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(times: list[float]) -> float:
    return sorted(times)[max(0, round(0.95 * len(times)) - 1)]


def report(what: str, times: list[float], extra: str = "") -> bool:
    ok = p95(times) <= TARGET_MS
    print(f"  {what:<46} median {statistics.median(times):6.1f} ms   p95 {p95(times):6.1f} ms   "
          f"{'ok' if ok else 'OVER'}  {extra}")
    return ok


def plans(app: Any, now: datetime) -> None:
    """EXPLAIN QUERY PLAN of the page and count statements of each view (SQLite)."""
    services = app.extensions["relayflow"]
    with app.test_request_context():
        for what, username, args in VIEWS:
            params = dict(pair.split("=") for pair in args.split("&"))
            roles = frozenset({"approver"} if username.startswith("approver") else {"executor"})
            filters = task_list.TaskFilters(segment=params.get("segment"), overdue=params.get("overdue") == "1")
            query = task_list.TaskQuery(task_list.Viewer(username, roles), params["tab"], filters,
                                        params.get("sort", "due"), int(params.get("page", 1)), 50)
            for label, stmt in (("page", task_list.page_statement(query, now)),
                                ("count", task_list.count_statement(query.tab, query.viewer, filters, now))):
                with services.db.engine.connect() as conn:
                    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
                    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
                print(f"  {what} — {label}: " + "; ".join(r[-1] for r in rows))


def build(args: argparse.Namespace, url: str) -> Any:
    from app import create_app

    migrate.upgrade(url)
    app = create_app({"TESTING": False, "DATABASE_URL": url, "BPMN_DIR": str(BPMN_DIR), "SECRET_KEY": "bench",
                      "DEPLOY_ON_START": False, "SMS_LOG_PATH": str(Path(tempfile.gettempdir()) / "bench-sms.jsonl")})
    services = app.extensions["relayflow"]
    services.deploy_directory(BPMN_DIR, ADMIN)
    now = services.clock.now()
    with services.db.transaction() as session:
        create_user(session, services.clock, ADMIN, "reader-s01", "Reader", ["applicant"], PASSWORD)
        for name in EXECUTORS:
            create_user(session, services.clock, ADMIN, name, name.title(), ["executor"], PASSWORD)
        for name in APPROVERS:
            create_user(session, services.clock, ADMIN, name, name.title(), ["approver"], PASSWORD)
    _, seconds = timed(load_customers, services.db.engine, 100_000, now)
    print(f"customers: 100,000 in 50 segments ({seconds:.1f} s)")
    planned = str(now.astimezone(BEIJING).date() + timedelta(days=1))  # the notice's date: tomorrow
    templates = run_templates(services, planned)
    with services.db.reading() as session:
        first_id = int(session.scalar(select(func.max(Instance.id))) or 0) + 1
    counts, seconds = timed(load_instances, services.db.engine, templates, args.instances - first_id + 1,
                            args.open_tasks - 2, now, first_id)
    print("loaded: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()) + f" ({seconds:.1f} s)")
    analyzed = ANALYZED if services.db.is_sqlite else ANALYZED + LOADED  # autovacuum would, after such a load
    with services.db.engine.begin() as conn:
        for name in analyzed:
            conn.exec_driver_sql(f"ANALYZE {name}")
    print(f"analyzed: {', '.join(analyzed)}")
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--open-tasks", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="use this PostgreSQL database (schema public is DROPPED; its name must end in 'test')")
    parser.add_argument("--sqlite-file", metavar="PATH", default=None, help="build the SQLite file here and keep it")
    parser.add_argument("--plans", action="store_true", help="print each view's query plans (SQLite)")
    args = parser.parse_args(argv)

    print("relayflow inbox benchmark")
    print(f"cpu affinity: {pin_to_one_core()}")
    print(f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
          f"sqlite {__import__('sqlite3').sqlite_version}, {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="relayflow-inbox-") as tmp:
        if args.postgres:
            reset_postgres(args.postgres)
            url = args.postgres
        else:
            path = Path(args.sqlite_file or Path(tmp) / "relayflow.sqlite3")
            if path.exists():
                raise SystemExit(f"{path} exists: give a new file")
            url = f"sqlite:///{path}"
        print(f"database: {url.split('@')[-1]}")
        app = build(args, url)
        services = app.extensions["relayflow"]
        now = services.clock.now()
        if args.plans and not args.postgres:
            plans(app, now)
        ok = run(app, args.rounds)
        services.db.dispose()
    print(f"target p95 <= {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0


def run(app: Any, rounds: int) -> bool:
    people = {name: Browser(app, name) for name in ("executor-01", "approver-1")}
    ok = True
    print(f"\nthe inbox page, GET /tasks (full HTML) and GET /api/tasks — {rounds} rounds each:")
    for what, username, args in VIEWS:
        person = people[username]
        listed = person.get(f"/api/tasks?{args}").json
        extra = f"{len(listed['rows'])} rows of {listed['total']:,}"
        ok &= report(f"{what}: page", measure(fetching(person, f"/tasks?{args}"), rounds), extra)
        ok &= report(f"{what}: JSON", measure(fetching(person, f"/api/tasks?{args}"), rounds))
    executor = people["executor-01"]
    free: list[str] = []
    page = 1
    while len(free) < 2 * (rounds + 3):
        free += [r["id"] for r in executor.get(f"/api/tasks?tab=groups&size=200&page={page}").json["rows"]]
        page += 1
    print(f"\nclaims on distinct unclaimed tasks — {rounds} rounds each:")

    def claim_json(n: int) -> None:
        response = executor.post(f"/api/tasks/{free[n]}/claim")
        assert response.status_code == 200, response.data

    def claim_form(n: int) -> None:
        response = executor.post(f"/tasks/{free[rounds + 3 + n]}/claim?tab=groups", form=True)
        assert response.status_code == 303, response.data[:300]

    ok &= report("POST /api/tasks/<id>/claim", measure(claim_json, rounds))
    ok &= report("POST /tasks/<id>/claim (form, 303)", measure(claim_form, rounds))
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
