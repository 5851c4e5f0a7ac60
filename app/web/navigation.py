"""The main menu: (endpoint, English label, roles that see it — none: every signed-in user)."""

from __future__ import annotations

from flask import current_app

NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("inbox.page", "Inbox", ()),
    ("task_forms.start_disconnection", "Start a disconnection", ("applicant",)),
    ("instances.list_page", "Processes", ()),
    ("customers.search_page", "Customers", ()),
    ("customers.screening_page", "Screening", ("applicant", "executor", "sysadmin")),
    ("customers.subscriptions_page", "SMS subscriptions", ()),
    ("customers.segments_page", "Segments", ("sysadmin",)),
)


def nav_items() -> list[tuple[str, str, tuple[str, ...]]]:
    """The menu entries whose pages exist in this app."""
    return [item for item in NAV if item[0] in current_app.view_functions]
