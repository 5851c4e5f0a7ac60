"""The sysadmin's page of what holds cuts back (issue 16 items 1 and 5): the global stop, weather
moratoria per segment and the working-day calendar the cut window reads. The rules are in
``app.usecases.cut_holds``; a refusal is shown on the page, at its field where it has one."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.usecases import cut_holds
from app.usecases.cut_holds import active_stop
from app.web.auth import requires
from app.web.current import services
from app.web.page_actions import run_change

bp = Blueprint("cut_holds", __name__)
ROLES = cut_holds.ROLES


def register(app: Flask) -> None:
    app.register_blueprint(bp)


def stop_in_force() -> dict[str, Any] | None:
    """The global stop that holds, for the banner every page shows while it does."""
    with services().db.reading() as session:
        stop = active_stop(session)
        return None if stop is None else {"reason": stop.reason, "set_by": stop.set_by, "set_at": stop.set_at}


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


def _page(status: int = 200, errors: dict[str, Any] | None = None) -> ResponseReturnValue:
    svc = services()
    with svc.db.reading() as session:
        view = cut_holds.overview(session, svc.clock.now())
    return render_template("cut_holds/page.html", view=view, form=request.form, errors=errors or {},
                           kinds=cut_holds.MORATORIUM_KINDS, day_kinds=cut_holds.DAY_KINDS), status


def _act(action: Any, done: str) -> ResponseReturnValue:
    """Run ``action(session, clock, actor)`` in one transaction; a refusal leaves nothing changed."""
    return run_change(action, done, "cut_holds.page", _page)


@bp.get("/cut-holds")
@requires(*ROLES)
def page() -> ResponseReturnValue:
    return _page()


@bp.post("/cut-holds/stop")
@requires(*ROLES)
def set_stop() -> ResponseReturnValue:
    reason = request.form.get("reason", "")
    return _act(lambda s, c, a: cut_holds.set_stop(s, c, a, reason), _("Global stop set: no trip will be sent."))


@bp.post("/cut-holds/stop/lift")
@requires(*ROLES)
def lift_stop() -> ResponseReturnValue:
    reason = request.form.get("lift_reason", "")
    return _act(lambda s, c, a: cut_holds.lift_stop(s, c, a, reason),
                _("Global stop lifted: the held cuts go when the cut window allows them."))


@bp.post("/cut-holds/moratoria")
@requires(*ROLES)
def set_moratorium() -> ResponseReturnValue:
    form = request.form
    return _act(lambda s, c, a: cut_holds.set_moratorium(
        s, c, a, segment_code=form.get("segment_code") or None, kind=form.get("kind", ""),
        starts_on=_day("starts_on"), ends_on=_day("ends_on"), reason=form.get("moratorium_reason")),
        _("Moratorium set."))


@bp.post("/cut-holds/moratoria/<int:moratorium_id>/lift")
@requires(*ROLES)
def lift_moratorium(moratorium_id: int) -> ResponseReturnValue:
    return _act(lambda s, c, a: cut_holds.lift_moratorium(s, c, a, moratorium_id), _("Moratorium lifted."))


@bp.post("/cut-holds/calendar")
@requires(*ROLES)
def set_day() -> ResponseReturnValue:
    form = request.form
    return _act(lambda s, c, a: cut_holds.set_day(s, c, a, _day("day"), form.get("day_kind", ""),
                                                  form.get("holiday_name")), _("Calendar day saved."))


@bp.post("/cut-holds/calendar/seed")
@requires(*ROLES)
def seed() -> ResponseReturnValue:
    return _act(lambda s, c, a: cut_holds.seed_calendar(s, c, a), _("Calendar filled from the kept holiday calendar."))
