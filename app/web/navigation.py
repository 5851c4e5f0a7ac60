"""The main menu: (endpoint, English label, roles that see it — none: every signed-in user)."""

from __future__ import annotations

from app.translations import N_

NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("inbox.page", N_("Inbox"), ()),
    ("task_forms.start_disconnection", N_("Start a disconnection"), ("applicant",)),
    ("instances.list_page", N_("Processes"), ()),
    ("workbench.library_page", N_("Process library"), ("analyst", "sysadmin", "auditor")),
    ("customers.search_page", N_("Customers"), ()),
    ("customers.screening_page", N_("Screening"), ("applicant", "executor", "sysadmin")),
    ("customers.subscriptions_page", N_("SMS subscriptions"), ()),
    ("customers.segments_page", N_("Segments"), ("sysadmin",)),
    ("audit_cases.search_page", N_("Audit"), ("auditor", "sysadmin")),
    ("reports.page", N_("Reports"), ("auditor", "sysadmin")),
)
