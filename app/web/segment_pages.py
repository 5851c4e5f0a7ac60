"""Meter-reading segments and their readers' / fee collectors' mobiles (M3.1); only a system
administrator sees and changes them (M3.2, ``app.archive.maintenance.READER_PHONE_ROLES``). Each change is
recorded old → new in the archive history by ``app.archive.maintenance.set_reader_phone``; the segment's
page shows that history."""

from __future__ import annotations

from types import EllipsisType
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.archive import maintenance as archive
from app.archive.lookups import find_segment, segments_overview
from app.rules.sms import is_mainland_mobile
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.web.api_models.segments import ReaderPhoneChange, ReaderPhoneOutcome, SegmentDetail, Segments
from app.web.api_operation import Reply, operation
from app.web.auth import current_actor, requires
from app.web.current import services
from app.web.customers import api_json, bp, mobile_refusal
from storage.customer_records import archive_events_about

ROLES = archive.READER_PHONE_ROLES
HISTORY_LIMIT = 100


def _history(session: Session, code: str) -> list[dict[str, Any]]:
    return [{"at": e.at, "type": e.type, "actor": e.actor, "old": e.data.get("old"), "new": e.data.get("new")}
            for e in archive_events_about(session, "segment", code, HISTORY_LIMIT)]


def _segment(session: Session, code: str) -> dict[str, Any]:
    segment = find_segment(session, code)
    customers = next((s["customers"] for s in segments_overview(session) if s["code"] == code), 0)
    return {"code": segment.code, "name": segment.name, "reader_username": segment.reader_username,
            "reader_mobile": segment.reader_mobile, "customers": customers, "history": _history(session, code)}


def _save(code: str, mobile: str, reader: str | EllipsisType | None) -> dict[str, Any]:
    """Save through ``app.archive.maintenance``; a malformed mobile or username is a 422 on its field."""
    svc = services()
    try:
        with svc.db.transaction() as session:
            return archive.set_reader_phone(session, svc.clock, current_actor(), code, mobile or None,
                                            reader_username=reader)
    except RuntimeActionError as exc:
        if exc.status_code != 400:
            raise
        if mobile and not is_mainland_mobile(mobile):
            raise FormInvalid({"reader_mobile": mobile_refusal()}) from None
        raise FormInvalid({"reader_username": str(exc)}) from None


@bp.get("/segments")
@requires(*ROLES)
def segments_page() -> ResponseReturnValue:
    with services().db.reading() as session:
        segments = segments_overview(session)
    return render_template("customers/segments.html", segments=segments)


@bp.get("/segments/<code>")
@requires(*ROLES)
def segment_page(code: str) -> ResponseReturnValue:
    with services().db.reading() as session:
        segment = _segment(session, code)
    return render_template("customers/segment.html", segment=segment, form=segment, errors={})


@bp.post("/segments/<code>")
@requires(*ROLES)
def segment_form(code: str) -> ResponseReturnValue:
    form = {"reader_mobile": request.form.get("reader_mobile", "").strip()[:40],
            "reader_username": request.form.get("reader_username", "").strip()[:64]}
    try:
        outcome = _save(code, form["reader_mobile"], form["reader_username"] or None)
    except FormInvalid as exc:
        with services().db.reading() as session:
            segment = _segment(session, code)
        return render_template("customers/segment.html", segment=segment, form=form, errors=exc.errors), 422
    flash(_("Segment {code} saved.").format(code=code) if outcome["changed"] else _("Nothing to change."), "success")
    return redirect(url_for("customers.segments_page"))


@bp.get("/api/segments")
@requires(*ROLES)
@operation("Meter-reading segments with their reader and the reader's mobile (M3.1; sysadmin)",
           replies={200: Reply("the segments", Segments)})
def api_segments() -> ResponseReturnValue:
    with services().db.reading() as session:
        return api_json({"segments": segments_overview(session)})


@bp.get("/api/segments/<code>")
@requires(*ROLES)
@operation("One segment with the history of its reader and mobile, old → new (M3; sysadmin)",
           replies={200: Reply("the segment", SegmentDetail)}, refuses=(404,))
def api_segment(code: str) -> ResponseReturnValue:
    with services().db.reading() as session:
        return api_json(_segment(session, code))


@bp.post("/api/segments/<code>")
@requires(*ROLES)
@operation("Change a segment's reader mobile (and, if given, its reader) (M3.2; sysadmin). A malformed mobile or "
           "username is a 422 naming the field; null or empty clears", body=ReaderPhoneChange,
           replies={200: Reply("old and new", ReaderPhoneOutcome)}, refuses=(404, 422))
def api_set_segment(code: str, body: ReaderPhoneChange) -> ResponseReturnValue:
    return api_json(_save(code, body.reader_mobile, body.reader()))
