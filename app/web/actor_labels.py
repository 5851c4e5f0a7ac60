"""Who did a step, as a person reads it: a person by their username, the machine's own parts by
what they are ("巡检（系统）" for ``system:patrol``). The one way the pages name an actor."""

from __future__ import annotations

from flask_babel import gettext as _

from app.translations import N_

SYSTEM_PREFIX = "system:"
SYSTEM_PARTS = {
    "patrol": N_("Patrol (system)"), "billing": N_("Billing (system)"), "headend": N_("Head-end (system)"),
    "scheduler": N_("Scheduler (system)"), "runtime": N_("Process engine (system)"),
    "children": N_("Batch (system)"), "outbox": N_("Outbox (system)"), "worker": N_("Worker (system)"),
}


def actor_label(actor: str | None) -> str:
    """``system:patrol`` → "Patrol (system)" in the reader's language; a person's name as it is; an
    unknown machine part by its name with "(system)"."""
    if not actor:
        return ""
    if actor == "system":
        return _("System")
    if not actor.startswith(SYSTEM_PREFIX):
        return actor
    part = actor.removeprefix(SYSTEM_PREFIX)
    known = SYSTEM_PARTS.get(part)
    return _(known) if known else _("{part} (system)").format(part=part or _("System"))
