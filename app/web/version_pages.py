"""The compare page (both diagrams side by side, added / removed / changed elements coloured, the
changed properties below; everyone signed in) and the move page (choose versions A and B, see
which running cases can move and why not, select, move with a reason; system administrators).
The JSON API is ``version_api``."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from app.runtime.errors import NotFound, RuntimeActionError
from app.usecases.version_compare import RefInvalid, compare
from app.web import version_api
from app.web.auth import current_actor, requires
from app.web.current import services
from app.web.formatting import local_time
from app.web.instance_common import STATUS_BADGES
from app.web.query_args import url_with_args
from app.web.version_api import MOVERS, mover
from app.web.version_labels import block_message, kind_label, property_label
from storage import version_moves

bp = Blueprint("versions", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    version_api.register(app)


@bp.get("/processes/<process_id>/compare")
@requires()
def compare_page(process_id: str) -> ResponseReturnValue:
    a, b = request.args.get("a", "").strip(), request.args.get("b", "").strip()
    with services().db.reading() as session:
        versions = version_moves.versions_of(session, process_id)
        if not versions:
            raise NotFound(_("No deployed process has the id {id}.").format(id=process_id))
        found, error, problems, status = None, None, [], 200
        if a and b:
            try:
                found = compare(session, process_id, a, b)
            except RefInvalid as invalid:
                error, problems, status = str(invalid), invalid.problems, invalid.status_code
    return render_template("versions/compare.html", process_id=process_id, versions=versions, a=a, b=b,
                           found=found, error=error, problems=problems, property_label=property_label,
                           kind_label=kind_label), status


@bp.get("/processes/<process_id>/moves")
@requires(MOVERS)
def moves_page(process_id: str) -> ResponseReturnValue:
    with services().db.reading() as session:
        versions = version_moves.versions_of(session, process_id)
    if not versions:
        raise NotFound(_("No deployed process has the id {id}.").format(id=process_id))
    chosen_from, chosen_to = _version_arg("from"), _version_arg("to")
    dry = None
    if chosen_from and chosen_to:
        dry = mover().dry_run(process_id, chosen_from, chosen_to, current_actor())
    return render_template("versions/moves.html", process_id=process_id, versions=versions, chosen_from=chosen_from,
                           chosen_to=chosen_to, dry=dry, block_message=block_message, local_time=local_time,
                           badges=STATUS_BADGES)


@bp.post("/processes/<process_id>/moves")
@requires(MOVERS)
def move_selected(process_id: str) -> ResponseReturnValue:
    chosen_from, chosen_to = _version_arg("from_version", form=True), _version_arg("to_version", form=True)
    back = url_with_args(".moves_page", {"from": chosen_from, "to": chosen_to}, process_id=process_id)
    ids = [int(value) for value in request.form.getlist("instance_ids") if value.isdigit()]
    reason = request.form.get("reason", "")
    if not chosen_from or not chosen_to:
        raise RuntimeActionError(_("Choose the version to move from and the version to move to."))
    if not ids:
        flash(_("Select the instances to move."), "warning")
        return redirect(back)
    if not reason.strip():
        flash(_("A reason is required."), "warning")
        return redirect(back)
    outcomes = mover().move(process_id, chosen_from, chosen_to, ids, reason, current_actor())
    moved = [o.instance_id for o in outcomes if o.moved]
    flash(ngettext("{n} instance moved to version {to}.", "{n} instances moved to version {to}.",
                   len(moved)).format(n=len(moved), to=chosen_to), "success" if moved else "warning")
    for outcome in outcomes:
        if not outcome.moved:
            why = "; ".join(block_message(b) for b in outcome.blockers) or outcome.error or ""
            flash(_("Instance {id} was not moved: {why}").format(id=outcome.instance_id, why=why), "warning")
    return redirect(back)


def _version_arg(name: str, *, form: bool = False) -> int | None:
    value = (request.form if form else request.args).get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise RuntimeActionError(_("{name} must be a version number, not {value}").format(name=name,
                                                                                           value=value[:20]))
    return int(value)

