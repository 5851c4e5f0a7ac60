"""The main menu: (endpoint, English label, roles that see it — none: every signed-in user)."""

from __future__ import annotations

NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("inbox.page", "Inbox", ()),
    ("task_forms.start_disconnection", "Start a disconnection", ("applicant",)),
    ("instances.list_page", "Processes", ()),
    ("customers.search_page", "Customers", ()),
    ("customers.screening_page", "Screening", ("applicant", "executor", "sysadmin")),
    ("customers.subscriptions_page", "SMS subscriptions", ()),
    ("customers.segments_page", "Segments", ("sysadmin",)),
    ("audit_cases.search_page", "Audit", ("auditor", "sysadmin")),
    ("reports.page", "Reports", ("auditor", "sysadmin")),
)
