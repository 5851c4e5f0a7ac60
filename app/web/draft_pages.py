"""Application drafts (issue 13 item 6): a case started from 新建申请 is its author's draft until the
application is first sent on (the start event's ``draft_until``, bpmn/disconnect.bpmn). Its author
sees it on the start page and may discard it; the discard is recorded in the case's history (who,
when) and no running case is left behind. Nobody else sees a draft in their inbox, list or report."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.web import current
from app.web.api_models.base import NoFields
from app.web.api_operation import operation
from app.web.auth import current_actor, requires
from app.web.case_outcome import case_message
from app.web.instances_api import STATE, instance_state
from storage.case_drafts import Draft, drafts_of, open_draft

bp = Blueprint("draft_pages", __name__)
MAX_DRAFTS = 50


def register(app: Flask) -> None:
    app.register_blueprint(bp)


def drafts_for(session: Session, actor: Actor, process_id: str) -> list[Draft]:
    """The person's own drafts of ``process_id``, newest first."""
    return drafts_of(session, actor.name, process_id, limit=MAX_DRAFTS)


def is_own_draft(session: Session, instance_id: int, actor: Actor) -> bool:
    """Whether the case is this person's draft (its task page then offers to discard it)."""
    draft = open_draft(session, instance_id)
    return draft is not None and draft.author == actor.name


@bp.post("/cases/<int:instance_id>/discard")
@requires()
def discard(instance_id: int) -> ResponseReturnValue:
    """Its author discards a draft (the runtime refuses anyone else, and a case already sent on)."""
    current.services().runtime.discard_draft(instance_id, current_actor())
    flash(case_message(instance_id, lambda case: _("{case}: draft discarded.").format(case=case)), "success")
    return redirect(url_for("task_forms.start_disconnection"), code=303)


@bp.post("/api/cases/<int:instance_id>/discard")
@requires()
@operation("Discard your own draft: a case started (POST /api/disconnections) but never sent on",
           description="Only its author may discard a draft (403 for anyone else); a case sent on is no draft "
                       "(409). The discard is recorded in the case's history as a termination, with who and when.",
           body=NoFields, body_required=False, replies=STATE, refuses=(404, 409))
def api_discard(instance_id: int, body: NoFields) -> ResponseReturnValue:
    current.services().runtime.discard_draft(instance_id, current_actor())
    return instance_state(instance_id)
