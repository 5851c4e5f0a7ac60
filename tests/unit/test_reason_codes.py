"""Issue 16 item 7: which not-cut cause an ended one-customer flow has — the one rule the pages use
(``storage.reason_codes.not_cut_cause``) and the reports count the same way in SQL — and the
shipped list of codes (the domain notes' SAP disconnection codes 01–04)."""

from __future__ import annotations

from storage.reason_codes import DISCONNECTION, SEEDED_CAUSES, SEEDED_CODES, not_cut_cause


def test_a_cut_or_an_unfinished_flow_has_no_cause() -> None:
    assert not_cut_cause("disconnect_customer", "completed", {"outcome": "disconnected", "how": "remote"}) is None
    assert not_cut_cause("disconnect_customer", "running", None) is None
    assert not_cut_cause("disconnect_customer", "incident", {"outcome": "protected"}) is None


def test_a_flow_that_ended_without_a_cut_has_its_outcome_or_terminated_as_cause() -> None:
    assert not_cut_cause("disconnect_customer", "completed", {"outcome": "paid_before_trip"}) == "paid_before_trip"
    assert not_cut_cause("disconnect_customer", "completed", {"outcome": "not_disconnected", "note": "x"}) \
        == "not_disconnected"
    assert not_cut_cause("disconnect_customer", "terminated", None) == "terminated"
    assert not_cut_cause("disconnect_customer", "completed", None) == ""  # no outcome: counted, as not coded


def test_other_processes_have_no_cut_cause() -> None:
    assert not_cut_cause("disconnect", "terminated", None) is None
    assert not_cut_cause("reconnect", "completed", {"outcome": "reconnected_remote"}) is None


def test_the_shipped_codes_are_the_domain_notes_sap_codes_and_every_cause_has_a_shipped_code() -> None:
    disconnection = {code: english for kind, code, english, _zh in SEEDED_CODES if kind == DISCONNECTION}
    assert disconnection == {"01": "Dunning level reached (arrears)", "02": "Vacancy", "03": "Customer request",
                             "04": "Technical"}
    cancelled = {code for kind, code, *_ in SEEDED_CODES if kind != DISCONNECTION}
    assert {code for _cause, code in SEEDED_CAUSES} <= cancelled
    assert all(zh for *_, zh in SEEDED_CODES)  # every code reads in Chinese too
