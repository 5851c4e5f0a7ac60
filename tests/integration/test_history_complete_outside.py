"""Issue 5, part 1 — complete history outside the instances: changes to the archive (M1.2 flags,
M2.1 subscriptions and mobiles, M3 readers' phones), users and roles, sign-ins, customer imports,
payments and head-end results (messages in: taken, repeated, refused), and orders the patrol
abandons. Each goes to a named stream with its actor, the (frozen) time and old → new; every
event about a customer names it under the key ``customer`` (segments ``segment``, accounts
``username``), so an auditor can gather everything about one subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import users
from app.archive import maintenance as archive
from app.archive.customer_import import import_customers
from app.audit.chains import audit, streams_to_verify
from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.errors import Conflict, NotFound, RuntimeActionError
from app.usecases.headend_results import take_headend_result
from app.usecases.payments import record_payment
from app.usecases.reconnections import close_abandoned_orders
from storage.domain_models import Customer, MeterCommand, Reconnection
from tests.conftest import EXECUTOR, START, SYSADMIN, deploy
from tests.integration.history_support import Seen, events, the_event
from tests.utility import READER_MOBILE, seed_customer, seed_segment

APPLICANT = Actor("amy", frozenset({"applicant"}))
NUMBER = "3400000001"


@pytest.fixture
def services(clock: time_machine.Coordinates, backend_services: Services) -> Services:
    seed_segment(backend_services, "S01")
    seed_customer(backend_services, NUMBER, auto_reconnect=False, power_status="connected", owed_cents=10_000,
                  overdue_since=date(2026, 1, 5))
    return backend_services


def acted(services: Services, action: Callable[[Session], object]) -> None:
    with services.db.transaction() as session:
        action(session)


# --- the archive (M1.2, M2.1, M3) ----------------------------------------------------------------

ARCHIVE_CHANGES: list[tuple[str, Callable[[Session, Services], object], str, dict[str, Any]]] = [
    ("flag", lambda s, sv: archive.set_auto_reconnect(s, sv.clock, APPLICANT, NUMBER, True, reason="asked"),
     "customer.flag_changed", {"customer": NUMBER, "old": False, "new": True, "reason": "asked"}),
    ("subscription", lambda s, sv: archive.set_subscription(s, sv.clock, APPLICANT, NUMBER, "arrears", True),
     "customer.subscription_changed", {"customer": NUMBER, "notice_type": "arrears", "old": False, "new": True}),
    ("mobile", lambda s, sv: archive.set_customer_mobile(s, sv.clock, APPLICANT, NUMBER, "139 0000 0002"),
     "customer.mobile_changed", {"customer": NUMBER, "old": "13800138000", "new": "13900000002"}),
    ("reader phone", lambda s, sv: archive.set_reader_phone(s, sv.clock, SYSADMIN, "S01", "13900000009"),
     "segment.reader_phone_changed", {"segment": "S01", "old": READER_MOBILE, "new": "13900000009"}),
    ("reader", lambda s, sv: archive.set_reader_phone(s, sv.clock, SYSADMIN, "S01", READER_MOBILE,
                                                      reader_username="reader-li"),
     "segment.reader_changed", {"segment": "S01", "old": "reader-rui", "new": "reader-li"}),
]


@pytest.mark.parametrize(("change", "kind", "data"), [(c[1], c[2], c[3]) for c in ARCHIVE_CHANGES],
                         ids=[c[0] for c in ARCHIVE_CHANGES])
def test_an_archive_change_is_recorded_old_to_new(services: Services, change: Callable[[Session, Services], object],
                                                  kind: str, data: dict[str, Any]) -> None:
    """Issue 5: changes of flags (M1.2), subscriptions and mobiles (M2.1), readers' phones (M3)."""
    acted(services, lambda session: change(session, services))
    actor = SYSADMIN.name if kind.startswith("segment.") else APPLICANT.name
    assert the_event(services, kind) == Seen("archive", kind, None, actor, START, None, data)


def test_a_flag_forced_against_the_screening_records_the_failing_criteria(services: Services) -> None:
    """M1.2: a forced flag names what the customer fails, beside old → new and the reason."""
    seed_customer(services, "3400000002", auto_reconnect=False, voltage_class="high")
    acted(services, lambda s: archive.set_auto_reconnect(s, services.clock, APPLICANT, "3400000002", True,
                                                         reason="on site check", force=True))
    event = the_event(services, "customer.flag_changed")
    assert (event.actor, event.at, event.data["customer"], event.data["old"], event.data["new"]) == (
        APPLICANT.name, START, "3400000002", False, True)
    assert event.data["forced"] is True and any("M1.1" in reason for reason in event.data["failing"])


def test_a_bulk_flag_change_records_one_event_per_customer_changed(services: Services) -> None:
    seed_customer(services, "3400000003", auto_reconnect=False)
    seed_customer(services, "3400000004", auto_reconnect=True)
    acted(services, lambda s: archive.set_auto_reconnect_bulk(s, services.clock, APPLICANT,
                                                              ["3400000003", "3400000004"], True, "screened"))
    assert [(e.data["customer"], e.data["old"], e.data["new"], e.actor, e.at)
            for e in events(services, "archive", "customer.flag_changed")] == [
        ("3400000003", False, True, APPLICANT.name, START)]


# --- users, roles and sign-ins ---------------------------------------------------------------------

USER_ACTIONS: list[tuple[str, Callable[[Session, Services], object], str, str, dict[str, Any]]] = [
    ("roles", lambda s, sv: users.set_roles(s, sv.clock, SYSADMIN, "bo", ["approver", "auditor"]),
     "user.roles_changed", SYSADMIN.name, {"username": "bo", "old": ["approver"], "new": ["approver", "auditor"]}),
    ("password", lambda s, sv: users.set_password(s, sv.clock, SYSADMIN, "bo", "another-secret"),
     "user.password_changed", SYSADMIN.name, {"username": "bo"}),
    ("sign in", lambda s, sv: users.authenticate(s, sv.clock, "bo", "secret-123"),
     "user.signed_in", "bo", {"username": "bo"}),
    ("refused", lambda s, sv: users.authenticate(s, sv.clock, "bo", "wrong-password"),
     "user.sign_in_refused", "bo", {"username": "bo"}),
    ("sign out", lambda s, sv: users.record_sign_out(s, sv.clock, "bo"), "user.signed_out", "bo", {"username": "bo"}),
]


@pytest.mark.parametrize(("action", "kind", "actor", "data"), [u[1:] for u in USER_ACTIONS],
                         ids=[u[0] for u in USER_ACTIONS])
def test_user_changes_and_sign_ins_are_recorded(services: Services, clock: time_machine.Coordinates,
                                                action: Callable[[Session, Services], object], kind: str, actor: str,
                                                data: dict[str, Any]) -> None:
    """Issue 5: changes to users and roles, and every sign-in (and refusal), with who and when."""
    acted(services, lambda s: users.create_user(s, services.clock, SYSADMIN, "bo", "Bo", ["approver"], "secret-123"))
    clock.shift(timedelta(minutes=1))
    acted(services, lambda session: action(session, services))
    assert the_event(services, kind) == Seen("users", kind, None, actor, START + timedelta(minutes=1), None, data)


def test_a_created_user_is_recorded_with_name_roles_and_whether_a_password_was_set(services: Services) -> None:
    acted(services, lambda s: users.create_user(s, services.clock, SYSADMIN, "bo", "Bo Li", ["approver"], None))
    assert the_event(services, "user.created") == Seen("users", "user.created", None, SYSADMIN.name, START, None, {
        "username": "bo", "display_name": "Bo Li", "roles": ["approver"], "password_set": False})


def test_setting_the_roles_a_user_holds_records_nothing(services: Services) -> None:
    """As in the archive: asking for the value already held changes nothing and records nothing."""
    acted(services, lambda s: users.create_user(s, services.clock, SYSADMIN, "bo", "Bo", ["approver"], None))
    acted(services, lambda s: users.set_roles(s, services.clock, SYSADMIN, "bo", ["approver"]))
    assert events(services, "users", "user.roles_changed") == []


# --- customer imports --------------------------------------------------------------------------

def test_an_import_is_recorded_with_its_source_and_count(services: Services) -> None:
    """Issue 5: customer imports — who imported which file when (M1: the archive's origin)."""
    row = {"number": "3400000009", "name": "王芳", "mobile": "", "address": "", "customer_class": "household",
           "voltage_class": "low", "segment_code": "S01", "meter_address": "000000000009", "meter_protocol": "dlt645",
           "relay_type": "internal", "can_direct_close": "true", "ami_connected": "yes", "channel_online": "1",
           "power_status": "connected", "owed": "0", "overdue_since": "", "protected_kind": "",
           "protected_reason": "", "auto_reconnect": "false", "subscriptions": ""}
    acted(services, lambda s: import_customers(s, services.clock, SYSADMIN, [row], source="march.csv"))
    assert the_event(services, "customers.imported") == Seen("archive", "customers.imported", None, SYSADMIN.name,
                                                             START, None, {"count": 1, "source": "march.csv"})


# --- payments (billing calls in) -----------------------------------------------------------------

def payment(**overrides: Any) -> dict[str, Any]:
    return {"payment_id": "P-1", "customer_number": NUMBER, "amount": "100.00",
            "paid_at": "2026-03-02T16:55:00+08:00"} | overrides


def test_a_payment_is_recorded_with_what_the_customer_owed_old_to_new(services: Services) -> None:
    """Issue 5: a message in from billing changes what a customer owes: old → new, cleared overdue date."""
    record_payment(services.runtime, payment())
    assert the_event(services, "payment.received") == Seen("payments", "payment.received", None, "system:billing",
                                                           START, None, {
        "customer": NUMBER, "payment_id": "P-1", "amount_cents": 10_000, "paid_at": "2026-03-02T16:55:00+08:00",
        "old": 10_000, "new": 0, "overdue_since": ["2026-01-05", None], "cancelled_commands": []})


def test_a_repeated_payment_is_recorded_as_a_duplicate(services: Services, clock: time_machine.Coordinates) -> None:
    record_payment(services.runtime, payment(amount="10.00"))
    clock.shift(timedelta(minutes=2))
    assert record_payment(services.runtime, payment(amount="10.00"))["duplicate"] is True
    event = the_event(services, "payment.duplicate")
    assert (event.stream, event.actor, event.at, event.data["customer"], event.data["payment_id"]) == (
        "payments", "system:billing", START + timedelta(minutes=2), NUMBER, "P-1")


def test_a_resend_that_differs_is_recorded_as_a_conflict_with_both_values(services: Services) -> None:
    """Issue 10 item 4: the same payment id with another amount is refused (409) and recorded, with
    what was first received and what was sent now."""
    record_payment(services.runtime, payment(amount="10.00"))
    with pytest.raises(Conflict, match=r"amount 10\.00 first, 12\.00 now"):
        record_payment(services.runtime, payment(amount="12.00"))
    assert the_event(services, "payment.conflict") == Seen("payments", "payment.conflict", None, "system:billing",
                                                           START, None, {
        "customer": NUMBER, "payment_id": "P-1", "differs": ["amount"], "first": {"amount": 1_000},
        "sent": {"amount": 1_200}})


@pytest.mark.parametrize(("body", "kept"), [
    (payment(payment_id="P\x00\ud800", amount=float("nan")), payment(payment_id="P\\u0000\\ud800", amount="nan")),
    (payment(amount=1e309), payment(amount="inf")),
    ({"payment_id": "P-1", "\ud800": "\x00"}, {"payment_id": "P-1", "\\ud800": "\\u0000"}),
], ids=["NUL and surrogate", "infinity", "in a key"])
def test_a_refused_payment_with_characters_no_database_holds_is_recorded_written_out(
        services: Services, body: dict[str, Any], kept: dict[str, Any]) -> None:
    """Issue 10 item 19: a lone surrogate or NUL failed while the refusal was hashed (500), and on
    PostgreSQL a NUL or NaN cannot be in a JSON column: the refusal is recorded with them written out."""
    with pytest.raises(RuntimeActionError) as refused:
        record_payment(services.runtime, body)
    event = the_event(services, "payment.rejected")
    assert (event.data["payload"], event.data["error"]) == (kept, str(refused.value))


@pytest.mark.parametrize(("body", "error", "customer"), [
    (payment(amount="-5"), RuntimeActionError, None),
    (payment(customer_number="999"), NotFound, "999"),
], ids=["unreadable", "unknown customer"])
def test_a_refused_payment_is_recorded_with_the_reason(services: Services, body: dict[str, Any],
                                                       error: type[Exception], customer: str | None) -> None:
    """Issue 5: messages in — rejected ones too, with what was sent and why it was refused."""
    with pytest.raises(error) as refused:
        record_payment(services.runtime, body)
    event = the_event(services, "payment.rejected")
    assert (event.stream, event.actor, event.at, event.data["payload"], event.data["error"]) == (
        "payments", "system:billing", START, body, str(refused.value))
    assert event.data.get("customer") == customer


# --- head-end results (the head-end calls in) -----------------------------------------------------

def seed_command(services: Services, status: str = "queued", action: str = "trip") -> None:
    with services.db.transaction() as session:
        customer = session.execute(select(Customer).where(Customer.number == NUMBER)).scalar_one()
        session.add(MeterCommand(command_id="HES-1-abc", customer_id=customer.id, meter_address=customer.meter_address,
                                 action=action, status=status, created_at=START,
                                 deadline=START + timedelta(minutes=30)))


def result(stage: str, result_id: str = "R1", **extra: Any) -> dict[str, Any]:
    return {"result_id": result_id, "command_id": "HES-1-abc", "stage": stage, "at": "2026-03-02T17:01:00+08:00",
            **extra}


@pytest.mark.parametrize(("status", "sent", "how", "new", "power"), [
    ("queued", [result("accepted")], "applied", "accepted", None),
    ("accepted", [result("executed", relay="open")], "applied", "executed", None),
    ("queued", [result("failed", error="no answer")], "applied", "failed", None),
    ("expired", [result("executed", relay="open")], "late", "expired", ["connected", "disconnected"]),
], ids=["accepted", "executed", "failed", "late trip"])
def test_a_head_end_result_is_recorded_with_the_command_old_to_new(
        services: Services, status: str, sent: list[dict[str, Any]], how: str, new: str,
        power: list[str] | None) -> None:
    """Issue 5: a message in from the head-end: the command's status old → new, and a customer's
    power status when a late result changes it (M4.3: "accepted is not done")."""
    seed_command(services, status)
    for item in sent:
        take_headend_result(services.runtime, item)
    event = the_event(services, "headend.result_received")
    assert (event.stream, event.actor, event.at) == ("headend", "system:headend", START)
    assert {k: event.data.get(k) for k in ("customer", "command_id", "result_id", "applied", "old", "new",
                                           "power_status")} == {
        "customer": NUMBER, "command_id": "HES-1-abc", "result_id": "R1", "applied": how, "old": status, "new": new,
        "power_status": power}


def test_a_process_with_a_writer_name_records_messages_in_its_own_streams(services: Services) -> None:
    """Issue 14: workers and web processes (``Services.write_as``) append what comes in to
    ``<stream>/<writer>``, so they never queue for one stream's head; the chains still verify."""
    seed_command(services, "queued")
    services.write_as("host:41:beef")
    take_headend_result(services.runtime, result("accepted"))
    take_headend_result(services.runtime, result("failed", result_id="R2", error="no answer"))
    record_payment(services.runtime, payment())
    with pytest.raises(RuntimeActionError):
        record_payment(services.runtime, {**payment(), "payment_id": "P-2", "customer_number": "nobody"})
    outside = [(e.stream, e.type) for e in events(services) if not e.stream.startswith(("instance/", "archive"))]
    assert outside == [
        ("headend/host:41:beef", "headend.result_received"), ("headend/host:41:beef", "headend.result_received"),
        ("messages/host:41:beef", "message.stored"),  # the failed command's result: no instance waits for it
        ("payments/host:41:beef", "payment.received"), ("payments/host:41:beef", "payment.rejected")]
    with services.db.reading() as session:
        report = audit(session, streams_to_verify(session))
    assert report.intact, report.broken


def test_a_repeated_head_end_result_is_recorded_as_a_duplicate(services: Services) -> None:
    seed_command(services, "accepted")
    take_headend_result(services.runtime, result("executed", relay="open"))
    take_headend_result(services.runtime, result("executed", relay="open"))
    second = events(services, "headend", "headend.result_received")[1]
    assert (second.data["applied"], second.data["old"], second.data["new"]) == ("duplicate", "executed", "executed")


@pytest.mark.parametrize("body", [result("exploded"), result("accepted") | {"command_id": "HES-404"}],
                         ids=["unreadable", "unknown command"])
def test_a_refused_head_end_result_is_recorded_with_the_reason(services: Services, body: dict[str, Any]) -> None:
    seed_command(services)
    with pytest.raises(RuntimeActionError) as refused:
        take_headend_result(services.runtime, body)
    event = the_event(services, "headend.result_rejected")
    assert (event.stream, event.actor, event.at, event.data) == (
        "headend", "system:headend", START, {"payload": body, "error": str(refused.value)})


# --- orders the patrol closes ------------------------------------------------------------------

def test_an_order_abandoned_by_the_patrol_is_recorded(services: Services) -> None:
    """M5.1: an open order whose instance ended is closed by the patrol — recorded, not silent."""
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    services.runtime.terminate(instance_id, "opened by mistake", SYSADMIN)
    with services.db.transaction() as session:
        customer_id = session.execute(select(Customer.id).where(Customer.number == NUMBER)).scalar_one()
        order = Reconnection(customer_id=customer_id, instance_id=instance_id, status="open", trigger="patrol",
                             opened_at=START)
        session.add(order)
        session.flush()
        order_id = order.id
    assert close_abandoned_orders(services.runtime) == 1
    assert the_event(services, "reconnection.abandoned") == Seen(
        "reconnections", "reconnection.abandoned", None, "system:patrol", START, None,
        {"customer": NUMBER, "reconnection_id": order_id, "instance_id": instance_id, "old": "open",
         "new": "abandoned", "reason": "instance ended"})


# --- the history is append-only in the code too -------------------------------------------------

CHANGES_HISTORY = re.compile(r"(update|delete)\(\s*HistoryEvent\b|(UPDATE|DELETE\s+FROM)\s+history_events", re.I)


def test_no_code_updates_or_deletes_history_events() -> None:
    """Issue 5: the application never updates or deletes history rows (the PostgreSQL trigger of
    migration 0006 refuses it too; SQLite has only this check)."""
    root = Path(__file__).resolve().parents[2]
    offenders = [f"{path.relative_to(root)}:{number}"
                 for folder in ("app", "handlers", "storage") for path in sorted((root / folder).rglob("*.py"))
                 if "migrations" not in path.parts
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if CHANGES_HISTORY.search(line)]
    assert offenders == []


def test_the_pattern_would_see_an_update() -> None:
    """The check above can fail: it recognises the statements it looks for."""
    assert CHANGES_HISTORY.search("session.execute(update(HistoryEvent).values(data={}))")
    assert CHANGES_HISTORY.search('conn.execute(text("DELETE FROM history_events"))')

