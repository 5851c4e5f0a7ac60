"""The inbox benchmark's data: instances, open user tasks, their customers, instance attributes and
history, bulk-loaded with Core executemany — shaped like what the runtime writes.

Two instances are run through the real runtime first (a disconnection batch at its approval, a
manual reconnection at its on-site task); every bulk instance of a kind copies that kind's state,
user-task names and lanes, and gets the attributes the handlers set (customer, segment, order
numbers) and a hash-chained history of two events, as the runtime would have left them.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, insert, select

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.engine.projection import parse_due_in
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.usecases.reconnections import reconnect_if_due
from storage.domain_models import Customer, Segment
from storage.models import (
    ChildBatch,
    HistoryEvent,
    Instance,
    InstanceAttribute,
    ProcessVersion,
    UserTask,
    UserTaskCustomer,
)

CHUNK = 10_000
SEGMENTS = 50
BATCH_SIZE = 20  # customers per disconnection batch (one child instance each)
APPLICANT = Actor("reader-s01", frozenset({"applicant"}))
EXECUTORS = [f"executor-{n:02d}" for n in range(1, 21)]  # executor-01 is the benchmark's "erin"
APPROVERS = [f"approver-{n}" for n in range(1, 6)]
# (element id, BPMN name, lane, due_in, process, share of the open tasks)
TASK_KINDS = [
    ("on_site", "Reconnect on site", "executor", "PT4H", "reconnect", 0.80),
    ("enter_disconnection", "Enter disconnection info (M4.3.6)", "executor", "P1D", "disconnect_customer", 0.16),
    ("approve", "Approve: opinion (M4.2)", "approver", "P1D", "disconnect", 0.016),
    ("issue", "Issue the disconnect commands (M4.3.2-3)", "executor", "P7D", "disconnect", 0.012),
    ("apply", "Apply: customers and reason (M4.1)", "applicant", "P1D", "disconnect", 0.006),
    ("send_to_archive", "Send on to archive (M4.3.7)", "executor", "P1D", "disconnect", 0.004),
    ("confirm_empty", "No data: archive the flow? (M4.3.4)", "executor", "PT4H", "disconnect", 0.002),
]


def table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def number(customer_id: int) -> str:
    return f"34{customer_id:08d}"


def segment_of(customer_id: int) -> str:
    return f"S{customer_id % SEGMENTS + 1:02d}"


@dataclass
class Templates:
    """What the real runtime wrote for one instance of each kind."""

    state: dict[str, str]  # process id → serialized state
    version: dict[str, int]  # process id → process version id


def load_customers(engine: Engine, count: int, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table(Segment)), [
            {"code": f"S{n:02d}", "name": f"Segment S{n:02d}", "reader_username": f"reader-s{n:02d}",
             "reader_mobile": "13900000001"} for n in range(1, SEGMENTS + 1)])
    # a transaction per chunk: PostgreSQL's segment tally rows, updated by a trigger for every row
    # inserted, keep one dead version per update until the transaction ends
    for first in range(1, count + 1, CHUNK):
        with engine.begin() as conn:
            conn.execute(insert(table(Customer)), [{
                "id": cid, "number": number(cid), "name": f"Customer {cid}", "mobile": f"138{cid:08d}",
                "address": f"{cid} Huaihe Road", "customer_class": "household", "voltage_class": "low",
                "segment_code": segment_of(cid), "meter_address": f"{cid:012d}", "meter_protocol": "dlt645",
                "relay_type": "internal", "can_direct_close": True, "ami_connected": True, "channel_online": True,
                "channel_seen_at": now, "power_status": "connected" if cid % 2 else "disconnected",
                "power_status_since": now - timedelta(days=30), "auto_reconnect": False,
                "owed_cents": 32_000 if cid % 2 else 0,
                "overdue_since": (now - timedelta(days=90)).date() if cid % 2 else None,
            } for cid in range(first, min(first + CHUNK, count + 1))])


def run_templates(services: Services, planned: str) -> Templates:
    """A batch of BATCH_SIZE owing customers at its approval, and a manual reconnection at on_site."""
    runtime = services.runtime
    batch = runtime.start("disconnect", {}, APPLICANT)
    customers = [number(cid) for cid in range(1, 2 * BATCH_SIZE, 2)]  # odd ids owe (load_customers)
    with services.db.reading() as session:
        apply_id = session.execute(select(UserTask.id).where(UserTask.instance_id == batch)).scalar_one()
    runtime.complete_task(apply_id, {"customers": customers, "reason": "arrears", "planned_date": planned},
                          APPLICANT)
    reconnect = reconnect_if_due(runtime, number(2), "patrol")
    assert reconnect is not None, "customer 2 is disconnected and owes nothing: a manual reconnection"
    with services.db.reading() as session:
        rows = session.execute(select(Instance.id, Instance.process_id, Instance.state, Instance.process_version_id)
                               .where(Instance.id.in_([batch, reconnect]))).all()
        versions = dict(session.execute(select(ProcessVersion.process_id, ProcessVersion.id)).all())
    state = {row.process_id: row.state or "" for row in rows}
    # a one-customer flow of the same size; with the version its state was saved by, so that what reads
    # the state (a success message's "what happens next") decodes it as the real one would
    state["disconnect_customer"] = state["reconnect"]
    versions["disconnect_customer"] = versions["reconnect"]
    return Templates(state, versions)


def load_instances(engine: Engine, templates: Templates, instances: int, open_tasks: int, now: datetime,
                   first_id: int, seed: int = 7) -> dict[str, int]:
    """``instances`` instances (1/100 batches with BATCH_SIZE children each, the rest reconnections),
    ``open_tasks`` of them with one open user task; returns row counts per table."""
    rng = random.Random(seed)
    batches = instances // 100
    children = batches * BATCH_SIZE
    plan = _task_plan(open_tasks, batches, children, instances - batches - children)
    counts = {"instances": 0, "user_tasks": 0, "user_task_customers": 0, "instance_attributes": 0,
              "history_events": 0, "child_batches": 0}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in counts}
    next_customer = 2 * BATCH_SIZE + 1
    iid = first_id
    for b in range(batches):
        batch_customers = [number(next_customer + k) for k in range(BATCH_SIZE)]
        kind = plan["batch"].get(b)
        waiting = any(b * BATCH_SIZE + k in plan["child"] for k in range(BATCH_SIZE))  # on its children
        _instance(rows, templates, iid, "disconnect", None, None, kind, now, rng, batch_customers, {}, waiting)
        batch_iid = iid
        rows["child_batches"].append({"id": b + 1, "parent_id": batch_iid, "done_message": "relayflow.children_done",
                                      "size": BATCH_SIZE, "open_count": 0, "created_at": now})
        iid += 1
        for k, customer in enumerate(batch_customers):
            kind = plan["child"].get(b * BATCH_SIZE + k)
            attributes = {"customer": customer, "segment": segment_of(next_customer + k)}
            _instance(rows, templates, iid, "disconnect_customer", batch_iid, b + 1, kind, now, rng, [customer],
                      attributes)
            iid += 1
        next_customer += BATCH_SIZE
    for r in range(instances - batches - children):
        kind = plan["reconnect"].get(r)
        cid = next_customer + r
        order = ("manual_order", f"14{r + 1:010d}") if kind or r % 4 == 0 else ("work_order", f"10{r + 1:06d}")
        _instance(rows, templates, iid, "reconnect", None, None, kind, now, rng, [number(cid)],
                  {"customer": number(cid), "segment": segment_of(cid), order[0]: order[1]})
        iid += 1
    with engine.begin() as conn:
        for name, model in (("child_batches", ChildBatch), ("instances", Instance), ("user_tasks", UserTask),
                            ("user_task_customers", UserTaskCustomer), ("instance_attributes", InstanceAttribute),
                            ("history_events", HistoryEvent)):
            values = rows[name]
            for first in range(0, len(values), CHUNK):
                conn.execute(insert(table(model)), values[first:first + CHUNK])
            counts[name] = len(values)
    return counts


def _task_plan(open_tasks: int, batches: int, children: int, reconnects: int) -> dict[str, dict[int, str]]:
    """Which instance of each family has which open task."""
    plan: dict[str, dict[int, str]] = {"batch": {}, "child": {}, "reconnect": {}}
    batch_slot = 0
    for element_id, _name, _lane, _due, process, share in TASK_KINDS:
        wanted = round(open_tasks * share)
        if process == "reconnect":
            plan["reconnect"].update({i * (reconnects // wanted): element_id for i in range(wanted)})
        elif process == "disconnect_customer":
            plan["child"].update({i * (children // wanted): element_id for i in range(wanted)})
        else:
            plan["batch"].update({batch_slot + i: element_id for i in range(wanted)})
            batch_slot += wanted
    if batch_slot > batches:
        raise SystemExit(f"{batch_slot} batch tasks need more batches than {batches}: raise --instances")
    return plan


def _instance(rows: dict[str, list[dict[str, Any]]], templates: Templates, iid: int, process: str,
              parent: int | None, batch: int | None, task_kind: str | None, now: datetime, rng: random.Random,
              customers: list[str], attributes: dict[str, str], running: bool = False) -> None:
    created = now - timedelta(hours=min(rng.expovariate(1 / 8), 24 * 7))
    task_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    status = "running" if task_kind or running else "completed"
    rows["instances"].append({
        "id": iid, "process_version_id": templates.version[process], "process_id": process, "status": status,
        "state": templates.state[process],
        "start_data": {} if process == "disconnect" else {"customer_number": customers[0]},
        "parent_id": parent, "batch_id": batch, "result": None, "next_wake_at": None, "started_by": "system:patrol",
        "created_at": created, "updated_at": created, "ended_at": None if status == "running" else created,
        "status_reason": None, "revision": 3, "awaiting": [], "open_tasks": [task_id] if task_kind else [],
        **_history(rows, iid, process, created, status),
    })
    rows["instance_attributes"].extend({"instance_id": iid, "name": k, "value": v} for k, v in attributes.items())
    if task_kind is None:
        return
    _kind = next(k for k in TASK_KINDS if k[0] == task_kind)
    task_created = min(created + timedelta(minutes=rng.uniform(0, 30)), now)
    claimed = None
    if _kind[2] == "executor" and rng.random() < 0.3:
        claimed = rng.choice(EXECUTORS)
    elif _kind[2] == "approver" and rng.random() < 0.25:
        claimed = rng.choice(APPROVERS)
    rows["user_tasks"].append({"id": task_id, "instance_id": iid, "process_id": process, "element_id": task_kind,
                               "name": _kind[1],
                               "lane": _kind[2], "claimed_by": claimed, "created_at": task_created,
                               "due_at": task_created + parse_due_in(_kind[3])})
    if task_kind != "apply":
        rows["user_task_customers"].extend({"task_id": task_id, "customer_number": c} for c in customers)


def _history(rows: dict[str, list[dict[str, Any]]], iid: int, process: str, at: datetime,
             status: str) -> dict[str, Any]:
    events = [NewEvent("instance.started", None, {"process_id": process}),
              NewEvent("instance.completed" if status == "completed" else "task.ready", None, {})]
    chained = history.chain(events, stream=history.instance_stream(iid), head=(0, history.GENESIS_HASH),
                            actor="system:patrol", at=at, instance_id=iid, deployment_id=1)
    rows["history_events"].extend(chained)
    return {"history_seq": chained[-1]["seq"], "history_hash": chained[-1]["hash"]}


def timed(action: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action(*args, **kwargs)
    return result, time.perf_counter() - started
