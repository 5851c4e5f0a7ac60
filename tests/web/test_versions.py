"""Issue 12 items 4 and 7 through the web: the compare page and ``GET /api/processes/<id>/compare``
(everyone signed in; unknown or malformed sides are a clear 404/422), the move page and the move
API (system administrators only), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from app.usecases.reconnections import run_patrol
from tests.utility import DEPLOYER, seed_customer
from tests.web.conftest import Site
from tests.workflow.test_move import REASON, edited_reconnect, instance_of


def two_versions(site: Site) -> None:
    site.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)


def test_compare_lists_exactly_the_loop_maximum_and_the_retry_wait(site: Site) -> None:
    two_versions(site)
    reader = site.person("rui", "applicant")
    answer = reader.get("/api/processes/reconnect/compare?a=v1&b=v2")
    assert answer.status_code == 200, answer.json
    changes = [(e["element_id"], e["kind"], c["property"], c["old"], c["new"])
               for e in answer.json["elements"] for c in e["changes"]]
    assert changes == [("attempts", "changed", "loop_maximum", "3", "4"),
                       ("retry_wait", "changed", "timer", "PT2H", "PT45M")]
    assert answer.json["markers_a"] == answer.json["markers_b"] == {"attempts": "changed", "retry_wait": "changed"}
    assert answer.json["a"]["xml"].startswith("<") and answer.json["b"]["ref"] == "v2"
    page = reader.get("/processes/reconnect/compare?a=v1&b=v2", headers={"Accept-Language": "zh"})
    assert page.status_code == 200
    assert "最大循环次数" in page.get_data(as_text=True) and "PT45M" in page.get_data(as_text=True)


def test_compare_refuses_unknown_and_malformed_sides_clearly(site: Site) -> None:
    reader = site.person("rui", "applicant")
    missing = reader.get("/api/processes/reconnect/compare?a=v1&b=v9")
    assert missing.status_code == 404 and "no version 9" in missing.json["error"]
    malformed = reader.get("/api/processes/reconnect/compare?a=v1&b=latest")
    assert malformed.status_code == 422 and "v<version>" in malformed.json["error"]
    no_revision = reader.get("/api/processes/reconnect/compare?a=v1&b=r999")
    assert no_revision.status_code == 404 and "revision 999" in no_revision.json["error"]
    no_process = reader.get("/api/processes/nope/compare?a=v1&b=v1")
    assert no_process.status_code == 404
    assert reader.get("/api/processes/reconnect/compare?a=v1").status_code == 400  # b is required
    page = reader.get("/processes/reconnect/compare?a=v1&b=x")
    assert page.status_code == 422 and b"v&lt;version&gt;" in page.data


def test_a_draft_revision_compares_with_the_running_version(site: Site) -> None:
    analyst = site.person("ann", "analyst")
    opened = analyst.post_json("/api/processes/reconnect/drafts", {"title": "4 sends"})
    assert opened.status_code in (200, 201), opened.json
    revision = opened.json.get("revision_id") or opened.json["revision"]["id"]
    answer = analyst.get(f"/api/processes/reconnect/compare?a=v1&b=r{revision}")
    assert answer.status_code == 200, answer.json
    assert answer.json["elements"] == [] and answer.json["b"]["kind"] == "revision"


def test_moves_dry_run_and_move_through_the_api_for_sysadmins_only(site: Site) -> None:
    seed_customer(site.services, "3400000001")
    site.utility.headend.set_behaviour(site.utility.customer("3400000001").meter_address, "never")
    run_patrol(site.services.runtime)
    site.utility.advance(timedelta(minutes=5))
    two_versions(site)
    instance = instance_of(site.utility, "3400000001")
    analyst, admin = site.person("ann", "analyst"), site.person("sam", "sysadmin")
    assert analyst.post_json("/api/processes/reconnect/moves/dry-run",
                             {"from_version": 1, "to_version": 2}).status_code == 403
    assert analyst.get("/processes/reconnect/moves").status_code == 403

    dry = admin.post_json("/api/processes/reconnect/moves/dry-run", {"from_version": 1, "to_version": 2})
    assert dry.status_code == 200, dry.json
    assert [(c["instance_id"], c["can_move"]) for c in dry.json["candidates"]] == [(instance, True)]
    refused = admin.post_json("/api/processes/reconnect/moves", {"from_version": 1, "to_version": 2,
                                                                 "instance_ids": [instance], "reason": " "})
    assert refused.status_code == 422 and "reason" in refused.json["errors"]
    same = admin.post_json("/api/processes/reconnect/moves/dry-run", {"from_version": 2, "to_version": 2})
    assert same.status_code == 400 and "same version" in same.json["error"]
    moved = admin.post_json("/api/processes/reconnect/moves", {"from_version": 1, "to_version": 2,
                                                               "instance_ids": [instance], "reason": REASON})
    assert moved.status_code == 200 and moved.json["moved"] == 1, moved.json
    again = admin.post_json("/api/processes/reconnect/moves", {"from_version": 1, "to_version": 2,
                                                               "instance_ids": [instance], "reason": REASON})
    assert again.json["moved"] == 0 and "not on version 1" in again.json["outcomes"][0]["error"]


def test_the_move_page_lists_why_a_case_cannot_move_and_moves_the_selected(site: Site) -> None:
    for number, behaviour in (("3400000001", "never"), ("3400000002", "fails")):
        seed_customer(site.services, number)
        site.utility.headend.set_behaviour(site.utility.customer(number).meter_address, behaviour)
    run_patrol(site.services.runtime)
    site.utility.advance(timedelta(minutes=5))
    two_versions(site)
    waiting, retrying = instance_of(site.utility, "3400000001"), instance_of(site.utility, "3400000002")
    admin = site.person("sam", "sysadmin")
    page = admin.get("/processes/reconnect/moves?from=1&to=2", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'name="instance_ids" value="{waiting}"' in text and f'name="instance_ids" value="{retrying}"' not in text
    assert "its token is on retry_wait, which the new version changes (Timer)" in text
    done = admin.post_form("/processes/reconnect/moves", {"from_version": "1", "to_version": "2",
                                                          "instance_ids": [str(waiting)], "reason": REASON})
    assert done.status_code == 302
    after = admin.get("/processes/reconnect/moves?from=1&to=2").get_data(as_text=True)
    assert f'data-instance="{waiting}"' not in after and f'data-instance="{retrying}"' in after
