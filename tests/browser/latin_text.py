"""What counts as English left on a Chinese page: a run of two or more Latin-script words that are
not, each of them, a token the page may show as it is — ids, numbers, names, abbreviations
everyone reads (``ALLOWED``). The list is explicit: a new token is added here on purpose, never
skipped in bulk."""

from __future__ import annotations

import re

# Words an operator reads as they are on a Chinese page: product and standard names, units, and
# the seeded people's usernames (split at the hyphen, as the scan reads words).
ALLOWED = frozenset({
    "relayflow", "BPMN", "SMS", "AMI", "CSV", "JSON", "API", "ID", "HES", "DL", "T", "ISO",
    "reader", "rui", "li", "ann", "bo", "erin", "sam", "ana", "walker", "root",  # usernames (tests.utility)
    "UTC", "min", "h", "d", "s", "yuan",
})
WORD = r"[A-Za-z][A-Za-z']*"
RUN = re.compile(rf"{WORD}(?:[ \t]*[,;:/]?[ \t]+{WORD})+")
ID_LIKE = re.compile(r"[A-Za-z]*\d[\w.:-]*")  # S01, P-12, 3400000011, v2, sha 1f3a...


def english_runs(text: str, allowed: frozenset[str] = ALLOWED) -> list[str]:
    """The runs of two or more consecutive Latin words in ``text`` (words joined by spaces, maybe a
    comma or colon) left after the allowed tokens and id-like tokens are taken out."""
    found: list[str] = []
    for line in text.splitlines():
        cleaned = ID_LIKE.sub(" ", line)
        for match in RUN.finditer(cleaned):
            words = re.findall(WORD, match.group())
            run: list[str] = []
            for word in [*words, ""]:
                if word and word not in allowed:
                    run.append(word)
                    continue
                if len(run) >= 2:
                    found.append(" ".join(run))
                run = []
    return found
