"""Customer search and the customer page as an operator uses them: filters, sorting, paging;
status, arrears, flag, subscriptions, what is open and what happened; and the changes made from
the page (one customer's flag, mobile) with their roles and history."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.runtime.actors import Actor
from app.usecases.reconnections import run_patrol
from storage.models import UserTask
from tests.utility import seed_customer
from tests.web.conftest import Site
from tests.web.customers_support import archive_events, flags, rows, seed_archive, snapshot

APPLICANT = Actor("reader-rui", frozenset({"applicant"}))  # the reader of segment S01
APPROVER = Actor("bo", frozenset({"approver"}))
EXECUTOR = Actor("erin", frozenset({"executor"}))


def test_search_filters_by_every_criterion_and_sorts(site: Site) -> None:
    seed_archive(site)
    auditor = site.person("aud", "auditor")  # any signed-in operator may look

    def found(query: str) -> list[str]:
        response = auditor.get(f"/api/customers?{query}")
        assert response.status_code == 200, response.json
        return [row["number"] for row in response.json["customers"]]

    assert found("") == ["3400000001", "3400000002", "3400000003", "3400000004", "3400000005"]
    assert found("segment=S02") == ["3400000004", "3400000005"]
    assert found("arrears=yes") == ["3400000002", "3400000004"]
    assert found("arrears=no&flag=yes") == ["3400000001", "3400000003"]
    assert found("power=connected") == ["3400000002"]
    assert found("name=机械") == ["3400000004"]
    assert found("number=340000000") == found("")  # a prefix of the number
    assert found("meter=000000000005") == ["3400000005"]
    assert found("name=%25") == []  # "%" is a character to look for, not a wildcard
    assert found("sort=owed&dir=desc") == ["3400000004", "3400000002", "3400000005", "3400000003", "3400000001"]
    page = auditor.get("/api/customers?sort=owed&dir=desc").json["customers"][0]
    assert (page["owed_cents"], page["auto_reconnect"], page["subscriptions"]) == (
        50_000, False, {"disconnection": True, "reconnection": True, "arrears": False})


def test_search_page_renders_the_filtered_rows_and_pages(site: Site) -> None:
    seed_archive(site)
    ann = site.person("ann", "approver")
    page = ann.get("/customers?segment=S02&lang=en")
    assert page.status_code == 200
    assert rows(page.data) == ["3400000004", "3400000005"]
    assert b"2 customers found" in page.data and b"500.00" in page.data  # arrears in yuan
    first, second = ann.get("/customers?size=2&sort=number"), ann.get("/customers?size=2&sort=number&page=2")
    assert rows(first.data) == ["3400000001", "3400000002"] and rows(second.data) == ["3400000003", "3400000004"]
    assert b'rel="next"' in first.data and b"Page 2" in second.data and b"5 in all" in second.data
    assert b'href="/customers?size=2&amp;sort=number&amp;page=3"' in second.data
    chinese = ann.get("/customers?segment=S02&lang=zh").data.decode()
    assert "共找到 2 户" in chinese and "欠费（元）" in chinese


def test_search_refuses_unknown_arguments_with_a_clear_400(site: Site) -> None:
    ann = site.person("ann", "approver")
    for query, word in (("size=500", "size"), ("sort=password", "sort"), ("power=maybe", "power"),
                        ("flag=perhaps", "flag"), ("page=0", "page")):
        response = ann.get(f"/api/customers?{query}")
        assert response.status_code == 400 and word in response.json["error"], query
    assert ann.get("/customers?sort=password").status_code == 400


def test_customer_page_shows_status_arrears_flag_screening_and_subscriptions(site: Site) -> None:
    seed_archive(site)
    ann = site.person("ann", "approver")
    page = ann.get("/customers/3400000002?lang=en")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Customer 3400000002" in html and "Owes 123.45 yuan" in html and "Connected" in html
    assert 'data-notice="arrears"' in html
    detail = ann.get("/api/customers/3400000002").json
    assert detail["customer"]["owed_cents"] == 12_345 and detail["customer"]["auto_reconnect"] is False
    assert detail["subscriptions"] == {"disconnection": False, "reconnection": False, "arrears": True}
    assert detail["screening"]["eligible"] is True
    offline = ann.get("/customers/3400000003?lang=en").data.decode()
    assert "Not eligible" in offline and "The collection system does not see the meter online" in offline
    assert "Flagged but not eligible" in offline
    assert "flag-form" not in offline  # an approver does not maintain the flag (M1.2.2)
    chinese = ann.get("/customers/3400000003?lang=zh").data.decode()
    assert "采集系统显示电表不在线" in chinese and "已停电" in chinese


def test_customer_page_shows_open_orders_then_the_timeline_newest_first(site: Site) -> None:
    seed_archive(site)
    run_patrol(site.services.runtime)  # 3400000001 (flagged) remotely; 3400000003 too; none on site yet
    ann = site.person("ann", "approver")
    detail = ann.get("/api/customers/3400000001").json
    [order] = detail["open"]["reconnections"]
    [instance] = detail["open"]["instances"]
    assert order["auto_order_no"] == "10000001" and order["instance_id"] == instance["id"]
    assert instance["process_id"] == "reconnect"
    assert [(c["action"], c["status"], c["sent_at"]) for c in detail["open"]["commands"]] == [
        ("direct_close", "queued", None)]
    page = ann.get("/customers/3400000001?lang=en").data.decode()
    assert f'href="/instances/{instance["id"]}"' in page and "10000001" in page and "<td>Queued</td>" in page

    site.services.dispatcher.dispatch()  # issue 10 item 16: handed to the head-end, the command says so
    [command] = ann.get("/api/customers/3400000001").json["open"]["commands"]
    assert (command["status"], command["sent_at"]) == ("sent", command["created_at"])
    assert "<td>Sent</td>" in ann.get("/customers/3400000001?lang=en").data.decode()

    site.utility.advance(timedelta(minutes=3))  # the simulated head-end closes the relay

    detail = ann.get("/api/customers/3400000001").json
    assert detail["open"] == {"reconnections": [], "commands": [], "instances": []}
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert kinds == ["instance.ended", "order.closed", "sms.queued", "command.executed", "command.sent",
                     "command.created", "order.opened", "instance.started"]
    times = [entry["at"] for entry in detail["timeline"]]
    assert times == sorted(times, reverse=True)
    sms = detail["timeline"][2]["data"]
    assert sms["notice"] == "reconnected" and sms["to"] == "13800138000"
    page = ann.get("/customers/3400000001?lang=en").data.decode()
    assert "Nothing open for this customer." in page and "Reconnected remotely" in page and "Power restored" in page


def test_an_unflagged_customer_shows_the_on_site_order_and_its_open_task(site: Site) -> None:
    seed_archive(site)
    seed_customer(site.services, "3400000006", auto_reconnect=False)
    run_patrol(site.services.runtime)
    ann = site.person("ann", "approver")
    detail = ann.get("/api/customers/3400000006").json
    [order] = detail["open"]["reconnections"]
    assert order["manual_order_no"].startswith("14") and len(order["manual_order_no"]) == 12
    [instance] = detail["open"]["instances"]
    assert [task["element_id"] for task in instance["open_tasks"]] == ["on_site"]
    page = ann.get("/customers/3400000006?lang=en").data.decode()
    assert order["manual_order_no"] in page and "on site" in page


def test_an_unknown_customer_is_a_404_page_and_a_404_json(site: Site) -> None:
    ann = site.person("ann", "approver")
    page = ann.get("/customers/3499999999")
    assert page.status_code == 404 and b"3499999999" in page.data
    assert ann.get("/api/customers/3499999999").json == {"error": "no customer 3499999999"}


def test_signing_in_is_needed_to_see_customers(site: Site) -> None:
    nobody = site.anonymous()
    assert nobody.get("/customers").status_code == 302
    assert nobody.get("/api/customers").status_code == 401


def test_an_executor_forces_the_flag_on_one_customer_with_a_reason(site: Site) -> None:
    seed_archive(site)
    ed = site.person("ed", "executor")
    before = snapshot(site)
    refused = ed.post_form("/customers/3400000004/auto-reconnect?lang=en", {"value": "set", "reason": ""})
    assert refused.status_code == 400 and b"fails screening" in refused.data
    assert b'data-testid="flag-error"' in refused.data
    assert snapshot(site) == before
    no_reason = ed.post_json("/api/customers/3400000004/auto-reconnect", {"value": True, "force": True})
    assert no_reason.status_code == 400 and "reason" in no_reason.json["error"]
    assert snapshot(site) == before

    done = ed.post_form("/customers/3400000004/auto-reconnect",
                        {"value": "set", "force": "1", "reason": "meter replaced, archive not yet updated"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/customers/3400000004")
    assert flags(site)["3400000004"] is True
    [(kind, actor, data)] = archive_events(site)
    assert (kind, actor, data["forced"], data["reason"]) == (
        "customer.flag_changed", "ed", True, "meter replaced, archive not yet updated")
    page = ed.get("/customers/3400000004?lang=en").data.decode()
    assert "forced against screening" in page and "set by ed" in page


def test_a_customer_mobile_is_validated_and_recorded(site: Site) -> None:
    seed_archive(site)
    amy = site.person("amy", "applicant")
    before = snapshot(site)
    bad = amy.post_form("/customers/3400000001/mobile?lang=en", {"mobile": "0554-1234567"})
    assert bad.status_code == 422 and b"Not a mainland China mobile number" in bad.data and b"0554-1234567" in bad.data
    assert amy.post_json("/api/customers/3400000001/mobile", {"mobile": "12345"}).status_code == 422
    assert snapshot(site) == before
    saved = amy.post_json("/api/customers/3400000001/mobile", {"mobile": "+86 139-1234-5678"})
    assert saved.status_code == 200 and saved.json["new"] == "13912345678"
    assert archive_events(site)[-1] == ("customer.mobile_changed", "amy", {
        "customer": "3400000001", "old": "13800138000", "new": "13912345678"})
    kinds = [entry["kind"] for entry in amy.get("/api/customers/3400000001").json["timeline"]]
    assert kinds == ["customer.mobile_changed"]


def test_a_disconnection_shows_its_batch_the_advance_notice_and_the_cut(site: Site) -> None:
    seed_customer(site.services, "3400000011", power_status="connected", owed_cents=32_000,
                  overdue_since=date(2026, 1, 10))
    runtime = site.services.runtime
    batch = runtime.start("disconnect", {}, APPLICANT)
    for element_id, data, actor in (
            ("apply", {"customers": ["3400000011"], "reason": "arrears over 60 days", "planned_date": "2026-03-02"},
             APPLICANT),
            ("approve", {"opinion": "agreed", "decision": "approve"}, APPROVER),
            ("issue", {"keep": {}, "cancel": []}, EXECUTOR)):
        with site.services.db.reading() as session:
            task_id = session.execute(select(UserTask.id).where(UserTask.element_id == element_id)).scalar_one()
        runtime.complete_task(task_id, data, actor)
    ann = site.person("ann", "approver")
    detail = ann.get("/api/customers/3400000011").json
    opened = {row["process_id"]: row for row in detail["open"]["instances"]}  # the batch is the customer's too
    assert opened.keys() == {"disconnect", "disconnect_customer"} and opened["disconnect"]["id"] == batch
    assert opened["disconnect_customer"]["parent"]["id"] == batch
    page = ann.get("/customers/3400000011?lang=en").data.decode()
    assert f'href="/instances/{batch}"' in page and "Disconnection for arrears" in page

    site.utility.advance(timedelta(minutes=3))

    detail = ann.get("/api/customers/3400000011").json
    assert detail["customer"]["power_status"] == "disconnected"
    assert [row["id"] for row in detail["open"]["instances"]] == [batch]  # waiting to be sent on to archive
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert {"sms.queued", "command.created", "command.executed", "instance.started", "instance.ended"} <= set(kinds)
    [notice] = [entry for entry in detail["timeline"] if entry["kind"] == "sms.queued"]
    assert notice["data"]["notice"] == "disconnection_notice" and notice["instance_id"] == batch
    [cut] = [entry for entry in detail["timeline"] if entry["kind"] == "command.executed"]
    assert (cut["data"]["action"], cut["data"]["relay"]) == ("trip", "open")
