"""The sysadmin's page of reason codes (issue 16 item 7): the disconnection reasons and the
cancelled-cut codes — add, rename, retire or bring back — and which code each not-cut cause is
counted under. The rules are in ``app.usecases.reason_codes``; a refusal is shown on the page, at
its field where it has one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.usecases import reason_codes
from app.web.auth import requires
from app.web.current import services
from app.web.page_actions import run_change
from app.web.reason_labels import cancelled_cut_label, reason_code_label
from storage.reason_codes import KINDS

bp = Blueprint("reason_codes", __name__)
ROLES = reason_codes.ROLES


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(reason_code_label=reason_code_label, cancelled_cut_label=cancelled_cut_label)


def _page(status: int = 200, errors: dict[str, Any] | None = None, target: str = "") -> ResponseReturnValue:
    with services().db.reading() as session:
        view = reason_codes.overview(session)
    return render_template("reason_codes/page.html", view=view, kinds=KINDS, form=request.form, errors=errors or {},
                           target=target), status


def _act(action: Any, done: str, target: str = "") -> ResponseReturnValue:
    """Run ``action(session, clock, actor)``; a refusal shows the page again at ``target``'s form."""
    return run_change(action, done, "reason_codes.page", lambda status, errors: _page(status, errors, target))


@bp.get("/reason-codes")
@requires(*ROLES)
def page() -> ResponseReturnValue:
    return _page()


@bp.post("/reason-codes")
@requires(*ROLES)
def add() -> ResponseReturnValue:
    form = request.form
    return _act(lambda s, c, a: reason_codes.add_code(s, c, a, kind=form.get("kind", ""), code=form.get("code"),
                                                      label_en=form.get("label_en"), label_zh=form.get("label_zh")),
                _("Reason code added."), "add")


@bp.post("/reason-codes/<kind>/<code>/rename")
@requires(*ROLES)
def rename(kind: str, code: str) -> ResponseReturnValue:
    form = request.form
    return _act(lambda s, c, a: reason_codes.rename_code(s, c, a, kind, code, label_en=form.get("label_en"),
                                                         label_zh=form.get("label_zh")),
                _("Reason code renamed."), f"{kind}/{code}")


@bp.post("/reason-codes/<kind>/<code>/retire")
@requires(*ROLES)
def retire(kind: str, code: str) -> ResponseReturnValue:
    return _act(lambda s, c, a: reason_codes.retire_code(s, c, a, kind, code), _("Reason code retired."))


@bp.post("/reason-codes/<kind>/<code>/restore")
@requires(*ROLES)
def restore(kind: str, code: str) -> ResponseReturnValue:
    return _act(lambda s, c, a: reason_codes.retire_code(s, c, a, kind, code, retired=False),
                _("Reason code in use again."))


@bp.post("/reason-codes/causes")
@requires(*ROLES)
def map_cause() -> ResponseReturnValue:
    form = request.form
    return _act(lambda s, c, a: reason_codes.map_cause(s, c, a, form.get("cause"), form.get("cut_code")),
                _("Cause mapped."), "cause")
