"""Canonical JSON: one byte sequence per value, for hashes, idempotency keys and stored inputs."""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def json_safe(value: object) -> Any:
    """The value as it will read back from a JSON column (tuples → lists, dates → ISO text)."""
    return json.loads(canonical_json(value))


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # no JSON column (nor UTF-8) can hold these


def storable(value: object) -> Any:
    """``value`` with what neither a JSON column nor a hash can take made visible: NUL and unpaired
    surrogates as their ``\\uXXXX`` escapes, NaN and infinities as text (``'nan'``, ``'inf'``).
    For recording input as it was sent, refused input included; callers bound its nesting."""
    if isinstance(value, str):
        return UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
