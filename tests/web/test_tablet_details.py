"""Issue 13 item 9's smaller points, as the pages show them: deadlines name the utility's time
zone (one formatter), a customer list cut short says so ("…"), and the application's
customer-list error is labelled with the field it belongs to."""

from __future__ import annotations

from datetime import UTC, datetime

from app.web.formatting import deadline, with_zone
from tests.web.conftest import Site
from tests.web.task_forms_support import READER
from tests.web.test_inbox import application, approval

MOMENT = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # 17:00 in Beijing


def test_a_deadline_reads_in_beijing_time_with_the_zone_named(site: Site) -> None:
    with site.app.test_request_context("/?lang=zh"):
        assert deadline(MOMENT) == "2026-12-05 17:00（北京时间）"
        assert deadline(MOMENT.replace(tzinfo=None)) == "2026-12-05 17:00（北京时间）"  # naive: UTC
        assert deadline(None) == "" and with_zone("") == ""
    with site.app.test_request_context("/?lang=en"):
        assert deadline(MOMENT) == "2026-12-05 17:00 (Beijing time)"


def test_the_task_page_and_the_inbox_give_the_deadline_with_its_zone(site: Site) -> None:
    approve_id = approval(site, "3400000011")  # M4.2: P1D after the application in the diagram
    bo = site.person("bo", "approver")
    task_page = bo.get(f"/tasks/{approve_id}").data.decode()
    due = task_page.split('data-testid="task-due">')[1].split("</dd>")[0]
    assert due.endswith("（北京时间）") and due[:4] == "2026"
    inbox = bo.get("/tasks?tab=groups").data.decode()
    assert "期限（北京时间）" in inbox and f"· {due}" in inbox  # the column's zone, the whole deadline on hover
    assert "(Beijing time)" in bo.get(f"/tasks/{approve_id}?lang=en").data.decode()


def test_a_customer_list_cut_short_ends_in_an_ellipsis(site: Site) -> None:
    approval(site, "3400000011", "3400000012", "3400000013")
    approval(site, "3400000021", "3400000022")
    page = site.person("bo", "approver").get("/tasks?tab=groups").data.decode()
    cells = [row.split("</td>")[0] for row in page.split('<td class="customers')[1:]]
    [three] = [cell for cell in cells if "3400000011" in cell]
    [two] = [cell for cell in cells if "3400000021" in cell]
    assert "3400000012</span>" in three and "3400000013" not in three  # two numbers shown of three
    assert 'data-testid="more-customers">, …</span>' in three and "共 3 户" in three
    assert "3400000022" in two and "…" not in two and "共" not in two  # the whole list: no ellipsis


def test_the_customer_list_error_is_labelled_with_its_field(site: Site) -> None:
    rui = site.person(READER, "applicant")
    task_id = application(site)
    refused = rui.post_form(f"/tasks/{task_id}", {"reason": "arrears", "planned_date": "2026-03-02", "action": "send"})
    assert refused.status_code == 422
    errors = refused.data.decode().split('data-testid="form-errors"')[1].split("</div>")[0]
    assert "<b>拟停电用户</b>" in errors and "用户档案" not in errors
