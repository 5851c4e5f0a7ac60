#!/usr/bin/env python3
"""Verify a relayflow case file (the JSON export of one process instance) without relayflow.

    python verify_case.py case.json [--head HASH] [--anchor ANCHOR_FILE]

Python 3.8+ standard library only; it imports nothing from relayflow and needs no database.
It re-computes every event's SHA-256 from its hashed fields (canonical JSON: keys sorted,
separators "," and ":", non-ASCII kept, UTF-8), checks that each event links to the one before
(the first to "0" * 64) and that the sequence numbers run 1, 2, 3... without a gap, checks the
head against the last event (and against ``--head`` when given: a head obtained independently
of this file, e.g. from the audit record of the export), re-computes each deployment file's
SHA-256 and the bundle hash, and checks that every event names that deployment. When the file
carries the seal that covers the case (the installation's global chain), it checks that the seal
names one of the case's events, re-computes the seal's hash, and — with ``--anchor`` — finds that
hash in the installation's append-only anchor file (obtained from whoever keeps it, not from us).

Prints "verified: N events, head #SEQ HASH" and exits 0, or names the first problem and exits 1.
A file that cannot be read as a case file exits 2. See docs/verifying-a-case-file.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = ("stream", "seq", "instance_id", "type", "element_id", "actor", "deployment_id", "at", "data",
                 "prev_hash")
SEALED_FIELDS = ("n", "after_event_id", "through_event_id", "events", "digest", "heads", "at", "prev_hash")
USAGE = "usage: python verify_case.py case.json [--head HASH] [--anchor ANCHOR_FILE]"


class Broken(Exception):
    """The first problem found; its message names the event or file."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(event: dict[str, Any]) -> str:
    """The hash of an event: SHA-256 of the canonical JSON of its hashed fields (prev_hash included)."""
    return sha256_hex(canonical_json({name: event[name] for name in HASHED_FIELDS}))


def file_bytes(file: dict[str, Any]) -> bytes:
    """A deployed file's bytes as the analyst sent them: ``content_base64`` when the file was not
    sent as UTF-8 (ISO-8859-1, UTF-16...), else its ``content`` in UTF-8."""
    if "content_base64" in file:
        return base64.b64decode(file["content_base64"], validate=True)
    return str(file["content"]).encode("utf-8")


def bundle_hash(files: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f["name"]):
        digest.update(f"{file['name']}\0{hashlib.sha256(file_bytes(file)).hexdigest()}\n".encode())
    return digest.hexdigest()


def check_events(case: dict[str, Any]) -> tuple[int, str]:
    """Check the chain; return the last (seq, hash)."""
    stream, prev, seq = case["stream"], GENESIS, 0
    deployment = case["deployment"]["id"]
    for position, event in enumerate(case["events"], start=1):
        missing = [name for name in (*HASHED_FIELDS, "hash") if name not in event]
        if missing:
            raise Broken(f"event {position} in the file lacks {', '.join(missing)}")
        if event["seq"] != position:
            raise Broken(f"{stream}: expected event #{position}, found #{event['seq']} "
                         f"(an event is missing or out of order)")
        if event["stream"] != stream:
            raise Broken(f"{stream}#{position}: belongs to stream {event['stream']!r}")
        if event["prev_hash"] != prev:
            raise Broken(f"{stream}#{position}: previous-hash link broken (does not name event #{position - 1})")
        if event_hash(event) != event["hash"]:
            raise Broken(f"{stream}#{position}: content does not match its hash")
        if event["deployment_id"] not in (None, deployment):
            raise Broken(f"{stream}#{position}: ran on deployment {event['deployment_id']}, "
                         f"the file carries deployment {deployment}")
        prev, seq = event["hash"], position
    return seq, prev


def check_head(case: dict[str, Any], last: tuple[int, str], expected_head: str | None) -> None:
    head = case["head"]
    if (head["seq"], head["hash"]) != last:
        raise Broken(f"{case['stream']}: chain ends at #{last[0]}, head says #{head['seq']} {head['hash']}")
    if expected_head is not None and head["hash"] != expected_head:
        raise Broken(f"{case['stream']}: head #{head['seq']} is {head['hash']}, not the expected {expected_head}")


def check_files(deployment: dict[str, Any]) -> None:
    for file in deployment["files"]:
        if hashlib.sha256(file_bytes(file)).hexdigest() != file["sha256"]:
            raise Broken(f"deployment file {file['name']}: content does not match its sha256")
    if bundle_hash(deployment["files"]) != deployment["bundle_hash"]:
        raise Broken(f"deployment {deployment['id']}: bundle hash does not match its files")


def check_seal(case: dict[str, Any], anchor_lines: list[str] | None) -> str:
    """The seal line of the report; ``Broken`` if the seal does not hold what the file says."""
    seal = case.get("seal")
    if seal is None:
        if anchor_lines is not None:
            raise Broken(f"{case['stream']}: the file carries no seal to look for in the anchor file")
        return "seal: none yet (the case's events are newer than the last seal)"
    stream = case["stream"]
    sealed = seal["heads"].get(stream)
    events = case["events"]
    if sealed is None or not 1 <= sealed[0] <= len(events) or events[sealed[0] - 1]["hash"] != sealed[1]:
        raise Broken(f"seal {seal['n']} does not name an event of {stream} as it is in this file")
    if sha256_hex(canonical_json({name: seal[name] for name in SEALED_FIELDS})) != seal["hash"]:
        raise Broken(f"seal {seal['n']}: content does not match its hash")
    line = f"seal: event #{sealed[0]} is sealed by seal {seal['n']} {seal['hash']}"
    if anchor_lines is None:
        return line + " (give --anchor to find it in the installation's anchor file)"
    for number, text in enumerate(anchor_lines, start=1):
        if text.strip() and json.loads(text).get("n") == seal["n"]:
            if json.loads(text).get("hash") != seal["hash"]:
                raise Broken(f"seal {seal['n']} differs from line {number} of the anchor file")
            return line + f", anchored at line {number}"
    raise Broken(f"seal {seal['n']} is not in the anchor file")


def verify(case: dict[str, Any], expected_head: str | None = None, anchor_lines: list[str] | None = None) -> str:
    """The "verified: ..." line (and the seal's), or ``Broken`` naming the first problem."""
    try:
        last = check_events(case)
        check_head(case, last, expected_head)
        check_files(case["deployment"])
        sealed = check_seal(case, anchor_lines)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise Broken(f"not a case file: missing or malformed {exc}") from exc
    return f"verified: {last[0]} events, head #{last[0]} {last[1]}\n{sealed}"


def _option(args: list[str], name: str) -> tuple[str | None, bool]:
    """Take ``name VALUE`` out of ``args``; (value or None, ok)."""
    if name not in args:
        return None, True
    at = args.index(name)
    if at + 1 >= len(args):
        return None, False
    value = args[at + 1]
    del args[at:at + 2]
    return value, True


def main(argv: list[str]) -> int:
    args = list(argv)
    expected_head, head_ok = _option(args, "--head")
    anchor_path, anchor_ok = _option(args, "--anchor")
    if not (head_ok and anchor_ok) or len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    reading = args[0]
    try:
        with open(reading, encoding="utf-8") as handle:
            case = json.load(handle)
        anchor_lines = None
        if anchor_path is not None:
            reading = anchor_path
            with open(reading, encoding="utf-8") as handle:
                anchor_lines = handle.read().splitlines()
    except (OSError, ValueError) as exc:
        print(f"cannot read {reading}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(case, dict):
        print(f"{args[0]} is not a case file (not a JSON object)", file=sys.stderr)
        return 2
    try:
        print(verify(case, expected_head, anchor_lines))
    except Broken as problem:
        print(f"BROKEN: {problem}")
        return 1
    deployment = case["deployment"]
    print(f"deployment {deployment['id']}: {len(deployment['files'])} file(s) match, "
          f"bundle {deployment['bundle_hash']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
