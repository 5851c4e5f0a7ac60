"""Field checks several user-task validators share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.runtime.forms import FormContext
from app.translations import N_, Text
from storage import instances


def aware_time(value: Any) -> datetime | None:
    """An ISO-8601 time with a time zone, or None."""
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def event_time_error(form: FormContext, when: datetime, what: Text) -> Text | None:
    """Why ``when`` cannot be the time of ``what`` done in this instance's work: it must lie
    between the instance's start (nothing was ordered before that) and now."""
    started = instances.started_at(form.session, form.instance_id)
    if started.tzinfo is None:  # SQLite hands back naive UTC
        started = started.replace(tzinfo=form.now.tzinfo)
    if when > form.now:
        return Text(N_("the {what} time cannot be in the future"), what=what)
    if when < started:
        return Text(N_("the {what} time cannot be before this order was opened ({opened})"), what=what,
                    opened=started.isoformat(timespec="minutes"))
    return None
