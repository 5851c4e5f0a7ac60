"""The main menu: (endpoint, English label, roles that see it — none: every signed-in user)."""

from __future__ import annotations

from app.translations import N_

NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("inbox.page", N_("Inbox"), ()),
    ("task_forms.start_disconnection", N_("Start a disconnection"), ("applicant",)),
    ("start_pages.list_page", N_("Start a process"), ()),
    ("instances.list_page", N_("Processes"), ()),
    ("workbench.library_page", N_("Process library"), ("analyst", "sysadmin", "auditor")),
    ("customers.search_page", N_("Customers"), ()),
    ("customers.screening_page", N_("Screening"), ("applicant", "executor", "sysadmin")),
    ("customers.subscriptions_page", N_("SMS subscriptions"), ()),
    ("customers.segments_page", N_("Segments"), ("sysadmin",)),
    ("cut_holds.page", N_("Cut holds"), ("sysadmin",)),
    ("reason_codes.page", N_("Reason codes"), ("sysadmin",)),
    ("restoration_clocks.page", N_("Restoration clocks"), ("approver", "sysadmin", "auditor")),
    ("audit_cases.search_page", N_("Audit"), ("auditor", "sysadmin")),
    ("reports.page", N_("Reports"), ("auditor", "sysadmin")),
)

# Where "/" (and signing in without a page asked for) takes each person: the first of these whose
# roles they hold — people who do tasks land on their inbox, an auditor on the case search, an
# analyst on the process library; anyone else on the inbox.
LANDING: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("inbox.page", ("applicant", "approver", "executor", "sysadmin")),
    ("audit_cases.search_page", ("auditor",)),
    ("workbench.library_page", ("analyst",)),
)


def landing_endpoint(roles: frozenset[str]) -> str:
    """The page a person with ``roles`` starts on."""
    return next((endpoint for endpoint, holders in LANDING if roles & set(holders)), "inbox.page")
