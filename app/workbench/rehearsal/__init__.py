"""Rehearsal (issue 12 item 5): how the cases the utility actually ran would have gone under a
draft. Each recorded case is fed to a fresh workflow of the draft through the same inputs and
named actions replay uses (``app.audit.replay.inputs``, ``app.runtime.actions``) — ``case`` —
on the rehearsal's own clock (``schedule``), its service calls answered from the case
(``answers``); the result is judged by the effects model (``effects``, ``verdict``) and summed up
in words and counts (``summary``). ``runs`` is the worker's side: queued runs, progress, results.

It lives in the workbench, beside the drafts it rehearses: it depends on the audit's recorded
cases and replay inputs, and the audit knows nothing of drafts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from app.audit.replay.recorded import RecordedCase
from app.runtime.deployment.check import check_files
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.engine.state import SpecPair
from app.workbench.rehearsal.case import CaseRehearsal
from app.workbench.rehearsal.verdict import CaseVerdict, judge

__all__ = ["CaseVerdict", "DraftSpecs", "draft_specs", "rehearse_case"]


class DraftSpecs:
    """A draft's process, checked by the deploy's own check and parsed once for every case."""

    def __init__(self, specs: SpecPair, environment: RestrictedEnvironment) -> None:
        self.specs, self.environment = specs, environment

    def rehearse(self, case: RecordedCase, deployed: SpecPair | None = None) -> CaseVerdict:
        """The case on the draft; given the specs it ran on, also the decisions whose answer moves."""
        return judge(case, CaseRehearsal(case, self.specs, self.environment, deployed).run())


def draft_specs(files: Mapping[str, bytes], process_id: str, *, operators: Collection[str],
                roles: Collection[str], validators: Collection[str] | None) -> SpecPair:
    """The process's specs from a draft's files — ``DeployError`` if the deploy would refuse them,
    ``LookupError`` if no file defines the process."""
    for bundle in check_files(files, operators=operators, roles=roles, validators=validators):
        if process_id in bundle.process_ids:
            return bundle.parser.get_spec(process_id), bundle.parser.get_subprocess_specs(process_id)
    raise LookupError(f"no file of the draft defines the process {process_id!r}")


def rehearse_case(case: RecordedCase, specs: SpecPair, environment: RestrictedEnvironment) -> CaseVerdict:
    return DraftSpecs(specs, environment).rehearse(case)
