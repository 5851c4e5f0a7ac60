"""Workflows kept in memory between steps, so the next step of the same instance skips the load.

The database stays the truth: every step still saves the full state. An entry is valid only
for the row revision it was saved at (another process's step bumps the revision), it is
handed out at most once (the taker owns it while it steps), and it is put back only after the
step's transaction committed — a failed step never leaves a half-changed workflow behind.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from SpiffWorkflow.bpmn import BpmnWorkflow


class LiveWorkflows:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[int, tuple[int, BpmnWorkflow]] = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def take(self, instance_id: int, revision: int) -> BpmnWorkflow | None:
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None and entry[0] == revision:
                self.hits += 1
                return entry[1]
            self.misses += 1
            return None

    def keep(self, instance_id: int, revision: int, workflow: BpmnWorkflow) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries[instance_id] = (revision, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
