"""How relayflow's deploy checks answer BPMN files other modelers saved (issue 10 items 9–13).

Every ``*.bpmn`` under FOLDER goes through the deploy's checking phase on its own (read, lint,
parse — nothing is stored) and the script prints how many were accepted or refused, how many
refusals leak library internals (object reprs, raw XML, Python exception names) or have a problem
without a line, and whether anything crashed. The corpus the issue used is the BPMN Model
Interchange Working Group's test suite (831 files):

    fetch github:bpmn-miwg/bpmn-miwg-test-suite  (the search tool), then check out its tree, and
    .venv/bin/python benchmarks/deploy_corpus.py PATH/TO/bpmn-miwg-test-suite [--show 20]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from pathlib import Path

from app.accounts.roles import ROLES
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.deployment.check import check_files
from app.runtime.engine.builtin_operations import BUILTIN_OPERATIONS

LEAK = re.compile(r"<Element|at 0x[0-9a-f]|b'<|\b\w+(Error|Exception)\(|raise_validation|perhaps a form")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--show", type=int, default=10, help="examples of each kind of finding to print")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {"leaks": [], "no line": [], "crashes": []}
    started = time.perf_counter()
    for path in sorted(args.folder.rglob("*.bpmn")):
        try:
            check_files({path.name: path.read_bytes()}, operators=set(BUILTIN_OPERATIONS), roles=ROLES)
            counts["accepted"] += 1
        except DeployError as refused:
            counts["refused"] += 1
            text = str(refused)
            if LEAK.search(text):
                counts["files leaking internals"] += 1
                examples["leaks"].append(f"{path}: {text[:200]}")
            without_line = [p for p in refused.problems if p.line is None]
            counts["problems without a line"] += len(without_line)
            examples["no line"] += [f"{path}: {p}" for p in without_line]
        except Exception as exc:  # what the analyst would see as a traceback
            counts["crashes"] += 1
            examples["crashes"].append(f"{path}: {type(exc).__name__}: {exc}"[:300])
    seconds = time.perf_counter() - started
    print(f"{counts['accepted'] + counts['refused'] + counts['crashes']} files in {seconds:.1f} s")
    for name in ("accepted", "refused", "files leaking internals", "problems without a line", "crashes"):
        print(f"  {name}: {counts[name]}")
    for kind, found in examples.items():
        for line in found[:args.show]:
            print(f"{kind}: {line}")


if __name__ == "__main__":
    main()
