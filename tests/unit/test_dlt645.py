"""DL/T 645-2007 frames (issue 15 item 2) against the golden vectors of
``shared/spec/domain-notes.md``: meter 000000123456, password level 02, password 123456, operator
12345678, valid until 2025-06-01 12:30:00."""

from __future__ import annotations

from datetime import datetime

import pytest

from handlers.dlt645 import (
    ControlReply,
    Credentials,
    Frame,
    FrameError,
    RelayStatus,
    control_reply,
    decode,
    encode,
    frame_size,
    read_status_word_3,
    relay_status,
    remote_control,
)

METER = "000000123456"
CREDENTIALS = Credentials(level=0x02, password="123456", operator="12345678")
DEADLINE = datetime(2025, 6, 1, 12, 30, 0)
TRIP = "68 56 34 12 00 00 00 68 1C 10 35 89 67 45 AB 89 67 45 4D 33 33 63 45 34 39 58 02 16"


def wire(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize(("action", "n1", "checksum"), [
    ("trip", "4D", "02"), ("close_allowed", "4E", "03"), ("direct_close", "4F", "04"),
    # not in the notes' vectors: the trip frame with N1 3AH/3BH (+33H: 6D/6E), CS 20H/21H higher
    ("protect_on", "6D", "22"), ("protect_off", "6E", "23"),
])
def test_a_remote_control_command_is_the_golden_frame(action: str, n1: str, checksum: str) -> None:
    expected = TRIP.replace(" 4D 33 ", f" {n1} 33 ").rsplit(" ", 2)[0] + f" {checksum} 16"
    assert encode(remote_control(METER, action, DEADLINE, CREDENTIALS)) == wire(expected)


def test_a_frame_decodes_to_its_plaintext_with_or_without_a_preamble() -> None:
    command = remote_control(METER, "trip", DEADLINE, CREDENTIALS)
    assert decode(wire(TRIP)) == command
    assert decode(encode(command, preamble=4)) == command
    assert encode(command, preamble=4)[:5] == wire("FE FE FE FE 68")


def test_the_meters_answers_to_a_command() -> None:
    """An accepted command is not a moved relay (M4.3): only the status word says that."""
    assert control_reply(decode(wire("68 56 34 12 00 00 00 68 9C 00 08 16"))) == ControlReply(True)
    refused = decode(wire("68 56 34 12 00 00 00 68 DC 01 37 80 16"))
    assert (refused.address, refused.data) == (METER, bytes([0x04]))
    assert control_reply(refused) == ControlReply(False, ("wrong password or not authorised",))


@pytest.mark.parametrize(("word", "status"), [
    (0x0000, RelayStatus(open=False, commanded_open=False, protected=False)),
    (0x0050, RelayStatus(open=True, commanded_open=True, protected=False)),
    (0x1040, RelayStatus(open=False, commanded_open=True, protected=True)),  # told to open, held by 保电
])
def test_running_status_word_3_says_what_the_relay_is(word: int, status: RelayStatus) -> None:
    request = read_status_word_3(METER)
    assert encode(request)[8:14] == wire("11 04 36 38 33 37")  # control 11, DI 04 00 05 03 reversed, +33H
    answer = Frame(METER, 0x91, request.data + word.to_bytes(2, "little"))
    assert relay_status(decode(encode(answer))) == status


@pytest.mark.parametrize(("raw", "message"), [
    ("68 56 34 12 00 00 00 68 9C 00 09 16", "checksum 09, expected 08"),
    ("68 56 34 12 00 00 00 68 9C 01 08 16", "the length byte says 1 data bytes; the frame holds 0"),
    ("68 56 34 12 00 00 00 69 9C 00 09 16", "expected 68 at bytes 0 and 7"),
    ("68 56 34 12 00 00 00 68 9C 00 08 17", "expected 16 at the end"),
    ("68 5A 34 12 00 00 00 68 9C 00 0C 16", "address 5A 34 12 00 00 00 is not BCD"),
    ("68 56 34 12", "at least 12 bytes"),
])
def test_a_broken_frame_is_refused_with_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        decode(wire(raw))


def test_bad_inputs_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="unknown meter action 'dance'"):
        remote_control(METER, "dance", DEADLINE, CREDENTIALS)
    with pytest.raises(ValueError, match="address must be 12 decimal digits"):
        encode(Frame("12345", 0x1C))
    with pytest.raises(ValueError, match="password must be 6 decimal digits"):
        remote_control(METER, "trip", DEADLINE, Credentials(2, "12345a", "12345678"))
    with pytest.raises(FrameError, match="not an answer to a remote-control command"):
        control_reply(Frame(METER, 0x91))


def test_the_size_of_a_frame_is_known_once_its_length_byte_has_arrived() -> None:
    """How a reader on a TCP stream knows it has a whole answer (preamble or not)."""
    answer = encode(Frame(METER, 0x91, bytes(6)), preamble=4)
    assert [frame_size(answer[:n]) for n in (0, 4, 13)] == [None, None, None]
    assert frame_size(answer[:14]) == frame_size(answer) == len(answer) == 4 + 12 + 6
    with pytest.raises(FrameError, match="expected 68 after the preamble, got 16"):
        frame_size(wire("FE FE 16 56 34 12 00 00 00 68 9C 00"))
