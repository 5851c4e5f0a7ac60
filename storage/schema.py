"""Every table of the schema: import this (not a single models module) for the full metadata."""

from __future__ import annotations

from storage import (
    case_drafts,
    cut_holds,
    domain_models,
    leases,
    models,
    reason_codes,
    sign_in_failures,
    sms_parts,
    workbench_models,
)

metadata = models.Base.metadata

__all__ = ["case_drafts", "cut_holds", "domain_models", "leases", "metadata", "models", "reason_codes",
           "sign_in_failures", "sms_parts", "workbench_models"]
