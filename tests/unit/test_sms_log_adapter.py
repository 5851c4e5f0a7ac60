"""The log-only SMS adapter: one JSON line per idempotency key, nothing sent."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from handlers.sms import LogOnlySmsAdapter

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _payload(text: str = "【国网供电】您已恢复供电") -> dict[str, object]:
    return {"to": "13800138000", "text": text, "notice": "reconnected", "segments": 1}


def test_writes_one_json_line_saying_nothing_was_sent(tmp_path: Path) -> None:
    path = tmp_path / "var" / "sms-log-only.jsonl"
    adapter = LogOnlySmsAdapter(path, FixedClock())
    assert adapter.send(_payload("电" * 71), "1:t:sms:reconnected") == {"logged": True, "segments": 2}
    assert _lines(path) == [{
        "key": "1:t:sms:reconnected", "time": NOW.isoformat(), "to": "13800138000", "notice": "reconnected",
        "text": "电" * 71, "segments": 2, "sent": False, "adapter": "log-only: nothing is sent",
    }]


def test_the_same_key_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    adapter = LogOnlySmsAdapter(path, FixedClock())
    adapter.send(_payload(), "k1")
    assert adapter.send(_payload(), "k1") == {"logged": True, "segments": 1}
    adapter.send(_payload(), "k2")
    assert [line["key"] for line in _lines(path)] == ["k1", "k2"]


def test_keys_already_in_the_file_survive_a_new_instance(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    LogOnlySmsAdapter(path, FixedClock()).send(_payload(), "k1")
    again = LogOnlySmsAdapter(path, FixedClock())
    again.send(_payload(), "k1")
    again.send(_payload(), "k2")
    assert [line["key"] for line in _lines(path)] == ["k1", "k2"]


def test_a_line_cut_short_by_a_crash_does_not_spoil_the_next(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    LogOnlySmsAdapter(path, FixedClock()).send(_payload(), "k1")
    with path.open("a", encoding="utf-8") as log:
        log.write('{"key": "k2", "te')
    LogOnlySmsAdapter(path, FixedClock()).send(_payload(), "k2")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in (lines[0], lines[2])] == ["k1", "k2"]


def test_concurrent_sends_of_one_key_write_it_once(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    adapter = LogOnlySmsAdapter(path, FixedClock())
    threads = [threading.Thread(target=adapter.send, args=(_payload(), f"k{i % 3}")) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(line["key"] for line in _lines(path)) == ["k0", "k1", "k2"]
