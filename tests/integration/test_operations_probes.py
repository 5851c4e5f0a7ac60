"""The operator's probes (issue 14 item 4): /healthz, /readyz, /metrics — no session needed,
metrics restricted by address or token, readiness naming the check that failed."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from storage import leases
from tests.utility import Utility, backend_utility, seed_customer, utility

__all__ = ["backend_utility", "utility"]
BILLING = {"Authorization": "Bearer bill-token"}


def scraped(utility: Utility, **kwargs: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = utility.app.test_client().get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.json
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.get_data(as_text=True)) for sample in family.samples}


def test_healthz_is_alive_without_a_session_or_the_database(utility: Utility) -> None:
    utility.services.db.dispose()
    answer = utility.app.test_client().get("/healthz")
    assert (answer.status_code, answer.json) == (200, {"status": "ok"})


def test_readyz_says_which_check_fails_until_a_worker_is_heard_of(backend_utility: Utility) -> None:
    u = backend_utility
    client = u.app.test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json["status"] == "not ready"
    checks = answer.json["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and not checks["worker"]["ok"]
    with u.services.db.transaction() as session:
        now = u.services.clock.now()
        leases.beat(session.connection(), "host:1:abc", now, now, "tick")
    assert client.get("/readyz").status_code == 200
    u.clock.shift(timedelta(minutes=5))  # the worker went silent
    assert client.get("/readyz").json["checks"]["worker"] == {"ok": False, "heartbeat_age_seconds": 300.0,
                                                             "limit_seconds": 30.0}


def test_metrics_are_refused_to_other_addresses_unless_they_bring_the_token(utility: Utility) -> None:
    client = utility.app.test_client()
    far = {"REMOTE_ADDR": "10.1.2.3"}
    refused = client.get("/metrics", environ_base=far)
    assert refused.status_code == 403 and "METRICS_TOKEN" in refused.json["error"]
    utility.app.config["METRICS_TOKEN"] = "scrape-token"
    assert client.get("/metrics", environ_base=far, headers={"Authorization": "Bearer nope"}).status_code == 403
    assert client.get("/metrics", environ_base=far,
                      headers={"Authorization": "Bearer scrape-token"}).status_code == 200


def test_metrics_count_steps_callbacks_and_the_wait_from_payment_to_command(utility: Utility) -> None:
    """A payment reconnects a customer: its step, the callback item, the command handed to the
    head-end 2 s later (the payment → command histogram) and the outbox backlog all show."""
    before = scraped(utility)
    seed_customer(utility.services, "3400000021", owed_cents=8_850)
    paid = utility.app.test_client().post("/api/payments", headers=BILLING, json={
        "payment_id": "P-1", "customer_number": "3400000021", "amount": "88.50",
        "paid_at": "2026-03-02T08:55:00+08:00"})
    assert paid.status_code == 200 and paid.json["reconnection_instance"] is not None
    waiting = scraped(utility)
    assert waiting[("relayflow_outbox_backlog", (("adapter", "headend"),))] == 1
    utility.clock.shift(timedelta(seconds=2))
    utility.services.dispatcher.dispatch()
    after = scraped(utility)

    def grew(name: str, *labels: tuple[str, str]) -> float:
        key = (name, tuple(sorted(labels)))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("relayflow_callback_items_total", ("endpoint", "payments"), ("outcome", "taken")) == 1
    assert grew("relayflow_steps_total", ("kind", "system:payment"), ("outcome", "ok")) == 1
    assert grew("relayflow_payment_to_command_seconds_count") == 1
    assert grew("relayflow_payment_to_command_seconds_bucket", ("le", "1.0")) == 0
    assert grew("relayflow_payment_to_command_seconds_bucket", ("le", "2.0")) == 1
    assert after.get(("relayflow_outbox_backlog", (("adapter", "headend"),)), 0) == 0
    assert after[("relayflow_incidents_open", ())] == 0
