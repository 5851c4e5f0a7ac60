"""What the request being served works with: the app's services (``app.bootstrap.Services``)."""

from __future__ import annotations

from flask import current_app

from app.bootstrap import Services


def services() -> Services:
    """The services ``create_app`` built for the app serving this request (database, clock,
    runtime, inbox, outbox) — the web's one way to reach them."""
    return current_app.extensions["relayflow"]  # type: ignore[no-any-return]
