"""The restoration clocks page (issue 16 item 3): every open reconnection's clock with the time
left, the most urgent first, breached ones marked; and the latest closed clocks, met or breached.
Read-only; supervisors (approvers), system administrators and auditors. The reading is
``app.usecases.restoration_clocks``."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask.typing import ResponseReturnValue

from app.usecases import restoration_clocks
from app.web.auth import requires
from app.web.current import services

bp = Blueprint("restoration_clocks", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/restoration-clocks")
@requires(*restoration_clocks.ROLES)
def page() -> ResponseReturnValue:
    svc = services()
    with svc.db.reading() as session:
        view = restoration_clocks.clocks(session, svc.clock.now())
    return render_template("restoration_clocks/page.html", view=view)
