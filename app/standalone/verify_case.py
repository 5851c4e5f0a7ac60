#!/usr/bin/env python3
"""Verify a relayflow case file (the JSON export of one process instance) without relayflow.

    python verify_case.py case.json [--head HASH]

Python 3.8+ standard library only; it imports nothing from relayflow and needs no database.
It re-computes every event's SHA-256 from its hashed fields (canonical JSON: keys sorted,
separators "," and ":", non-ASCII kept, UTF-8), checks that each event links to the one before
(the first to "0" * 64) and that the sequence numbers run 1, 2, 3... without a gap, checks the
head against the last event (and against ``--head`` when given: a head obtained independently
of this file, e.g. from the audit record of the export), re-computes each deployment file's
SHA-256 and the bundle hash, and checks that every event names that deployment.

Prints "verified: N events, head #SEQ HASH" and exits 0, or names the first problem and exits 1.
A file that cannot be read as a case file exits 2. See docs/verifying-a-case-file.md.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = ("stream", "seq", "instance_id", "type", "element_id", "actor", "deployment_id", "at", "data",
                 "prev_hash")


class Broken(Exception):
    """The first problem found; its message names the event or file."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(event: dict[str, Any]) -> str:
    """The hash of an event: SHA-256 of the canonical JSON of its hashed fields (prev_hash included)."""
    return sha256_hex(canonical_json({name: event[name] for name in HASHED_FIELDS}))


def bundle_hash(files: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f["name"]):
        digest.update(f"{file['name']}\0{sha256_hex(file['content'])}\n".encode())
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
        if sha256_hex(file["content"]) != file["sha256"]:
            raise Broken(f"deployment file {file['name']}: content does not match its sha256")
    if bundle_hash(deployment["files"]) != deployment["bundle_hash"]:
        raise Broken(f"deployment {deployment['id']}: bundle hash does not match its files")


def verify(case: dict[str, Any], expected_head: str | None = None) -> str:
    """The "verified: ..." line, or ``Broken`` naming the first problem."""
    try:
        last = check_events(case)
        check_head(case, last, expected_head)
        check_files(case["deployment"])
    except (KeyError, TypeError) as exc:
        raise Broken(f"not a case file: missing or malformed {exc}") from exc
    return f"verified: {last[0]} events, head #{last[0]} {last[1]}"


def main(argv: list[str]) -> int:
    args = list(argv)
    expected_head = None
    if "--head" in args:
        at = args.index("--head")
        if at + 1 >= len(args):
            print("usage: python verify_case.py case.json [--head HASH]", file=sys.stderr)
            return 2
        expected_head = args[at + 1]
        del args[at:at + 2]
    if len(args) != 1:
        print("usage: python verify_case.py case.json [--head HASH]", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as handle:
            case = json.load(handle)
    except (OSError, ValueError) as exc:
        print(f"cannot read {args[0]}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(case, dict):
        print(f"{args[0]} is not a case file (not a JSON object)", file=sys.stderr)
        return 2
    try:
        print(verify(case, expected_head))
    except Broken as problem:
        print(f"BROKEN: {problem}")
        return 1
    deployment = case["deployment"]
    print(f"deployment {deployment['id']}: {len(deployment['files'])} file(s) match, "
          f"bundle {deployment['bundle_hash']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
