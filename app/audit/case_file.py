"""An auditor's case file (issue 5): one instance's whole history stream with its hash chain, the
deployment it ran on (every file, byte for byte, with its SHA-256 and the bundle hash), and what
verifying it found — the chain re-computed (``history.verify_stream``) and the replay's verdict
(``app.audit.replay``). The exported document is what ``app/audit/standalone/verify_case.py`` checks with no
access to our database; ``docs/verifying-a-case-file.md`` describes it. Exporting is recorded in
the ``audit`` history stream. No Flask here: the web layer calls these."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.audit.case_timeline import DataNames, EventRecord, Timeline, data_names, element_names, timeline
from app.audit.replay import replay_instance
from app.audit.seals import seal_document
from app.runtime.deployment.bpmn_source import DeployError, read_bpmn
from app.runtime.deployment.deploy import bundle_hash
from app.runtime.events.history import GENESIS_HASH, NewEvent, append, hashed_content, instance_stream, verify_stream
from app.runtime.reading.instance_detail import require_record
from app.runtime.reading.instance_diagram import diagram_of
from app.runtime.steps.core import StepRunner
from storage import history_audit
from storage.db import Database
from storage.deployments import StoredFile, bundle_hash_of, stored_files
from storage.instance_records import InstanceRecord
from storage.instances import attributes_of
from storage.seals import covering_seal

FORMAT = "relayflow-case-file/1"
MOVED = "instance.moved"
AUDIT_STREAM = "audit"
HASHED_FIELDS = ("stream", "seq", "instance_id", "type", "element_id", "actor", "deployment_id", "at", "data",
                 "prev_hash")
CANONICAL_JSON = 'json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), encoded as UTF-8'
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseFile:
    record: InstanceRecord
    attributes: dict[str, str]
    events: list[EventRecord]
    chain: list[dict[str, Any]]  # each event's hashed fields (as hashed) and its hash
    head: tuple[int, str]
    bundle_hash: str
    files: list[StoredFile]
    process_file: str  # the deployed file that defines the instance's process
    seal: dict[str, Any] | None  # the seal naming this stream's last sealed event (None: not sealed yet)

    @property
    def stream(self) -> str:
        return instance_stream(self.record.id)


@dataclass(frozen=True)
class ReplayVerdict:
    verified: bool
    compared: int
    summary: str
    divergence: dict[str, Any] | None = None


@dataclass(frozen=True)
class Verification:
    chain: list[str]  # the stream's broken links (empty: intact)
    files: list[str]  # deployment files whose content no longer matches their hash
    replay: ReplayVerdict

    @property
    def intact(self) -> bool:
        return not self.chain and not self.files

    def as_json(self) -> dict[str, Any]:
        return {"chain": {"intact": not self.chain, "problems": self.chain},
                "deployment_files": {"intact": not self.files, "problems": self.files},
                "replay": asdict(self.replay)}


def read_case(session: Session, instance_id: int) -> CaseFile:
    """The case file of one instance, read in the caller's transaction (NotFound if none)."""
    record = require_record(session, instance_id)
    stream = instance_stream(record.id)
    events, chain = [], []
    for row in history_audit.stream_events(session, stream):
        content = hashed_content({name: getattr(row, name) for name in HASHED_FIELDS})
        chain.append({**content, "hash": row.hash})
        events.append(EventRecord(row.seq, row.type, row.element_id, row.actor, row.at, row.data))
    head = history_audit.instance_head(session, record.id)
    bundle = bundle_hash_of(session, record.deployment_id)
    files = stored_files(session, record.deployment_id)
    process_file = diagram_of(session, record).file_name
    seal = covering_seal(session, stream)
    return CaseFile(record, attributes_of(session, record.id), events, chain, head, bundle, files,
                    process_file, seal_document(seal) if seal is not None else None)


def verify_case(session: Session, case: CaseFile, replay: ReplayVerdict) -> Verification:
    """Re-compute the stream's chain against its head and each deployment file's hash."""
    files = [f"{file.name}: content does not match its sha256" for file in case.files
             if hashlib.sha256(file.data).hexdigest() != file.sha256]
    recomputed = bundle_hash({file.name: file.data for file in case.files})
    if not files and recomputed != case.bundle_hash:
        files.append("the deployment's bundle hash does not match its files")
    return Verification(verify_stream(session, case.stream), files, replay)


def replay_verdict(db: Database, runtime: StepRunner, instance_id: int) -> ReplayVerdict:
    """Replay the instance on its own deployment from the recorded inputs (``app.audit.replay``)."""
    try:
        result = replay_instance(db, runtime, instance_id)
    except Exception as exc:  # a replay that cannot run is a verdict to show, not a server error
        log.exception("replay of instance %s failed", instance_id)
        return ReplayVerdict(False, 0, f"replay could not run: {type(exc).__name__}: {exc}")
    divergence = result.divergence
    return ReplayVerdict(bool(result.verified), int(result.compared), str(result.summary()), None
                         if divergence is None else {"seq": divergence.seq, "expected": divergence.expected,
                                                     "actual": divergence.actual})


def case_timeline(case: CaseFile) -> tuple[Timeline, dict[str, str]]:
    """The slider's frames and the element names, from the process's own deployed file."""
    names, labels = DataNames(), {}
    for file in case.files:
        if file.name == case.process_file:
            try:
                tree = read_bpmn(file.name, file.data)
            except DeployError:  # read the same way at deploy; only a changed row can fail here
                break
            names, labels = data_names(tree), element_names(tree)
    return timeline(case.events, names), labels


def case_document(case: CaseFile, verification: Verification, *, exported_at: datetime,
                  exported_by: str) -> dict[str, Any]:
    """The exported case file (see docs/verifying-a-case-file.md)."""
    record = case.record
    return {
        "format": FORMAT,
        "exported_at": exported_at.isoformat(), "exported_by": exported_by,
        "instance": {
            "id": record.id, "process_id": record.process_id, "process_name": record.process_name,
            "version": record.version, "deployment_id": record.deployment_id, "status": record.status,
            "status_reason": record.status_reason, "started_by": record.started_by,
            "created_at": record.created_at.isoformat(),
            "ended_at": record.ended_at.isoformat() if record.ended_at else None,
            "parent_id": record.parent_id, "attributes": case.attributes},
        "hashing": {"algorithm": "sha256", "fields": list(HASHED_FIELDS), "canonical_json": CANONICAL_JSON,
                    "genesis_prev_hash": GENESIS_HASH},
        "stream": case.stream,
        "events": case.chain,
        "head": {"seq": case.head[0], "hash": case.head[1]},
        "deployment": {"id": record.deployment_id, "bundle_hash": case.bundle_hash,
                       "bundle_hash_rule": "sha256 over, for each file sorted by name: name NUL sha256-hex LF",
                       "files": [_file_document(file) for file in case.files]},
        "seal": case.seal,
        "moves": case_moves(case),
        "verification": verification.as_json(),
    }


def case_moves(case: CaseFile) -> list[dict[str, Any]]:
    """Every move of the case to another version (issue 12 item 7), as its history recorded it:
    when, who, from which version and deployment to which, and why. ``deployment`` above is the one
    it runs on now; the replay checked each move at its recorded point."""
    return [{"seq": event.seq, "at": event.at.isoformat(), "actor": event.actor,
             **{key: event.data.get(key) for key in ("from_version", "to_version", "from_deployment_id",
                                                     "to_deployment_id", "reason")}}
            for event in case.events if event.type == MOVED]


def _file_document(file: StoredFile) -> dict[str, str]:
    """A deployed file in the case file: its text, and its exact bytes (base64) when the analyst
    sent it in another encoding than UTF-8 — the sha256 is of those bytes."""
    document = {"name": file.name, "sha256": file.sha256, "content": file.content}
    if not file.sent_as_utf8:
        document["content_base64"] = base64.b64encode(file.data).decode("ascii")
    return document


def record_export(session: Session, case: CaseFile, verification: Verification, *, what: str,
                  document_sha256: str | None, actor: str, at: datetime) -> None:
    """Who exported which case, as of which head, in which form (in this transaction)."""
    append(session, AUDIT_STREAM, [NewEvent("case.exported", None, {
        "instance_id": case.record.id, "what": what, "head_seq": case.head[0], "head_hash": case.head[1],
        "document_sha256": document_sha256, "chain_intact": verification.intact,
        "replay_verified": verification.replay.verified,
    })], actor=actor, at=at)
