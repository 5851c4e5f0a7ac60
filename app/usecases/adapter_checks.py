"""``relayflow check-adapters``: ask each configured outbox adapter whether it works (the head-end
reachable, the SMSC bound, a meter read), without sending anything to anybody."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.runtime.contract import OutboxAdapter


@dataclass(frozen=True)
class AdapterCheck:
    adapter: str
    ok: bool
    detail: str


def check_adapters(adapters: Mapping[str, OutboxAdapter]) -> list[AdapterCheck]:
    """One line per adapter, in name order; an adapter with nothing outside to reach says so."""
    checks = []
    for name in sorted(adapters):
        check = getattr(adapters[name], "check", None)
        if check is None:
            checks.append(AdapterCheck(name, True, "inside relayflow: nothing outside to reach"))
            continue
        try:
            checks.append(AdapterCheck(name, True, str(check())))
        except Exception as exc:  # the reason is the answer, whatever raised it
            checks.append(AdapterCheck(name, False, f"{type(exc).__name__}: {exc}"))
    return checks
