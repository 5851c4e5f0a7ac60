"""The one way a sysadmin's settings page runs a change (cut holds, reason codes): the use case in
one transaction with the clock and the signed-in person; a refusal shows the page again — at its
fields for a ``FormInvalid``, above the forms otherwise (``errors["form"]``) — with nothing
changed; success flashes ``done`` and goes back to the page. A missing role stays a 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.web.auth import current_actor
from app.web.current import services

# the page again, with this status and these errors
PageAgain = Callable[[int, dict[str, Any]], ResponseReturnValue]


def run_change(action: Callable[..., Any], done: str, endpoint: str, page_again: PageAgain) -> ResponseReturnValue:
    """Run ``action(session, clock, actor)``; see the module's docstring."""
    svc = services()
    try:
        with svc.db.transaction() as session:
            action(session, svc.clock, current_actor())
    except FormInvalid as exc:
        return page_again(422, exc.errors)
    except RuntimeActionError as exc:
        if exc.status_code == 403:
            raise
        return page_again(exc.status_code if exc.status_code != 400 else 422, {"form": str(exc)})
    flash(done, "success")
    return redirect(url_for(endpoint))
