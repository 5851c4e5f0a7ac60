"""One transaction of the durable runtime: the instance rows its steps changed and the work to do
once it has committed; several machine-driven steps share one, each in a savepoint (``grouping``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from storage import instance_rows
from storage.instance_rows import InstanceRow


@dataclass
class Unit:
    """One transaction: the instance rows it changed (saved just before commit) and the work to
    do once it has committed (and only then)."""

    session: Session
    changed: dict[int, InstanceRow] = field(default_factory=dict)
    keep: list[Callable[[], object]] = field(default_factory=list)
    after_commit: list[Callable[[], object]] = field(default_factory=list)

    def save(self, row: InstanceRow) -> None:
        self.changed[row.id] = row

    def write_rows(self) -> None:
        """Write the changed instance rows now (a step's rows belong to its own savepoint)."""
        self.session.flush()
        for row in self.changed.values():
            instance_rows.save(self.session.connection(), row)
        self.changed.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One step of several in this transaction: its writes, rows, cache keeps and follow-ups
        stand or fall together; a failure rolls back this step alone and is raised."""
        self.write_rows()  # what came before stands whatever happens inside
        keep, after_commit = len(self.keep), len(self.after_commit)
        try:
            with self.session.begin_nested():
                yield
                self.write_rows()
        except BaseException:
            self.changed.clear()
            del self.keep[keep:], self.after_commit[after_commit:]
            raise
