"""Issue 10 item 19: the two machine APIs fuzzed. 10,006 generated and mutated bodies gave 1,168
answers of 500 (lone surrogates failing while the refusal was hashed, 1e309, year 1 at +14:00,
deeply nested JSON; on PostgreSQL NUL and NaN/Infinity). Here bodies are built from the OpenAPI
description's own items and mutated one field at a time, on both backends, and every answer must
be: no 5xx; a refusal naming the field it was about; each refusal in the history; and a body
refused whole changing nothing. A fault inside a handler must still be a 500, logged."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.bootstrap import Services
from app.usecases.inbound import HEADEND_RESULTS, PAYMENTS
from app.web import machine_api
from storage.domain_models import Customer, MeterCommand
from storage.models import HistoryEvent
from storage.schema import metadata
from tests.utility import NOW, seed_customer
from tests.web.conftest import Site

TOKENS = {"/api/payments": "bill-token", "/api/headend/results": "hes-token"}
REFUSALS = ("payment.rejected", "payment.conflict", "headend.result_rejected")
STATE = ("customers", "payments", "meter_commands", "reconnections", "instances", "instance_attributes",
         "inbound_messages", "waiting_messages", "incidents", "outbox", "user_tasks", "child_batches",
         "work_order_counters")
NUMBER, COMMAND = "3400000021", "HES-1-abc"
# per API and backend, derandomized: a few seconds each; RELAYFLOW_FUZZ_EXAMPLES=3000 for a deeper local run
EXAMPLES = int(os.environ.get("RELAYFLOW_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

TRICKY = ["1e309", "-1e309", "1e30", "1_000", "１２３", "١٢٣", "0x10", "Infinity", "NaN", "-0", "0.001", "+5",
          "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2099-01-01T00:00:00+08:00",
          "1970-01-01T00:00:00Z", "２０２６-03-02T09:00:00+08:00", "2026-03-02T09:00:00+24:00",
          "2026-02-30T09:00:00Z", "\x00", "\ud800", "a\udfffb", " ", "", "\u202e", "\n", "executed", "open"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**20, max_value=10**60), st.floats(),
    st.text(max_size=12), st.sampled_from(TRICKY),
    st.lists(st.sampled_from(["\x00", "\ud800", "\udc00", "1", "１", "٣", "_", ".", "e", "+", "-", " "]),
             max_size=8).map("".join))
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=4), inner, max_size=3), max_leaves=6)
RAW = [b"", b"null", b"7", b'"x"', b"{", b"\xff\xfe{}", b'{"payment_id": "\x00"}', b"[NaN]", b"Infinity",
       b"[" * 100_000 + b"]" * 100_000, b'{"amount": ' + b"[" * 20 + b"1" + b"]" * 20 + b"}",
       b"[" + b"{}," * 501 + b"{}]"]


@dataclass(frozen=True)
class Change:
    """What was done to an item: ``keep`` it, ``replace`` or ``drop`` a field, add an ``extra`` one,
    or send ``whole`` junk instead of an object."""

    kind: str
    field: str = ""

    def named_by(self, error: str, status: int) -> bool:
        if self.kind == "whole":
            return "JSON object" in error
        if self.kind == "extra":
            return repr(self.field) in error
        return self.kind != "keep" and self.field in error


@st.composite
def an_item(draw: st.DrawFn, schema: dict[str, Any], base: dict[str, Any], whole: bool) -> tuple[Any, Change]:
    item = dict(base)
    kinds = ["keep", "replace", "replace", "replace", "drop", "extra"] + (["whole"] if whole else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "whole":
        return draw(JUNK.filter(lambda value: not isinstance(value, dict))), Change(kind)
    if kind == "extra":
        field = draw(st.text(max_size=6).filter(lambda key: key not in schema["properties"]))
        item[field] = draw(JUNK)
        return item, Change(kind, field)
    field = draw(st.sampled_from(sorted(schema["properties"])))
    if kind == "replace":
        item[field] = draw(JUNK)
    elif kind == "drop":
        item.pop(field, None)
    return item, Change(kind, field)


def item_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    """The schema of one item: the first alternative of the body (one item or a batch)."""
    def resolved(schema: dict[str, Any]) -> dict[str, Any]:
        return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    body = resolved(document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"])
    return dict(resolved(body["anyOf"][0]))


def fill(schema: dict[str, Any], serial: int) -> dict[str, Any]:
    """The document's example with a fresh id, our customer or command, and a time of a minute ago."""
    item = dict(schema["examples"][0])
    recent = (NOW - timedelta(minutes=1)).isoformat()
    if "payment_id" in item:
        item.update(payment_id=f"F-{serial}", customer_number=NUMBER, paid_at=recent, amount="1.00")
    else:
        item.update(result_id=f"R-{serial}", command_id=COMMAND, at=recent)
    return item


def state_digest(services: Services) -> str:
    digest = hashlib.sha256()
    with services.db.reading() as session:
        for name in STATE:
            table = metadata.tables[name]
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(repr([tuple(row) for row in rows]).encode("utf-8", "backslashreplace"))
    return digest.hexdigest()


def refusals(services: Services) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count(HistoryEvent.id))
                                   .where(HistoryEvent.type.in_(REFUSALS))).scalar_one())


class Fuzzer:
    """Sends one body and checks the answer against what was done to it."""

    def __init__(self, site: Site, path: str) -> None:
        self.site, self.path, self.services = site, path, site.services
        self.client = site.app.test_client()
        self.schema = item_schema(self.client.get("/api/openapi.json").json, path)
        self.serial = itertools.count()

    def post(self, raw: bytes) -> Any:
        return self.client.post(self.path, data=raw, content_type="application/json",
                                headers={"Authorization": f"Bearer {TOKENS[self.path]}"})

    def check(self, raw: bytes, changes: list[Change] | None, batch: bool) -> None:
        """``changes``: what was done to each item (None: a raw body)."""
        state, refused_before = state_digest(self.services), refusals(self.services)
        answer = self.post(raw)
        shown = f"{raw[:300]!r} → {answer.status_code} {answer.get_data()[:400]!r}"
        assert answer.status_code < 500, shown
        if answer.status_code != 200:  # refused whole: nothing changed, the refusal is recorded
            assert 400 <= answer.status_code < 500 and answer.json["error"], shown
            assert state_digest(self.services) == state, f"a refused body changed the state: {shown}"
            assert refusals(self.services) == refused_before + 1, f"refusal not in the history: {shown}"
            if changes is not None and not batch:
                assert changes[0].named_by(answer.json["error"], answer.status_code), f"field not named: {shown}"
            return
        outcomes = answer.json if isinstance(answer.json, list) else [{"ok": True, **answer.json}]
        failed = [(i, outcome) for i, outcome in enumerate(outcomes) if not outcome["ok"]]
        for i, outcome in failed:
            assert 400 <= outcome["status"] < 500, f"item {i}: {shown}"
            if changes is not None:
                assert changes[i].named_by(outcome["error"], outcome["status"]), f"item {i} not named: {shown}"
        assert refusals(self.services) == refused_before + len(failed), f"refusals not in the history: {shown}"
        if outcomes and len(failed) == len(outcomes):
            assert state_digest(self.services) == state, f"refused items changed the state: {shown}"

    def bodies(self) -> st.SearchStrategy[tuple[bytes, list[Change] | None, bool]]:
        """One mutated item, a batch of 1–3 (whole junk among them), or a raw body."""
        @st.composite
        def items(draw: st.DrawFn, count: int) -> tuple[bytes, list[Change], bool]:
            drawn = [draw(an_item(self.schema, fill(self.schema, next(self.serial)), count > 0))
                     for _ in range(max(count, 1))]
            body = [item for item, _ in drawn] if count > 0 else drawn[0][0]
            return encoded(body), [change for _, change in drawn], count > 0

        raw = st.one_of(st.sampled_from(RAW), st.binary(max_size=40)).map(lambda body: (body, None, False))
        return st.one_of(items(0), items(0), st.integers(1, 3).flatmap(items), raw)


def encoded(body: Any) -> bytes:
    """As a careless client would send it: NaN and Infinity as bare tokens, surrogates escaped."""
    return json.dumps(body, allow_nan=True).encode()


@pytest.fixture
def fuzzed_site(site: Site) -> Site:
    seed_customer(site.services, NUMBER, owed_cents=10**15, power_status="connected")  # never paid up
    with site.services.db.transaction() as session:
        customer = session.execute(select(Customer).where(Customer.number == NUMBER)).scalar_one()
        session.add(MeterCommand(command_id=COMMAND, customer_id=customer.id, meter_address=customer.meter_address,
                                 action="trip", status="queued", created_at=NOW, deadline=NOW + timedelta(days=1)))
    return site


@pytest.mark.parametrize("path", sorted(TOKENS))
def test_fuzzed_bodies_get_no_5xx_and_each_refusal_names_its_field_and_is_recorded(fuzzed_site: Site,
                                                                                  path: str) -> None:
    fuzzer = Fuzzer(fuzzed_site, path)

    @FUZZ
    @given(fuzzer.bodies())
    def run(case: tuple[bytes, list[Change] | None, bool]) -> None:
        fuzzer.check(*case)

    run()


@pytest.mark.parametrize("path", sorted(TOKENS))
def test_every_raw_body_we_know_was_a_500_is_refused_whole(fuzzed_site: Site, path: str) -> None:
    """The fuzzer draws from RAW too; here each of them once, so none is left to chance."""
    fuzzer = Fuzzer(fuzzed_site, path)
    for raw in RAW:
        fuzzer.check(raw, None, False)


@pytest.mark.parametrize("path", sorted(TOKENS))
def test_a_fault_in_a_handler_is_still_a_500_that_is_logged(fuzzed_site: Site, path: str,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """The refusals above are specific: a bug in a handler is not turned into a 400."""
    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(machine_api, "PAYMENTS", replace(PAYMENTS, take_within=broken))
    monkeypatch.setattr(machine_api, "HEADEND_RESULTS", replace(HEADEND_RESULTS, take_within=broken))
    fuzzer = Fuzzer(fuzzed_site, path)
    item = fill(fuzzer.schema, 1)
    single = fuzzer.post(encoded(item))
    assert (single.status_code, single.json) == (500, {"error": "internal error; it has been logged"})
    batch = fuzzer.post(encoded([item]))
    assert batch.status_code == 200 and [(o["ok"], o["status"]) for o in batch.json] == [(False, 500)]
    logged = [record for record in caplog.records if record.exc_info and "injected fault" in str(record.exc_info[1])]
    assert len(logged) == 2
