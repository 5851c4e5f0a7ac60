"""How a reason code reads on a page (issue 16 item 7): ``01 · Dunning level reached (arrears)`` in
the reader's language (the labels are stored with the code, in English and Chinese, as a sysadmin
keeps them), marked when the code is retired; a code the list does not hold, as it is. The list
is read once per request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g
from flask_babel import gettext as _

from app.web.current import services
from app.web.i18n import current_language
from storage import reason_codes

Labels = dict[tuple[str, str], tuple[str, str, bool]]  # (kind, code) → (English, Chinese, retired)


def _labels() -> Labels:
    if "reason_code_labels" not in g:
        with services().db.reading() as session:
            g.reason_code_labels = {(row.kind, row.code): (row.label_en, row.label_zh, row.retired_at is not None)
                                    for row in reason_codes.codes(session)}
    labels: Labels = g.reason_code_labels
    return labels


def reason_code_label(kind: str, code: str | None) -> str:
    """``code · label`` of a ``disconnection`` or ``cancelled_cut`` code ("" for none)."""
    if not code:
        return ""
    found = _labels().get((kind, code))
    if found is None:
        return code
    english, chinese, retired = found
    text = f"{code} · {chinese if current_language() == 'zh' else english}"
    return _("{code} (retired)").format(code=text) if retired else text


def reason_code_choices(kind: str) -> list[tuple[str, str]]:
    """(code, how it reads) of the codes of ``kind`` in use, for a form's list."""
    return [(code, reason_code_label(kind, code)) for (of, code), (_en, _zh, retired) in _labels().items()
            if of == kind and not retired]


def _causes() -> dict[str, str]:
    if "cut_cause_codes" not in g:
        with services().db.reading() as session:
            g.cut_cause_codes = reason_codes.causes(session)
    causes: dict[str, str] = g.cut_cause_codes
    return causes


def cancelled_cut_label(process_id: str, status: str, result: Mapping[str, Any] | None) -> str:
    """The cancelled-cut code of an ended one-customer flow that did not cut, as it reads ("" for
    any other case); a cause no code counts, as "not coded (cause)"."""
    cause = reason_codes.not_cut_cause(process_id, status, result)
    if cause is None:
        return ""
    code = _causes().get(cause)
    return reason_code_label(reason_codes.CANCELLED_CUT, code) if code else _("not coded ({cause})").format(
        cause=cause or "—")
