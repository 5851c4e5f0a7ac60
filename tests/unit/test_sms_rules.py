"""SMS rules: segment counting, mainland mobile numbers, template filling."""

from __future__ import annotations

import pytest

from app.rules.sms import MissingPlaceholderError, is_mainland_mobile, normalize_mainland_mobile, render, segments


@pytest.mark.parametrize(("length", "expected"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_chinese_text_is_ucs2_70_alone_67_per_part(length: int, expected: int) -> None:
    assert segments("电" * length) == expected


@pytest.mark.parametrize(("length", "expected"), [(160, 1), (161, 2), (306, 2), (307, 3)])
def test_plain_ascii_is_gsm7_160_alone_153_per_part(length: int, expected: int) -> None:
    assert segments("a" * length) == expected


def test_the_signature_counts_toward_the_length() -> None:
    body = "电" * 66
    assert segments(body) == 1
    assert segments("【国网供电】" + body) == 2


def test_one_chinese_character_turns_a_long_ascii_text_into_ucs2() -> None:
    assert segments("a" * 100) == 1
    assert segments("a" * 99 + "电") == 2


def test_an_emoji_counts_two_utf16_units_and_forces_ucs2() -> None:
    assert segments("电" * 68 + "😀") == 1
    assert segments("电" * 69 + "😀") == 2
    assert segments("a" * 69 + "😀") == 2


def test_gsm7_extension_characters_cost_two_and_a_backtick_forces_ucs2() -> None:
    assert segments("a" * 158 + "{") == 1
    assert segments("a" * 159 + "{") == 2
    assert segments("a" * 70 + "`") == 2


def test_an_empty_text_is_still_one_message() -> None:
    assert segments("") == 1


@pytest.mark.parametrize("number", [
    "13800138000", "+8613800138000", "8613800138000", "008613800138000",
    "+86 138 0013 8000", "138-0013-8000", " 19912345678 ",
])
def test_mainland_mobiles_normalize_to_eleven_digits(number: str) -> None:
    assert is_mainland_mobile(number)
    assert normalize_mainland_mobile(number) in {"13800138000", "19912345678"}


@pytest.mark.parametrize("number", [
    "", "12800138000", "10086", "1380013800", "138001380001", "0554-6661234", "+85213800138000",
    "+1 415 555 0100", "13800138OOO", "１３８００１３８０００", "+86+8613800138000",
])
def test_other_numbers_are_refused_with_a_plain_message(number: str) -> None:
    assert not is_mainland_mobile(number)
    with pytest.raises(ValueError, match="not a mainland China mobile number"):
        normalize_mainland_mobile(number)


def test_render_fills_placeholders() -> None:
    assert render("【{signature}】{name}欠费{amount}元", {"signature": "国网供电", "name": "张三", "amount": 12.5}) == (
        "【国网供电】张三欠费12.5元"
    )


def test_render_names_the_missing_placeholder() -> None:
    with pytest.raises(MissingPlaceholderError, match=r"\{date\}") as caught:
        render("{name}将于{date}停电", {"name": "张三"})
    assert isinstance(caught.value, KeyError)
    assert caught.value.name == "date"
