"""Where the SMSC is and how hard it may be pushed: the ``SMPP_*`` settings (``app.config``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SmppSettings:
    host: str
    port: int = 2775
    system_id: str = ""
    password: str = field(default="", repr=False)  # never in a log line, a repr or an answer
    system_type: str = ""
    source_addr: str = ""  # the sender the customer sees (a service code such as 95598)
    window: int = 10  # submits waiting for their submit_sm_resp at once (the SMSC's window)
    per_second: float = 20.0  # submits started per second at most (the SMSC's throughput limit)
    response_seconds: float = 10.0  # how long a submit waits for its answer (and for the link to be bound)
    enquire_seconds: float = 30.0  # an idle link is checked with enquire_link this often
    reconnect_seconds: float = 2.0  # the first wait before binding again after a drop (doubling to a minute)


def settings_from_config(config: Mapping[str, Any]) -> SmppSettings | None:
    """The SMSC's settings, or None when ``SMPP_HOST`` is not set (the log-only adapter is used)."""
    host = config.get("SMPP_HOST")
    if not host:
        return None
    return SmppSettings(
        host=str(host), port=int(config["SMPP_PORT"]), system_id=str(config["SMPP_SYSTEM_ID"] or ""),
        password=str(config["SMPP_PASSWORD"] or ""), system_type=str(config["SMPP_SYSTEM_TYPE"] or ""),
        source_addr=str(config["SMPP_SOURCE_ADDR"] or ""), window=int(config["SMPP_WINDOW"]),
        per_second=float(config["SMPP_PER_SECOND"]), response_seconds=float(config["SMPP_RESPONSE_SECONDS"]),
        enquire_seconds=float(config["SMPP_ENQUIRE_SECONDS"]),
        reconnect_seconds=float(config["SMPP_RECONNECT_SECONDS"]))
