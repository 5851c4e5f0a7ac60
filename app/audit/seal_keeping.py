"""What the database does not hold: the key that signs seals and the append-only anchor file.

Keep both where the database's administrators cannot write (another host, a WORM volume, an
export shipped elsewhere): then rewriting or deleting history — even whole instances, even
with the seals — shows, because the anchor still lists what was sealed and only the key can
sign a new seal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SealKeyMissing(Exception):
    pass


class AnchorUnreadable(Exception):
    pass


@dataclass(frozen=True)
class SealKey:
    secret: bytes

    @classmethod
    def load(cls, path: Path, *, create: bool = False) -> SealKey:
        if not path.exists():
            if not create:
                raise SealKeyMissing(f"the seal key {path} is missing: seals cannot be checked without it")
            _create_key(path)
        return cls(bytes.fromhex(path.read_text().strip()))

    def sign(self, digest: str) -> str:
        return hmac.new(self.secret, digest.encode(), hashlib.sha256).hexdigest()

    def signed(self, digest: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(digest), signature)


def _create_key(path: Path) -> None:
    """Write a new key whole, then link it into place: a worker racing us either links first (and
    we use its key) or reads ours complete — never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    with open(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(secrets.token_hex(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


@dataclass(frozen=True)
class AnchorReading:
    """The anchor file as read at one moment: its entries, or why it could not be read."""

    path: Path
    entries: list[tuple[int, dict[str, Any]]]
    unreadable: str | None = None


@dataclass(frozen=True)
class AnchorFile:
    """One JSON line per seal, only ever appended (and flushed to disk before we go on)."""

    path: Path

    def entries(self) -> list[tuple[int, dict[str, Any]]]:
        """(line number, entry) for every line; ``AnchorUnreadable`` names a damaged line."""
        if not self.path.exists():
            return []
        found = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                int(entry["n"]), str(entry["hash"])
            except (ValueError, KeyError, TypeError) as exc:
                raise AnchorUnreadable(f"{self.path} line {number} is not a seal anchor: {exc}") from None
            found.append((number, entry))
        return found

    def read(self) -> AnchorReading:
        """The entries now, with a damaged line as a value rather than an exception."""
        try:
            return AnchorReading(self.path, self.entries())
        except AnchorUnreadable as exc:
            return AnchorReading(self.path, [], str(exc))

    def append(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            for entry in entries:
                out.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
