"""Every stored value the customer pages show has a label, and every label its Chinese: a new
notice type, criterion or status added elsewhere must not appear as a raw code on a page."""

from __future__ import annotations

from app.archive.lookups import REPORT_FILTERS
from app.archive.screening_view import CRITERIA
from app.web.value_labels import VALUE_LABELS
from handlers.headend import ACTIONS, STAGES
from handlers.sms import TEMPLATES
from storage.domain_models import NOTICE_TYPES, PROTECTED_KINDS
from storage.statuses import InstanceStatus, PowerStatus
from tests.web.catalog_support import chinese


def test_every_value_the_pages_show_has_a_label() -> None:
    expected = {
        "notice": set(NOTICE_TYPES), "sms_notice": set(TEMPLATES), "only": set(REPORT_FILTERS),
        "criterion": {rule for rule, _ in CRITERIA}, "reason": {reason for _, reason in CRITERIA},
        "power": set(PowerStatus), "action": set(ACTIONS), "protected": set(PROTECTED_KINDS),
        "instance_status": set(InstanceStatus),
    }
    for kind, values in expected.items():
        assert values <= set(VALUE_LABELS[kind]), (kind, values - set(VALUE_LABELS[kind]))
    assert set(STAGES) <= set(VALUE_LABELS["command_status"])


def test_every_value_label_has_its_chinese() -> None:
    missing = sorted({label for labels in VALUE_LABELS.values() for label in labels.values()} - set(chinese()))
    assert missing == []
