"""Issue 10 item 6: a payment retried after the web process died must not leave a paid-up customer
in the dark until the next patrol. The reconnection starts in the payment's own transaction, so
whatever happens after that commit, both are there or neither is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.bootstrap import Services
from app.runtime.steps.core import StepFailed
from storage.domain_models import Payment, Reconnection
from storage.models import Instance
from tests.utility import seed_customer
from tests.web.conftest import Site

NUMBER = "3400000021"
AUTH = {"Authorization": "Bearer bill-token"}


class ProcessDied(BaseException):
    """kill -9: nothing after this point runs (not an Exception: nobody may catch it and go on)."""


@contextmanager
def dying_after_the_payment_commits(services: Services) -> Iterator[None]:
    """The process dies right after the transaction that wrote the payment commits."""
    wrote_payment = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO PAYMENTS"):
            wrote_payment.append(True)

    def die(session: Session) -> None:
        if wrote_payment and not session.in_nested_transaction():  # the outermost commit, not a savepoint's
            raise ProcessDied

    event.listen(services.db.engine, "after_cursor_execute", note)
    event.listen(Session, "after_commit", die)
    try:
        yield
    finally:
        event.remove(Session, "after_commit", die)
        event.remove(services.db.engine, "after_cursor_execute", note)


def counts(services: Services) -> tuple[int, int, int]:
    with services.db.reading() as session:
        return tuple(session.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[return-value]
                     for table in (Payment, Reconnection, Instance))


def test_a_payment_whose_process_dies_after_commit_has_started_its_reconnection(site: Site) -> None:
    services = site.services
    seed_customer(services, NUMBER, owed_cents=8_850)  # disconnected, auto-reconnect
    body = {"payment_id": "B-1", "customer_number": NUMBER, "amount": "88.50",
            "paid_at": services.clock.now().isoformat()}
    client = site.app.test_client()
    with dying_after_the_payment_commits(services), pytest.raises(ProcessDied):
        client.post("/api/payments", json=body, headers=AUTH)
    assert counts(services) == (1, 1, 1), "the payment committed without its reconnection"
    with services.db.reading() as session:
        order = session.execute(select(Reconnection)).scalar_one()
    assert (order.status, order.trigger) == ("open", "payment")

    retry = client.post("/api/payments", json=body, headers=AUTH)  # billing retries with the same id
    assert (retry.status_code, retry.json) == (200, {"payment_id": "B-1", "duplicate": True})
    assert counts(services) == (1, 1, 1)


def test_a_reconnection_that_cannot_start_leaves_the_payment_standing(site: Site, monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """The reconnection runs in a savepoint of the payment's transaction: if its first step fails,
    the payment (billing's fact) still counts, the order row goes with the failed step, and the
    patrol tries again later."""
    services = site.services
    seed_customer(services, NUMBER, owed_cents=8_850)

    def failing_start(*args: Any, **kwargs: Any) -> int:
        raise StepFailed(0, "injected: the diagram could not start")

    monkeypatch.setattr(services.runtime, "start_within", failing_start)
    body = {"payment_id": "B-1", "customer_number": NUMBER, "amount": "88.50",
            "paid_at": services.clock.now().isoformat()}
    answer = site.app.test_client().post("/api/payments", json=body, headers=AUTH)
    assert (answer.status_code, answer.json["owed_cents"], answer.json["reconnection_instance"]) == (200, 0, None)
    assert counts(services) == (1, 0, 0)
    assert "the reconnection could not start" in caplog.text
