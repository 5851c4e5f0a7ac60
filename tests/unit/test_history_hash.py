"""The hash of a history event covers every field and the previous hash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.runtime.canonical import canonical_json, json_safe
from app.runtime.events.history import GENESIS_HASH, event_hash, hashed_content

ROW = {"stream": "instance/1", "seq": 1, "instance_id": 1, "type": "task.completed", "element_id": "review",
       "actor": "ann", "deployment_id": 3, "at": datetime(2026, 3, 2, 9, tzinfo=UTC),
       "data": {"decision": "approve"}, "prev_hash": GENESIS_HASH}


def test_the_same_content_gives_the_same_hash_whatever_the_key_order() -> None:
    reordered = dict(reversed(list(ROW.items())))
    assert event_hash(hashed_content(ROW)) == event_hash(hashed_content(reordered))


@pytest.mark.parametrize("field", ["stream", "seq", "type", "element_id", "actor", "deployment_id", "data",
                                   "prev_hash", "at"])
def test_changing_any_field_changes_the_hash(field: str) -> None:
    changed = dict(ROW)
    changed[field] = {"at": datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC), "seq": 2, "deployment_id": 4,
                      "data": {"decision": "reject"}}.get(field, "x")
    assert event_hash(hashed_content(changed)) != event_hash(hashed_content(ROW))


def test_canonical_json_is_compact_sorted_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": "停电"}) == '{"a":"停电","b":1}'
    assert json_safe({"t": (1, 2), "d": datetime(2026, 1, 1, tzinfo=UTC)}) == {
        "t": [1, 2], "d": "2026-01-01T00:00:00+00:00"}
