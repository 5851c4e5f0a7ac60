"""Issue 13 items 2 and 8 at the seams: a message written below the web layer (``Text``) keeps its
English for logs and the JSON API and reads in Chinese on a Chinese page; a message the data keeps
in English is read again from its template; actors read as people; stored values as words."""

from __future__ import annotations

import json
import pickle

from app.translations import N_, Text, joined, reread
from app.web.data_fields import field_rows, readable_value, with_messages_read
from app.web.value_labels import actor_label
from handlers.disconnection import READER_WARNINGS
from tests.web.conftest import Site

NOT_A_CUSTOMER = N_("no such customer: {numbers}")


def test_a_text_is_english_as_data_and_chinese_when_shown_on_a_chinese_page(site: Site) -> None:
    text = Text(NOT_A_CUSTOMER, numbers="3400000099")
    assert text == "no such customer: 3400000099" and json.dumps({"e": text}) == '{"e": "no such customer: 3400000099"}'
    with site.app.test_request_context("/?lang=zh"):
        assert str(text) == f"{text}" == "以下户号不存在：3400000099"
        assert text.__html__() == "以下户号不存在：3400000099"
        assert str(ValueError(text)) == "以下户号不存在：3400000099"  # an exception's message too
    with site.app.test_request_context("/?lang=en"):
        assert str(text) == "no such customer: 3400000099"
    assert pickle.loads(pickle.dumps(text)) == text and pickle.loads(pickle.dumps(text)).template == NOT_A_CUSTOMER


def test_fields_that_are_texts_or_lists_of_them_read_in_the_same_language(site: Site) -> None:
    nested = Text(N_("the {what} time cannot be in the future"), what=Text(N_("reconnection")))
    listed = joined(Text(role) for role in ("Applicant", "Executor"))
    assert (nested, listed) == ("the reconnection time cannot be in the future", "Applicant / Executor")
    with site.app.test_request_context("/?lang=zh"):
        assert (str(nested), str(listed)) == ("复电时间不能晚于现在", "申请人 / 执行人")
        assert str(Text(N_("protected customers cannot be disconnected: {customers}"),
                        customers=[Text(N_("{number} (protected: {reason})"), number="1", reason="医院")])) == \
            "保电用户不能停电：1（保电：医院）"


def test_a_message_kept_in_english_is_read_again_from_its_template(site: Site) -> None:
    stored = "3400000011: segment S01 belongs to reader-rui"
    again = reread(stored, READER_WARNINGS)
    assert isinstance(again, Text) and again == stored
    assert reread("something else entirely", READER_WARNINGS) == "something else entirely"
    with site.app.test_request_context("/?lang=zh"):
        assert str(again) == "3400000011：抄表段 S01 属于 reader-rui"
        assert with_messages_read({"result": {"reader_warnings": [stored]}}) == \
            {"result": {"reader_warnings": ["3400000011：抄表段 S01 属于 reader-rui"]}}


def test_actors_read_as_people(site: Site) -> None:
    with site.app.test_request_context("/?lang=zh"):
        assert [actor_label(a) for a in ("system:patrol", "system:scheduler", "reader-rui", "system:nightly", None)] \
            == ["巡检（系统）", "定时器（系统）", "reader-rui", "系统（nightly）", ""]
    with site.app.test_request_context("/?lang=en"):
        assert actor_label("system:patrol") == "Patrol (system)"


def test_stored_values_read_as_words_never_as_escaped_json(site: Site) -> None:
    with site.app.test_request_context("/?lang=zh"):
        assert readable_value(True) == "是" and readable_value(None) == "—"
        assert readable_value(["3400000011", "3400000012"]) == "3400000011、3400000012"
        assert readable_value("2026-03-02T01:00:00+00:00") == "2026-03-02 09:00"
        rows = field_rows({"opinion": "同意", "reader_warnings": ["1: segment S01 has no reader"], "other": 3})
        assert rows == [("审批意见", "同意"), ("抄表段提醒", "1：抄表段 S01 没有抄表员"), ("other", "3")]
        assert "\\u" not in str(rows)
