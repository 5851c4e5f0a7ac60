"""Issue 13 item 7: a meter reader's inbox lists the on-site tasks of the segments they read first
(the others behind a visible toggle), and a reader cannot take another reader's on-site task — the
diagram offers it to the reader of the customer's segment (M5.3) — unless an approver gives it to
them; a refusal is a clear message, not a 404 or a 500. The on-site form says why remote
reconnection was not tried or failed (M1.1, M1.2, M5.2)."""

from __future__ import annotations

import re
from datetime import timedelta

from app.usecases.reconnections import run_patrol
from tests.utility import seed_customer, seed_segment
from tests.web.conftest import Site
from tests.web.instances_support import reconnection
from tests.web.task_forms_support import open_task

ROW = re.compile(r'<tr data-task-id="[^"]+"[^>]*>.*?<span class="customer" title="[^"]*">(\d+).*?</tr>', re.S)
OURS, THEIRS = "3400000021", "3400000022"  # S02 (reader-li), S01 (reader-rui)


def on_site_tasks(site: Site) -> None:
    """Two unflagged customers, one in each reader's segment: the patrol opens an on-site task for each."""
    seed_segment(site.services, "S02", reader="reader-li", mobile=None)
    seed_customer(site.services, OURS, auto_reconnect=False, segment_code="S02", channel_online=False)
    seed_customer(site.services, THEIRS, auto_reconnect=False)
    assert run_patrol(site.services.runtime).started == 2
    site.utility.run()


def listed(html: str) -> list[str]:
    return sorted(ROW.findall(html))


def row_of(html: str, number: str) -> str:
    [row] = [found.group(0) for found in ROW.finditer(html) if found.group(1) == number]
    return row


def test_a_reader_sees_their_own_segments_first_and_the_others_behind_the_toggle(site: Site) -> None:
    on_site_tasks(site)
    li = site.person("reader-li", "executor")
    page = li.get("/tasks?tab=groups&lang=zh").data.decode()
    assert listed(page) == [OURS]
    scope = page.split('data-testid="segment-scope"')[1].split("</nav>")[0]
    assert "只看我的抄表段" in scope and "全部抄表段" in scope and 'data-scope="mine" class="active"' in scope
    every = li.get("/tasks?tab=groups&segments=all&lang=zh").data.decode()
    assert listed(every) == [OURS, THEIRS]
    # another reader's task offers no claim
    assert ">认领</button>" in row_of(every, OURS) and ">认领</button>" not in row_of(every, THEIRS)
    api = li.get("/api/tasks?tab=groups").json
    assert [row["customers"][0]["number"] for row in api["rows"]] == [OURS]
    assert len(li.get("/api/tasks?tab=groups&segments=all").json["rows"]) == 2


def test_an_office_executor_who_reads_no_segment_sees_every_task_without_a_toggle(site: Site) -> None:
    on_site_tasks(site)
    erin = site.person("erin", "executor")
    page = erin.get("/tasks?tab=groups&lang=en").data.decode()
    assert listed(page) == [OURS, THEIRS] and 'data-testid="segment-scope"' not in page
    task = open_task(site, "on_site", _instance_of(site, THEIRS))
    assert erin.get(f"/tasks/{task.id}").status_code == 200


def test_a_reader_cannot_claim_or_open_another_readers_task_and_is_told_why(site: Site) -> None:
    on_site_tasks(site)
    li = site.person("reader-li", "executor")
    task = open_task(site, "on_site", _instance_of(site, THEIRS))
    claimed = li.post_form(f"/tasks/{task.id}/claim?lang=zh")
    assert claimed.status_code == 403
    message = "该任务已派给 reader-rui（该用户所在抄表段的抄表员），只有本人可以办理"
    assert message in claimed.data.decode()
    assert open_task(site, "on_site", task.instance_id).claimed_by is None
    opened = li.get(f"/tasks/{task.id}?lang=zh")
    assert opened.status_code == 403 and message in opened.data.decode()
    api = li.post_json(f"/api/tasks/{task.id}/claim")
    assert api.status_code == 403 and "reader-rui" in api.json["error"]
    done = li.post_form(f"/tasks/{task.id}", {"reconnected_at": "2026-03-02T09:00", "note": "x"})
    assert done.status_code == 403 and open_task(site, "on_site", task.instance_id) is not None

    sam = site.person("sam", "sysadmin")  # a supervisor gives it to her: now it is hers to do
    assert sam.post_json(f"/api/tasks/{task.id}/reassign", {"to": "reader-li"}).status_code == 200
    assert li.get(f"/tasks/{task.id}").status_code == 200


def test_the_on_site_form_says_why_remote_reconnection_was_not_tried(site: Site) -> None:
    on_site_tasks(site)
    li = site.person("reader-li", "executor")
    task = open_task(site, "on_site", _instance_of(site, OURS))
    page = li.get(f"/tasks/{task.id}?lang=zh").data.decode()
    why = page.split('data-testid="why-on-site"')[1].split("</div>")[0]
    assert 'data-why="not_flagged"' in why and "未尝试远程复电" in why
    assert "采集系统显示电表不在线" in why  # M1.1.3 excludes this customer


def test_the_on_site_form_lists_every_failed_send_with_its_time(site: Site) -> None:
    instance_id = reconnection(site, "3400000101", behaviour="fails")
    site.utility.advance(timedelta(hours=4, minutes=40), step=timedelta(minutes=5))  # three sends fail (M5.2)
    task = open_task(site, "on_site", instance_id)
    rui = site.person("reader-rui", "executor")
    page = rui.get(f"/tasks/{task.id}?lang=en").data.decode()
    why = page.split('data-testid="why-on-site"')[1].split("</div>")[0]
    assert 'data-why="sends_failed"' in why and "All 3 remote sends failed." in why
    assert len(re.findall(r"<li>2026-03-02 \d\d:\d\d · Failed", why)) == 3


def _instance_of(site: Site, number: str) -> int:
    from sqlalchemy import select

    from storage.models import InstanceAttribute
    with site.services.db.reading() as session:
        return int(session.execute(select(InstanceAttribute.instance_id).where(
            InstanceAttribute.name == "customer", InstanceAttribute.value == number)).scalar_one())
