"""Query arguments that ``url_for`` would take as its own options (``_method``, ``_external``,
``_anchor``, ``_scheme``) stay plain query arguments: every page that keeps its arguments in its
links answers as usual, its links stay on this site, and a POST does its change exactly once."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Site
from tests.web.customers_support import archive_events, flags, seed_archive
from tests.web.instances_support import failing_reconnection

SPECIAL = {"_method": "x", "_external": "1", "_anchor": "x", "_scheme": "x"}
HREF = re.compile(rb'href="([^"]+)"')
ACTION = re.compile(rb'<form method="post" action="([^"]+)"')


def kept_links(html: bytes, path: str) -> list[str]:
    """The page's links and form actions to ``path`` (HTML entities of ``&`` undone)."""
    found = [url.decode().replace("&amp;", "&") for url in HREF.findall(html) + ACTION.findall(html)]
    return [url for url in found if url.startswith(path + "?")]


@pytest.mark.parametrize("name", SPECIAL)
def test_pages_keep_a_special_argument_as_a_plain_query_argument(site: Site, name: str) -> None:
    seed_archive(site)
    failing_reconnection(site), failing_reconnection(site)
    amy = site.person("amy", "applicant")
    arg = f"{name}={SPECIAL[name]}"
    for url, path in ((f"/customers?size=1&{arg}", "/customers"), (f"/screening?size=1&{arg}", "/screening"),
                      (f"/subscriptions?size=1&{arg}", "/subscriptions"), (f"/instances?size=1&{arg}", "/instances"),
                      (f"/tasks?{arg}", "/tasks")):
        page = amy.get(url)
        assert page.status_code == 200, (url, page.status_code)
        if path == "/tasks":  # the inbox keeps only the arguments it reads
            continue
        links = kept_links(page.data, path)
        assert links, f"{url}: the pager and sort links keep the page's arguments"
        assert all(arg in link and "#" not in link for link in links), (url, links)
    bulk_form = kept_links(amy.get(f"/screening?{arg}").data, "/screening/auto-reconnect")
    assert bulk_form == [f"/screening/auto-reconnect?{arg}"]


@pytest.mark.parametrize("name", SPECIAL)
def test_the_bulk_flag_changes_once_and_goes_back_to_the_same_view(site: Site, name: str) -> None:
    seed_archive(site)
    amy = site.person("amy", "applicant")
    arg = f"{name}={SPECIAL[name]}"
    assert flags(site)["3400000001"] is True
    done = amy.post_form(f"/screening/auto-reconnect?{arg}",
                         {"customers": "3400000001", "value": "clear", "reason": "meter swapped"})
    assert done.status_code == 302 and done.headers["Location"] == f"/screening?{arg}"
    assert flags(site)["3400000001"] is False
    assert [(kind, data["customer"]) for kind, _actor, data in archive_events(site)] == [
        ("customer.flag_changed", "3400000001")]
    assert amy.get(done.headers["Location"]).status_code == 200
