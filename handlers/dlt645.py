"""DL/T 645-2007 frames for a meter's remote control (control code 1CH) and for reading its
running-status word 3 (data identifier 04 00 05 03), the relay's real state (issue 15 item 2).

A frame is ``[FE…] 68 A0..A5 68 C L DATA CS 16``: the address is 12 BCD digits sent low byte
first, every DATA byte travels +33H, CS is the sum of the bytes from the first 68 through the
last data byte, mod 256. ``Frame`` holds the plaintext; ``encode`` / ``decode`` do the wire form.
The byte values follow ``shared/spec/domain-notes.md`` and its golden vectors
(``tests/unit/test_dlt645.py``); check them against the standard's text before a meter in the
field depends on one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

START, END, OFFSET, PREAMBLE = 0x68, 0x16, 0x33, 0xFE
REMOTE_CONTROL, CONTROL_ACCEPTED, CONTROL_REFUSED = 0x1C, 0x9C, 0xDC
READ_DATA, READ_ANSWERED, READ_REFUSED = 0x11, 0x91, 0xD1
STATUS_WORD_3 = bytes([0x04, 0x00, 0x05, 0x03])  # the data identifier, as written (sent reversed)

ACTIONS = {  # N1, the command
    "trip": 0x1A, "close_allowed": 0x1B, "direct_close": 0x1C,
    "alarm_on": 0x2A, "alarm_off": 0x2B, "protect_on": 0x3A, "protect_off": 0x3B,
}
REFUSALS = {  # the error byte of a refusal, bit by bit
    0: "other error", 1: "no data requested", 2: "wrong password or not authorised",
}
_RELAY_OPEN, _RELAY_COMMANDED_OPEN, _PROTECTED = 1 << 4, 1 << 6, 1 << 12


class FrameError(ValueError):
    """Bytes that are not a well-formed DL/T 645 frame; the message says what is wrong where."""


@dataclass(frozen=True)
class Frame:
    address: str  # 12 decimal digits, as written on the meter
    control: int
    data: bytes = b""  # plaintext (without the +33H)


@dataclass(frozen=True)
class Credentials:
    """What a remote-control command carries besides the command: the password (with its level)
    and the operator code, as the utility configures them."""

    level: int  # PA
    password: str = field(repr=False)  # 6 digits; never in a log line or a traceback's locals
    operator: str = field(repr=False)  # 8 digits

    def __post_init__(self) -> None:
        """Checked when configured, not when the first command is encoded; a secret is never echoed."""
        if not 0 <= self.level <= 0xFF:
            raise ValueError(f"password level {self.level} does not fit one byte")
        for what, value, digits in (("password", self.password, 6), ("operator code", self.operator, 8)):
            if len(value) != digits or not value.isascii() or not value.isdigit():
                raise ValueError(f"the {what} must be {digits} decimal digits; it has {len(value)} characters")


@dataclass(frozen=True)
class ControlReply:
    accepted: bool
    reasons: tuple[str, ...] = ()  # why the meter refused, readable


@dataclass(frozen=True)
class RelayStatus:
    """Running-status word 3: what the relay is, what it was told, and power-protect (保电)."""

    open: bool
    commanded_open: bool
    protected: bool


def encode(frame: Frame, *, preamble: int = 0) -> bytes:
    """The wire bytes of ``frame`` (with ``preamble`` FE bytes before it)."""
    if not 0 <= frame.control <= 0xFF or len(frame.data) > 0xFF:
        raise FrameError(f"control {frame.control:#x} or data length {len(frame.data)} does not fit one byte")
    body = bytes([START, *_bcd(frame.address, 6, "address"), START, frame.control, len(frame.data),
                  *((byte + OFFSET) & 0xFF for byte in frame.data)])
    return bytes([PREAMBLE] * preamble) + body + bytes([sum(body) & 0xFF, END])


def frame_size(received: bytes) -> int | None:
    """How many bytes of ``received`` (a stream that starts with a frame, FE preamble allowed) the
    frame takes, once its length byte has arrived; None until then."""
    start = len(received) - len(received.lstrip(bytes([PREAMBLE])))
    if len(received) < start + 10:
        return None
    if received[start] != START:
        raise FrameError(f"expected 68 after the preamble, got {received[start]:02X}")
    return start + 12 + received[start + 9]


def decode(raw: bytes) -> Frame:
    """The frame in ``raw`` (FE preamble bytes allowed); ``FrameError`` says what is wrong."""
    wire = raw.lstrip(bytes([PREAMBLE]))
    if len(wire) < 12:
        raise FrameError(f"a frame has at least 12 bytes after its preamble; got {len(wire)}")
    if wire[0] != START or wire[7] != START:
        raise FrameError(f"expected 68 at bytes 0 and 7, got {wire[0]:02X} and {wire[7]:02X}")
    length = wire[9]
    if len(wire) != 12 + length:
        raise FrameError(f"the length byte says {length} data bytes; the frame holds {len(wire) - 12}")
    checksum = sum(wire[:10 + length]) & 0xFF
    if wire[10 + length] != checksum:
        raise FrameError(f"checksum {wire[10 + length]:02X}, expected {checksum:02X}")
    if wire[-1] != END:
        raise FrameError(f"expected 16 at the end, got {wire[-1]:02X}")
    return Frame(_digits(wire[1:7], "address"), wire[8], bytes((b - OFFSET) & 0xFF for b in wire[10:10 + length]))


def remote_control(address: str, action: str, deadline: datetime, credentials: Credentials) -> Frame:
    """A 1CH command; ``deadline`` is in the meter's own (local) time, after which it refuses it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown meter action {action!r}; expected one of {', '.join(ACTIONS)}")
    valid_until = _bcd(deadline.strftime("%y%m%d%H%M%S"), 6, "deadline")  # ss mm hh DD MM YY on the wire
    data = bytes([credentials.level, *_bcd(credentials.password, 3, "password"),
                  *_bcd(credentials.operator, 4, "operator code"), ACTIONS[action], 0x00, *valid_until])
    return Frame(address, REMOTE_CONTROL, data)


def read_status_word_3(address: str) -> Frame:
    return Frame(address, READ_DATA, STATUS_WORD_3[::-1])


def control_reply(frame: Frame) -> ControlReply:
    """The meter's answer to a 1CH command. Accepted is not done: the relay bit says what happened."""
    if frame.control == CONTROL_ACCEPTED:
        return ControlReply(True)
    if frame.control == CONTROL_REFUSED:
        return ControlReply(False, _reasons(frame.data))
    raise FrameError(f"control {frame.control:02X} is not an answer to a remote-control command (9C or DC)")


def relay_status(frame: Frame) -> RelayStatus:
    """Running-status word 3 from the meter's answer to ``read_status_word_3``."""
    if frame.control == READ_REFUSED:
        raise FrameError("the meter refused the read: " + ", ".join(_reasons(frame.data)))
    if frame.control != READ_ANSWERED or frame.data[:4] != STATUS_WORD_3[::-1] or len(frame.data) != 6:
        raise FrameError(f"not an answer with running-status word 3: control {frame.control:02X}, "
                         f"data {frame.data.hex(' ').upper()}")
    word = int.from_bytes(frame.data[4:6], "little")
    return RelayStatus(bool(word & _RELAY_OPEN), bool(word & _RELAY_COMMANDED_OPEN), bool(word & _PROTECTED))


def _reasons(data: bytes) -> tuple[str, ...]:
    if not data:
        return ("no error byte",)
    error = data[0]
    return tuple(REFUSALS.get(bit, f"error bit {bit}") for bit in range(8) if error & (1 << bit)) or ("error 00",)


def _bcd(digits: str, size: int, what: str) -> bytes:
    """``digits`` (2 × ``size`` decimal digits, most significant first) as BCD, low byte first."""
    if len(digits) != 2 * size or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{what} must be {2 * size} decimal digits; got {digits!r}")
    return bytes(int(digits[i:i + 2], 16) for i in range(len(digits) - 2, -1, -2))


def _digits(bcd: bytes, what: str) -> str:
    text = bcd[::-1].hex()
    if not text.isdigit():
        raise FrameError(f"{what} {bcd.hex(' ').upper()} is not BCD")
    return text
