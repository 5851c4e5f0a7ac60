"""Sign-in, roles, CSRF and errors as a person meets them: clear pages and 4xx, never a crash."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import HistoryEvent, Instance
from tests.web.conftest import Site


def test_a_person_signs_in_and_the_attempt_is_in_the_history(site: Site) -> None:
    site.add_user("ann", "approver")
    ann = site.anonymous()
    ann.username = "ann"
    refused = ann.sign_in(password="wrong-password")
    assert refused.status_code == 401 and "用户名或密码错误".encode() in refused.data
    assert ann.sign_in().status_code == 302
    assert ann.get("/api/me").json["roles"] == ["approver"]
    with site.services.db.reading() as session:
        kinds = session.execute(select(HistoryEvent.type).where(HistoryEvent.stream == "users")).scalars().all()
    assert kinds[-2:] == ["user.sign_in_refused", "user.signed_in"]


def test_pages_ask_for_sign_in_and_the_api_answers_401(site: Site) -> None:
    nobody = site.anonymous()
    page = nobody.get("/api/me")
    assert page.status_code == 401 and "sign in" in page.json["error"]
    assert nobody.get("/", headers={"Accept": "text/html"}).status_code == 302


def test_after_sign_in_a_person_only_goes_to_a_page_of_this_site(site: Site) -> None:
    site.add_user("ann", "approver")
    ann = site.anonymous()
    ann.username = "ann"
    page = ann.client.get("/login")
    token = page.data.split(b'name="csrf-token" content="')[1].split(b'"')[0].decode()
    response = ann.client.post("/login", data={"username": "ann", "password": "password-123", "csrf_token": token,
                                               "next": "//evil.example/steal"})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_a_form_without_its_csrf_token_is_refused_and_nothing_happens(site: Site) -> None:
    site.add_user("ann", "approver")
    ann = site.anonymous()
    response = ann.client.post("/login", data={"username": "ann", "password": "password-123"})
    assert response.status_code == 400 and "安全令牌".encode() in response.data
    assert ann.client.get("/api/me").status_code == 401


def test_a_json_call_without_the_csrf_header_is_a_400_in_json(site: Site) -> None:
    ann = site.person("ann", "approver")
    response = ann.client.post("/logout", headers={"Accept": "application/json", "Accept-Language": "en"})
    assert response.status_code == 400 and "security token" in response.json["error"]
    assert ann.get("/api/me").status_code == 200  # still signed in: the refused call changed nothing


def test_a_role_taken_away_counts_from_the_next_request(site: Site) -> None:
    from app.accounts.users import set_roles
    from tests.web.conftest import ADMIN

    ann = site.person("ann", "approver")
    with site.services.db.transaction() as session:
        set_roles(session, site.services.clock, ADMIN, "ann", ["auditor"])
    assert ann.get("/api/me").json["roles"] == ["auditor"]


def test_labels_switch_between_chinese_and_english(site: Site) -> None:
    nobody = site.anonymous()
    assert "登录".encode() in nobody.get("/login").data
    english = nobody.get("/login?lang=en")
    assert b"Sign in" in english.data and "登录".encode() not in english.data
    assert b"Sign in" in nobody.get("/login").data  # the choice is remembered


def test_the_simulated_parts_say_so_on_every_page(site: Site) -> None:
    page = site.anonymous().get("/login?lang=en")
    assert b"simulated head-end" in page.data and b"log-only SMS" in page.data


def test_an_account_without_roles_signs_in_but_sees_nothing(site: Site) -> None:
    site.add_user("nora")
    nora = site.anonymous()
    nora.username = "nora"
    assert nora.sign_in().status_code == 302
    assert nora.get("/api/me").json["roles"] == []
    for url in ("/tasks", "/customers", "/instances", "/subscriptions", "/api/customers", "/api/instances"):
        assert nora.get(url).status_code == 403, url


def test_failed_sign_ins_are_limited_and_the_history_is_not_flooded(site: Site) -> None:
    from datetime import timedelta

    from app.web.sign_in_limits import LIMIT

    site.add_user("ann", "approver")
    ann = site.anonymous()
    ann.username = "ann"
    for _ in range(LIMIT):
        assert ann.sign_in(password="guess-guess").status_code == 401
    assert ann.sign_in(password="guess-again").status_code == 429
    assert ann.sign_in().status_code == 429  # even the right password waits
    with site.services.db.reading() as session:
        refused = session.execute(select(HistoryEvent.id).where(HistoryEvent.type == "user.sign_in_refused")).all()
    assert len(refused) == LIMIT
    site.utility.clock.shift(timedelta(minutes=5, seconds=1))
    assert ann.sign_in().status_code == 302


def test_an_unknown_username_is_refused_like_a_wrong_password(site: Site) -> None:
    ghost = site.anonymous()
    ghost.username = "ghost"
    assert ghost.sign_in().status_code == 401


def test_a_body_over_the_limit_is_a_clear_413(site: Site) -> None:
    ann = site.person("ann", "applicant")
    response = ann.post_raw("/api/disconnections", b'{"x": "' + b"x" * (3 * 1024 * 1024) + b'"}')
    assert response.status_code == 413 and response.json["error"], response.json
    with site.services.db.reading() as session:
        assert session.execute(select(Instance.id)).first() is None  # nothing started


def test_the_session_cookie_is_http_only_and_same_site(site: Site) -> None:
    site.add_user("ann", "approver")
    ann = site.anonymous()
    ann.username = "ann"
    cookie = ann.sign_in().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_each_person_lands_on_the_page_their_work_starts_from(site: Site) -> None:
    """Issue 13: an auditor lands on the case search, not on an empty inbox; an analyst on the
    process library; whoever does tasks (a sysadmin too, who sees them all) on the inbox."""
    expected = {("approver",): "/tasks", ("auditor",): "/audit/cases", ("analyst",): "/processes",
                ("auditor", "executor"): "/tasks", ("analyst", "sysadmin"): "/tasks"}
    for n, (roles, page) in enumerate(expected.items()):
        person = site.person(f"person{n}", *roles)
        landed = person.client.get("/")
        assert landed.status_code == 302 and landed.headers["Location"] == page, (roles, landed.headers)
