"""The JSON API of comparing versions (everyone signed in) and moving running cases between
versions (system administrators); its models are ``app.web.api_models.versions``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from app.runtime.migration import Blocker
from app.runtime.steps.moving import Candidate, DryRun, MoveOutcome, Mover
from app.usecases.version_compare import RefInvalid, VersionComparison, compare
from app.web.api_models import versions as models
from app.web.api_operation import Reply, operation
from app.web.auth import current_actor, requires
from app.web.current import services
from app.web.i18n import diagram_labels
from app.web.version_labels import block_message, property_label

bp = Blueprint("versions_api", __name__)
MOVERS = "sysadmin"


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.errorhandler(RefInvalid)
def ref_invalid(exc: RefInvalid) -> ResponseReturnValue:
    errors = {f"problem {n}": problem for n, problem in enumerate(exc.problems[:20], 1)}
    return jsonify(error=str(exc), errors=errors), exc.status_code


def mover() -> Mover:
    """The app's mover (its version diffs are kept between calls)."""
    found = current_app.extensions.get("relayflow.mover")
    if found is None:
        found = current_app.extensions["relayflow.mover"] = Mover(services().runtime)
    return found  # type: ignore[no-any-return]


@bp.get("/api/processes/<process_id>/compare")
@requires()
@operation("Compare two versions of a process: a deployed version (v3) or a draft revision (r12) each",
           query=models.CompareArgs, refuses=(404, 422),
           description="Added, removed and changed elements per process (SpiffWorkflow's spec diff), each "
                       "changed property old → new, both diagrams and the element ids to colour on each.",
           replies={200: Reply("the comparison", models.VersionComparison)})
def compare_json(process_id: str, query: models.CompareArgs) -> ResponseReturnValue:
    with services().db.reading() as session:
        found = compare(session, process_id, query.a, query.b)
    return comparison_json(found, query.labels)


@bp.post("/api/processes/<process_id>/moves/dry-run")
@requires(MOVERS)
@operation("Which running instances of one version could move to another, and why not (system administrators)",
           body=models.MoveVersions, refuses=(404, 422), replies={200: Reply("every active instance of "
                                                                             "from_version", models.DryRun)})
def dry_run_json(process_id: str, body: models.MoveVersions) -> ResponseReturnValue:
    return dry_run_to_json(mover().dry_run(process_id, body.from_version, body.to_version, current_actor()))


@bp.post("/api/processes/<process_id>/moves")
@requires(MOVERS)
@operation("Move running instances from one version to another, each in its own transaction (system "
           "administrators)", body=models.MoveRequest, refuses=(404, 422),
           description="Each instance is locked and checked again; one that cannot move is reported with why "
                       "and left as it was. A moved instance's history records instance.moved (from, to, who, why).",
           replies={200: Reply("what became of each instance", models.MoveResult)})
def move_json(process_id: str, body: models.MoveRequest) -> ResponseReturnValue:
    outcomes = mover().move(process_id, body.from_version, body.to_version, body.instance_ids, body.reason,
                            current_actor())
    moved = sum(outcome.moved for outcome in outcomes)
    return {"process_id": process_id, "from_version": body.from_version, "to_version": body.to_version,
            "moved": moved, "not_moved": len(outcomes) - moved, "outcomes": [outcome_json(o) for o in outcomes]}


def comparison_json(found: VersionComparison, labels: str) -> dict[str, Any]:
    def side(which: Any) -> dict[str, Any]:
        return {"ref": which.ref, "kind": which.kind, "number": which.number, "file": which.diagram_file,
                "xml": diagram_labels(which.diagram_xml, labels)}

    comparison = found.comparison
    return {
        "process_id": found.process_id, "a": side(found.a), "b": side(found.b),
        "elements": [{"process_id": e.process_id, "element_id": e.element_id, "name": e.name, "kind": e.kind.value,
                      "element_type": e.element_type, "changes": [
                          {"property": c.name, "label": property_label(c.name), "old": c.old, "new": c.new}
                          for c in e.changes]} for e in comparison.elements],
        "markers_a": comparison.markers("a"), "markers_b": comparison.markers("b"),
        "processes_added": list(comparison.processes_added), "processes_removed": list(comparison.processes_removed),
        "tables": [asdict(table) for table in found.tables],
    }


def refusal_json(blocker: Blocker) -> dict[str, Any]:
    return {"reason": blocker.reason.value, "element_id": blocker.element_id, "detail": blocker.detail,
            "message": block_message(blocker)}


def candidate_json(candidate: Candidate) -> dict[str, Any]:
    return {"instance_id": candidate.instance_id, "status": candidate.status,
            "created_at": candidate.created_at.isoformat(), "started_by": candidate.started_by,
            "positions": list(candidate.positions), "can_move": candidate.can_move,
            "refusals": [refusal_json(b) for b in candidate.blockers]}


def dry_run_to_json(dry: DryRun) -> dict[str, Any]:
    return {"process_id": dry.source.process_id, "from_version": dry.source.version,
            "to_version": dry.target.version, "total": len(dry.candidates),
            "movable": sum(c.can_move for c in dry.candidates),
            "candidates": [candidate_json(c) for c in dry.candidates]}


def outcome_json(outcome: MoveOutcome) -> dict[str, Any]:
    return {"instance_id": outcome.instance_id, "moved": outcome.moved,
            "refusals": [refusal_json(b) for b in outcome.blockers], "error": outcome.error}
