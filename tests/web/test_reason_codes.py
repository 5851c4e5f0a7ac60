"""Issue 16 item 7 on the pages, SQLite and PostgreSQL: the sysadmin's list of reason codes (add,
rename, retire, bring back, map a cause; every change in the history with who made it; no code
deleted or renumbered), the application form's reason code, shown on the approval form and the
case pages, and the reports' counts by code (page and CSV)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.usecases.reason_codes import STREAM
from storage.domain_models import Customer
from storage.models import HistoryEvent, Instance
from tests.web.conftest import Site
from tests.web.task_forms_support import READER, approve_via_api, open_elements, open_task, owing, start_application


def events(site: Site) -> list[tuple[str, str, dict[str, object]]]:
    with site.services.db.reading() as session:
        return [(e.type, e.actor, e.data) for e in session.execute(
            select(HistoryEvent).where(HistoryEvent.stream == STREAM).order_by(HistoryEvent.seq)).scalars()]


def test_issue16_item7_a_sysadmin_adds_renames_retires_and_maps_codes_and_each_change_is_recorded(site: Site) -> None:
    sam = site.person("sam", "sysadmin")
    page = sam.get("/reason-codes?lang=en").data.decode()
    for code in ("01", "02", "03", "04", "C1", "C2", "C3", "C4", "C5", "C6", "C7"):
        assert f'data-code="{code}"' in page
    assert "Dunning level reached (arrears)" in page and 'data-cause="cancelled_paid"' in page

    assert sam.post_form("/reason-codes", {"kind": "disconnection", "code": "05", "label_en": "Meter tampering",
                                           "label_zh": "窃电"}).status_code == 302
    refused = sam.post_form("/reason-codes?lang=en", {"kind": "disconnection", "code": "01", "label_en": "Again",
                                                      "label_zh": "再次"})
    assert refused.status_code == 422 and b"code 01 exists already" in refused.data
    bad = sam.post_form("/reason-codes?lang=en", {"kind": "disconnection", "code": "a b", "label_en": "",
                                                  "label_zh": "x"})
    assert bad.status_code == 422 and b"a code is 1 to 8 capital letters or digits" in bad.data
    assert sam.post_form("/reason-codes/disconnection/01/rename", {
        "label_en": "Dunning level 3 reached", "label_zh": "欠费达到三级催缴"}).status_code == 302
    assert sam.post_form("/reason-codes/disconnection/02/retire").status_code == 302
    assert sam.post_form("/reason-codes/disconnection/02/retire?lang=en").status_code == 422  # retired already
    assert sam.post_form("/reason-codes/cancelled_cut/C9/retire").status_code == 404
    unmapped = sam.post_form("/reason-codes/causes?lang=en", {"cause": "Policy Hold!", "cut_code": "01"})
    assert unmapped.status_code == 422 and b"choose a cancelled-cut code in use" in unmapped.data
    assert b"a cause is a name in small letters" in unmapped.data
    assert sam.post_form("/reason-codes/causes", {"cause": "policy_hold", "cut_code": "C3"}).status_code == 302

    shown = sam.get("/reason-codes?lang=zh").data.decode()
    assert "欠费达到三级催缴" in shown and "窃电" in shown
    assert "由 sam 停用" in shown.split('data-testid="status-disconnection-02"')[1].split("</td>")[0]
    assert 'data-cause="policy_hold"' in shown
    assert [(kind, actor) for kind, actor, _ in events(site)] == [
        ("reason_code.added", "sam"), ("reason_code.renamed", "sam"), ("reason_code.retired", "sam"),
        ("reason_code.cause_mapped", "sam")]
    renamed = events(site)[1][2]
    assert renamed["old"] == ["Dunning level reached (arrears)", "欠费达到催缴级别"]
    assert sam.post_form("/reason-codes/disconnection/02/restore").status_code == 302
    assert events(site)[-1][0] == "reason_code.restored"


def test_issue16_item7_only_a_sysadmin_keeps_the_codes(site: Site) -> None:
    rui = site.person(READER, "applicant")
    assert rui.get("/reason-codes").status_code == 403
    assert rui.post_form("/reason-codes", {"kind": "disconnection", "code": "09", "label_en": "x",
                                           "label_zh": "x"}).status_code == 403
    assert events(site) == []


def test_issue16_item7_the_application_form_offers_the_codes_in_use_and_the_approver_sees_the_one_chosen(
        site: Site) -> None:
    owing(site, "3400000011")
    sam, rui, bo = site.person("sam", "sysadmin"), site.person(READER, "applicant"), site.person("bo", "approver")
    assert sam.post_form("/reason-codes/disconnection/02/retire").status_code == 302
    task_id = start_application(rui)
    form = rui.get(f"/tasks/{task_id}?lang=en").data.decode()
    offered = form.split('data-testid="reason-code"')[1].split("</select>")[0]
    assert 'value="01"' in offered and 'value="03"' in offered and 'value="02"' not in offered
    application = {"customers": ["3400000011"], "reason": "moving out", "planned_date": "2026-03-02", "action": "send"}
    retired = rui.post_form(f"/tasks/{task_id}?lang=en", {**application, "reason_code": "02"})
    assert retired.status_code == 422
    assert b"reason code 02 is retired: choose one of 01, 03, 04" in retired.data
    assert open_elements(site) == ["apply"]
    assert rui.post_form(f"/tasks/{task_id}", {**application, "reason_code": "03"}).status_code == 302
    approve = open_task(site, "approve")
    assert "03 · Customer request" in bo.get(f"/tasks/{approve.id}?lang=en").data.decode()
    assert "03 · 客户申请" in bo.get(f"/tasks/{approve.id}?lang=zh").data.decode()
    case = bo.get(f"/instances/{approve.instance_id}?lang=en").data.decode()
    assert "03 · Customer request" in case.split('data-testid="reason_code"')[1].split("</dd>")[0]


def test_issue16_item7_the_reports_and_the_case_pages_show_the_codes(site: Site) -> None:
    """One customer cut and one protected before the trip (C2), in a batch applied for under 02."""
    owing(site, "3400000011", "3400000012")
    rui, bo, erin = site.person(READER, "applicant"), site.person("bo", "approver"), site.person("erin", "executor")
    task_id = start_application(rui)
    assert rui.post_form(f"/tasks/{task_id}", {"customers": ["3400000011", "3400000012"], "reason": "vacant",
                                               "reason_code": "02", "planned_date": "2026-03-02",
                                               "action": "send"}).status_code == 302
    batch = open_task(site, "approve").instance_id
    approve_via_api(site, bo, batch)
    with site.services.db.transaction() as session:
        session.execute(update(Customer).where(Customer.number == "3400000012")
                        .values(protected_kind="life_support", protected_reason="home oxygen"))
    assert erin.post_form(f"/tasks/{open_task(site, 'issue', batch).id}", {}).status_code == 302
    site.utility.advance(timedelta(minutes=2))  # one trip sent and executed, the other customer's flow ends
    auditor = site.person("audrey", "auditor")
    page = auditor.get("/reports?from=2026-03-02&to=2026-03-02&lang=en").data.decode()
    reasons = page.split('data-testid="reason-code-table"')[1].split("</table>")[0]
    assert '<tr data-code="02"><td>02 · Vacancy</td><td class="num">1</td><td class="num">1</td></tr>' in reasons
    cut_codes = page.split('data-testid="cut-code-table"')[1].split("</table>")[0]
    assert '<tr data-code="C2"><td>C2 · Protected customer</td><td class="num">1</td>' in cut_codes
    csv = auditor.get("/reports/reason_codes.csv?from=2026-03-02&to=2026-03-02&lang=en").data.decode("utf-8-sig")
    assert "Disconnection reason,02,Vacancy,房屋空置,1,1,\r\n" in csv
    assert "Cancelled cut,C2,Protected customer,保护用户,,1,protected=1\r\n" in csv
    answer = auditor.get("/api/reports?from=2026-03-02&to=2026-03-02").json["reason_codes"]
    assert {"code": "02", "cut": 1, "not_cut": 1} in answer["by_reason"]
    assert {"code": "C2", "not_cut": 1, "causes": {"protected": 1}} in answer["by_cancelled_cut"]
    with site.services.db.reading() as session:
        protected = session.execute(select(Instance).where(Instance.parent_id == batch, Instance.status == "completed")
                                    .order_by(Instance.id.desc())).scalars().first()
    assert protected is not None and protected.result == {"customer": "3400000012", "outcome": "protected"}
    child = auditor.get(f"/audit/cases/{protected.id}?lang=zh").data.decode()
    assert "C2 · 保护用户" in child.split('data-testid="cancelled-cut-code"')[1].split("</dd>")[0]
    shown = erin.get(f"/instances/{protected.id}?lang=en").data.decode()
    assert "C2 · Protected customer" in shown.split('data-testid="cancelled-cut-code"')[1].split("</dd>")[0]
    # retired later, the code still reads on the cases that chose it
    assert site.person("sam", "sysadmin").post_form("/reason-codes/disconnection/02/retire").status_code == 302
    batch_page = erin.get(f"/instances/{batch}?lang=zh").data.decode()
    assert "02 · 房屋空置（已停用）" in batch_page.split('data-testid="reason_code"')[1].split("</dd>")[0]
