"""Service SMS over SMPP 3.4, end to end (issue 15 item 3): the real reconnection process queues the
customer's notice, the outbox sends it through the SMPP adapter over a socket to a real SMSC
(``tests.smsc_peer``: PyPI smpp34's server, behind a relay that can cut the link), the SMSC's
delivery receipts come back on the link and are matched to the message — on SQLite and PostgreSQL,
and on the customer's page in Chinese."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from app import create_app
from app.bootstrap import Services
from app.rules.sms import segments
from app.usecases.reconnections import run_patrol
from handlers.smpp import SmppSmsAdapter
from storage.models import HistoryEvent, OutboxMessage
from storage.sms_parts import SmsPart
from tests.conftest import outside_the_database
from tests.integration.worker_processes import wait_for
from tests.smsc_peer import Answer, Smsc
from tests.utility import BPMN_DIR, DEPLOYER, NOW, Utility, seed_customer, seed_segment
from tests.web.conftest import Site

PASSWORD = "s3cr3t!"  # the test SMSC's
NUMBER = "3400000001"
LONG_NAME = "淮南市田家庵区洞山街道第三社区居民委员会供电服务联系人张建国先生及其家庭成员户主代表人"


@pytest.fixture
def smsc() -> Iterator[Smsc]:
    peer = Smsc().start()
    yield peer
    peer.stop()


@pytest.fixture
def site(database_url: str, tmp_path: Path, smsc: Smsc) -> Iterator[Site]:
    """The real processes, SMS going to the test SMSC (never the log), time frozen at NOW."""
    with time_machine.travel(NOW, tick=False) as traveller:
        app = create_app({
            "TESTING": True, "DATABASE_URL": database_url, "BPMN_DIR": str(BPMN_DIR), "SECRET_KEY": "test",
            "SMS_LOG_PATH": str(tmp_path / "sms.jsonl"), "HEADEND_TOKEN": "hes", "BILLING_TOKEN": "bill",
            "SMPP_HOST": "127.0.0.1", "SMPP_PORT": smsc.port, "SMPP_SYSTEM_ID": "relayflow",
            "SMPP_PASSWORD": PASSWORD, "SMPP_SOURCE_ADDR": "95598", "SMPP_RESPONSE_SECONDS": 2,
            "SMPP_RECONNECT_SECONDS": 0.05, "SMPP_PER_SECOND": 500, **outside_the_database(tmp_path),
        })
        services: Services = app.extensions["relayflow"]
        services.deploy_directory(BPMN_DIR, DEPLOYER)
        seed_segment(services)
        adapter(services).start()  # as the worker does: bound and listening before anything is sent
        yield Site(Utility(app, services, traveller, tmp_path / "sms.jsonl"))
        adapter(services).stop()
        services.db.dispose()


def adapter(services: Services) -> SmppSmsAdapter:
    sms = services.dispatcher.adapters["sms"]
    assert isinstance(sms, SmppSmsAdapter)
    return sms


def reconnect(site: Site, name: str = "张建国") -> OutboxMessage:
    """The customer is reconnected remotely; returns the notice SMS once the outbox has sent it."""
    seed_customer(site.services, NUMBER, name=name)
    run_patrol(site.services.runtime)
    site.utility.advance(timedelta(minutes=3))  # the simulated head-end closes the relay; the SMS goes out
    [row] = rows(site.services, OutboxMessage, OutboxMessage.adapter == "sms")
    return row


def rows(services: Services, model: Any, *where: Any) -> list[Any]:
    with services.db.reading() as session:
        return list(session.execute(select(model).where(*where).order_by(model.id)).scalars())


def parts_of(site: Site, row: OutboxMessage) -> list[SmsPart]:
    return rows(site.services, SmsPart, SmsPart.outbox_id == row.id)


def settled(site: Site, row: OutboxMessage, status: str) -> list[SmsPart]:
    return wait_for(lambda: (found := parts_of(site, row)) and all(p.status == status for p in found) and found,
                    f"every part {status}", 15)


def customer_page(site: Site) -> str:
    return site.person("ann", "approver").get(f"/customers/{NUMBER}?lang=zh").data.decode()


def test_a_long_chinese_notice_goes_as_ucs2_parts_and_its_receipts_mark_it_delivered(site: Site, smsc: Smsc) -> None:
    row = reconnect(site, LONG_NAME)
    text = row.payload["text"]
    assert text.startswith("【国网供电】") and LONG_NAME in text and len(text) > 70
    assert len(smsc.submits) == segments(text) >= 2  # the signature counts: 67 UCS-2 characters a part

    total = len(smsc.submits)
    for number, submit in enumerate(smsc.submits, start=1):
        assert (submit.data_coding, submit.esm_class, submit.registered_delivery) == (8, 0x40, 1)
        assert (submit.destination, submit.source) == ("13800138000", "95598")
        assert submit.short_message[:3] == b"\x05\x00\x03" and submit.short_message[4:6] == bytes([total, number])
        assert len(submit.short_message) <= 140
    assert len({submit.short_message[3] for submit in smsc.submits}) == 1  # one concatenation reference
    assert b"".join(s.short_message[6:] for s in smsc.submits).decode("utf-16-be") == text

    parts = settled(site, row, "delivered")
    assert [(p.part, p.parts, p.message_id) for p in parts] == [
        (n, total, submit.message_id) for n, submit in enumerate(smsc.submits, start=1)]
    assert all(p.receipt_stat == "DELIVRD" and p.receipt_at is not None for p in parts)
    receipts = rows(site.services, HistoryEvent, HistoryEvent.type == "sms.receipt")
    assert sorted(e.data["message_id"] for e in receipts) == [s.message_id for s in smsc.submits]
    # each applied to its part, or kept for it if it overtook the dispatcher's commit (the next test forces that)
    assert {(e.data["new"], e.data["taken"] in ("applied", "early")) for e in receipts} == {("delivered", True)}
    assert smsc.deliveries == [0] * total  # every receipt acknowledged

    page = customer_page(site)
    assert "短信已提交短信中心" in page and f"共 {total} 条" in page and smsc.submits[0].message_id in page
    assert "短信已送达" in page and 'data-state="delivered"' in page


def test_a_receipt_that_overtakes_the_submits_outcome_is_matched_when_the_outcome_is_recorded(
        site: Site, smsc: Smsc) -> None:
    smsc.answer = lambda _submit: Answer(receipt_first=True)  # deliver_sm before the submit_sm_resp
    row = reconnect(site)
    [part] = settled(site, row, "delivered")
    [receipt] = rows(site.services, HistoryEvent, HistoryEvent.type == "sms.receipt")
    assert receipt.data["taken"] == "early" and receipt.data["outbox_id"] is None
    [sent] = [e for e in rows(site.services, HistoryEvent, HistoryEvent.type == "outbox.sent")
              if e.data["adapter"] == "sms"]
    assert sent.data["sms"]["parts"] == [{"part": 1, "parts": 1, "message_id": part.message_id,
                                          "status": "delivered", "receipt_first": True}]


def test_a_refused_submit_is_an_outcome_recorded_with_its_reason(site: Site, smsc: Smsc) -> None:
    smsc.answer = lambda _submit: Answer(status=0x0B)  # ESME_RINVDSTADR
    row = reconnect(site)
    [part] = parts_of(site, row)
    assert (part.status, part.message_id, part.command_status) == ("refused", None, 0x0B)
    assert "(0x0000000B)" in (part.error or "")
    [outbox] = rows(site.services, OutboxMessage, OutboxMessage.id == row.id)
    assert outbox.status == "sent" and outbox.response is not None and outbox.response["status"] == "refused"
    page = customer_page(site)
    assert "短信被短信中心拒收" in page and "错误码 0x0000000B" in page and 'data-state="refused"' in page


def test_an_undelivered_receipt_fails_the_sms(site: Site, smsc: Smsc) -> None:
    smsc.answer = lambda _submit: Answer(receipt="UNDELIV", err="001")
    row = reconnect(site)
    [part] = settled(site, row, "failed")
    assert (part.receipt_stat, part.receipt_err, part.error) == ("UNDELIV", "001", "UNDELIV (err 001)")
    page = customer_page(site)
    assert "短信未送达" in page and "错误码 UNDELIV err:001" in page and 'data-state="failed"' in page


def test_the_link_dropped_by_the_network_or_the_smsc_is_bound_again_and_nothing_is_lost(
        site: Site, smsc: Smsc) -> None:
    [job] = [job for job in site.services.jobs if job.name == "smpp-link"]  # the worker owns the link
    assert (job.prepare, job.stop) == (adapter(site.services).start, adapter(site.services).stop)
    link = adapter(site.services).link
    wait_for(lambda: smsc.binds == 1, "the first bind", 15)
    smsc.relay.refusing = True
    smsc.relay.cut()  # the network drops the link, and the SMSC stays unreachable for a while
    wait_for(lambda: not link.wait_bound(0), "the drop noticed", 15)
    row = reconnect(site)  # the notice cannot go: the outbox keeps it and tries again later
    [pending] = rows(site.services, OutboxMessage, OutboxMessage.id == row.id)
    assert pending.status == "pending" and "LinkDown" in (pending.last_error or "") and not smsc.submits

    smsc.relay.refusing = False
    wait_for(lambda: smsc.binds == 2 and link.wait_bound(0), "a bind again", 15)  # on its own
    site.utility.advance(timedelta(minutes=2))  # past the outbox's back-off
    settled(site, row, "delivered")

    smsc.unbind_everyone()  # now the SMSC ends the session itself
    wait_for(lambda: smsc.binds == 3 and link.wait_bound(0), "a bind after the unbind", 15)
    assert link.binds == 3


def test_the_password_is_never_logged(site: Site, smsc: Smsc, caplog: pytest.LogCaptureFixture) -> None:
    wait_for(lambda: smsc.binds == 1, "the first bind", 15)
    with caplog.at_level(logging.DEBUG):
        smsc.unbind_everyone()  # a bind after this, logged at debug level
        wait_for(lambda: smsc.binds == 2 and adapter(site.services).link.wait_bound(0), "a bind again", 15)
        reconnect(site)
    assert "bind_transceiver" in caplog.text  # the wire log was on
    assert PASSWORD not in caplog.text and PASSWORD.encode().hex() not in caplog.text
    assert PASSWORD not in repr(adapter(site.services).settings)


def test_check_adapters_binds_to_the_smsc_and_says_so(site: Site, smsc: Smsc) -> None:
    """Issue 15 item 4: a bind of its own, unbound at once; nothing submitted, no password shown."""
    wait_for(lambda: smsc.binds == 1, "the worker's own link to be bound")

    up = site.utility.app.test_cli_runner().invoke(args=["check-adapters"])
    assert up.exit_code == 0, up.output
    assert f"ok   sms: SMSC 127.0.0.1:{smsc.port} took a transceiver bind as 'relayflow'" in up.output
    wait_for(lambda: smsc.binds == 2, "the check's bind to be counted")
    assert smsc.submits == [] and PASSWORD not in up.output
    smsc.stop()
    down = site.utility.app.test_cli_runner().invoke(args=["check-adapters"])
    assert down.exit_code == 1 and "FAIL sms:" in down.output and PASSWORD not in down.output
