"""The draft page, ``/processes/<process_id>/drafts/<draft_id>``: the analysts' modeler (bpmn-js with
the properties panel and the browser lint, bundled into ``static/build/modeler.js`` by ``make``).
Analysts edit, save and propose; anyone else signed in sees the diagram and its problems read-only.
The page only draws the shell: its script reads and writes the draft through the JSON API."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Flask, render_template
from flask.typing import ResponseReturnValue

from app.config import PROJECT_ROOT
from app.web.auth import has_any_role, requires
from app.web.modeler_texts import modeler_texts

bp = Blueprint("modeler", __name__)
BUNDLE = PROJECT_ROOT / "app" / "web" / "static" / "build" / "modeler.js"
EDITORS = ("analyst",)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/processes/<process_id>/drafts/<draft_id>")
@requires()
def draft_page(process_id: str, draft_id: str) -> ResponseReturnValue:
    return render_template(
        "modeler/draft.html", process_id=process_id, draft_id=draft_id, can_edit=has_any_role(*EDITORS),
        draft_url=f"/api/drafts/{quote(draft_id, safe='')}", built=BUNDLE.is_file(), texts=modeler_texts())
