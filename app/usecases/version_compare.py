"""Compare two versions of a process (issue 12 item 4): each side is a deployed version (``v3``,
``version:3``) or a draft revision (``r12``, ``revision:12``). Both sides' files are read from the
database and parsed by the deploy's own code; the comparison is ``app.runtime.compare``'s, and
the decision tables' (rule by rule) ``app.runtime.decision_compare``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from sqlalchemy.orm import Session

from app.runtime.compare import Comparison, Specs, bundle_specs, compare_specs
from app.runtime.decision_compare import TableDiff, compare_tables, decision_tables
from app.runtime.deployment.bpmn_source import DeployError, read_bpmn
from app.runtime.engine.parsing import process_ids_defined
from app.runtime.errors import NotFound, RuntimeActionError
from app.translations import N_, Text
from storage import drafts, version_moves
from storage.deployments import stored_files

_REF = re.compile(r"(?:v|version:)(?P<version>\d{1,9})|(?:r|revision:)(?P<revision>\d{1,12})")
REF_HELP = "v<version> (a deployed version) or r<revision> (a draft revision), e.g. v3 or r12"


class RefInvalid(RuntimeActionError):
    """A side that names nothing comparable, or a draft that does not parse (its problems listed)."""

    status_code = 422

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class Side:
    """One side of a comparison: what it is, its files, and the diagram of the process."""

    ref: str
    kind: str  # "version" or "revision"
    number: int
    files: dict[str, bytes]
    diagram_file: str
    diagram_xml: str


@dataclass(frozen=True)
class VersionComparison:
    process_id: str
    a: Side
    b: Side
    comparison: Comparison
    tables: tuple[TableDiff, ...] = ()  # the decision tables that differ


def compare(session: Session, process_id: str, a: str, b: str) -> VersionComparison:
    """``a`` and ``b`` compared; ``NotFound`` for a side that does not exist, ``RefInvalid`` for a
    side that is not written as a ref or whose files do not parse (with the deploy's problems)."""
    side_a, side_b = read_side(session, process_id, a, "a"), read_side(session, process_id, b, "b")
    return VersionComparison(process_id, side_a, side_b, compare_specs(_specs(side_a, "a"), _specs(side_b, "b")),
                             compare_tables(decision_tables(side_a.files), decision_tables(side_b.files)))


def read_side(session: Session, process_id: str, ref: str, name: str) -> Side:
    found = _REF.fullmatch((ref or "").strip())
    if found is None:
        raise RefInvalid(f"{name} must be {REF_HELP}, not {ref[:40]!r}")
    if found["version"] is not None:
        number = int(found["version"])
        version = version_moves.version_by_number(session, process_id, number)
        if version is None:
            raise NotFound(Text(N_("{name}: process {process} has no version {number}"), name=name,
                                process=repr(process_id), number=number))
        files = {stored.name: stored.data for stored in stored_files(session, version.deployment_id)}
        return _side(f"v{number}", "version", number, files, process_id, name)
    number = int(found["revision"])
    files_of_revision = drafts.revision_files(session, number)
    if files_of_revision is None or drafts.revision_process_id(session, number) != process_id:
        raise NotFound(Text(N_("{name}: process {process} has no draft revision {number}"), name=name,
                            process=repr(process_id), number=number))
    return _side(f"r{number}", "revision", number, files_of_revision, process_id, name)


def _side(ref: str, kind: str, number: int, files: dict[str, bytes], process_id: str, name: str) -> Side:
    for file_name, data in sorted(files.items()):
        try:
            tree = read_bpmn(file_name, data)
        except DeployError as error:
            raise RefInvalid(f"{name} ({ref}) cannot be read", [str(p) for p in error.problems]) from None
        if process_id in process_ids_defined(tree):
            return Side(ref, kind, number, files, file_name, etree.tostring(tree, encoding="unicode"))
    raise RefInvalid(f"{name} ({ref}) has no file that defines the process {process_id!r}")


def _specs(side: Side, name: str) -> Specs:
    try:
        return bundle_specs(side.files)
    except DeployError as error:
        raise RefInvalid(f"{name} ({side.ref}) does not parse; its problems are listed",
                         [str(p) for p in error.problems]) from None
