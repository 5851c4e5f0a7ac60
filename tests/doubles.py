"""Test doubles: tiny hand-written handlers and adapters that record what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.runtime.contract import ServiceContext


@dataclass
class RecordingAdapter:
    """An outbox adapter that remembers every send (and can be told to fail)."""

    sent: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    failures_left: int = 0

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        if self.failures_left > 0:
            self.failures_left -= 1
            raise ConnectionError("gateway unreachable")
        self.sent.append((payload, idempotency_key))
        return {"accepted": True}


@dataclass
class TestHandlers:
    """The operators the test diagrams in tests/bpmn call."""

    __test__ = False
    flaky_failures: int = 0
    bad_replies: int = 0
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def notify(self, ctx: ServiceContext, text: str) -> dict[str, Any]:
        self.calls.append(("test.notify", {"text": text}))
        key = ctx.send("sms", {"text": text})
        return {"queued": key}

    def command(self, ctx: ServiceContext, target: str) -> dict[str, Any]:
        self.calls.append(("test.command", {"target": target}))
        command_id = f"CMD-{ctx.instance_id}-{target}"
        ctx.send("headend", {"target": target, "command_id": command_id})
        ctx.set_attribute("target", target)
        return {"command_id": command_id}

    def flaky(self, ctx: ServiceContext) -> dict[str, Any]:
        self.calls.append(("test.flaky", {}))
        if self.flaky_failures > 0:
            self.flaky_failures -= 1
            raise ConnectionError("billing system timed out")
        return {"answer": 42}

    def reply(self, ctx: ServiceContext) -> dict[str, Any]:
        """Succeeds (and queues an effect) but answers with a key the diagram cannot use at first."""
        self.calls.append(("test.reply", {}))
        ctx.send("sms", {"text": "asked"})
        if self.bad_replies > 0:
            self.bad_replies -= 1
            return {"key": "b"}
        return {"key": "a"}

    def sum_batch(self, ctx: ServiceContext, batch_id: int) -> dict[str, Any]:
        """Reads a batch's results by its id, as a handler does when the done message carries none."""
        self.calls.append(("test.sum_batch", {"batch_id": batch_id}))
        results = ctx.batch_results(batch_id)
        return {"total": sum(child["result"]["doubled"] for child in results), "count": len(results),
                "first": [child["data"]["n"] for child in results[:3]]}

    def table(self) -> dict[str, Any]:
        return {"test.notify": self.notify, "test.command": self.command, "test.flaky": self.flaky,
                "test.reply": self.reply, "test.sum_batch": self.sum_batch}


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)
