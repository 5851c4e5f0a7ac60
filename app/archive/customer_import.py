"""Customer archive import from CSV: every row is checked, then all rows go in or none do.

A user fixing a file wants every problem at once, with its line and column, so validation
collects errors instead of stopping at the first; the import then either inserts every
customer (with its SMS subscriptions) in the caller's transaction or nothing at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from app.clock import Clock
from app.rules.beijing import beijing_date
from app.rules.screening import screen
from app.rules.sms import normalize_mainland_mobile
from app.runtime.actors import Actor
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage import customers as customer_rows
from storage import protection_classes
from storage import segments as segment_rows
from storage.domain_models import (
    HIGH_VOLTAGE,
    HOUSEHOLD,
    LOW_VOLTAGE,
    NON_HOUSEHOLD,
    NOTICE_TYPES,
    Customer,
)
from storage.statuses import PowerStatus

COLUMNS = (
    "number", "name", "mobile", "address", "customer_class", "voltage_class", "segment_code", "meter_address",
    "meter_protocol", "relay_type", "can_direct_close", "ami_connected", "channel_online", "power_status", "owed",
    "overdue_since", "protected_kind", "protected_reason", "auto_reconnect", "subscriptions",
)
OPTIONAL_COLUMNS = ("medical_certificate_on",)  # a file without them imports as before
STREAM = "archive"
PROGRESS_EVERY = 100
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    message: str


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)


class CsvFileError(ValueError):
    """The file cannot be read as a customer CSV at all (encoding, missing columns)."""


class CsvRow(dict[str, str]):
    """One record of a CSV file and the line it starts on (a quoted field may span lines)."""

    def __init__(self, values: Mapping[str, str], line: int) -> None:
        super().__init__(values)
        self.line = line


def read_csv(data: bytes) -> list[CsvRow]:
    """The records of a customer CSV (UTF-8, with or without BOM; header on line 1).

    Raises ``CsvFileError`` when the file is not UTF-8 or its header lacks a column. A record
    with more fields than the header gets them under the key ``""``; a short one lacks keys.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError(f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise CsvFileError(f"missing column(s): {', '.join(missing)}")
    rows, end = [], reader.line_num
    for record in reader:
        start, end = end + 1, reader.line_num
        if not any(value.strip() for value in record):
            continue  # blank lines are not customers
        values = dict(zip(header, record, strict=False))
        if len(record) > len(header):
            values[""] = ",".join(record[len(header):])
        rows.append(CsvRow(values, start))
    return rows


class _Row:
    """One row's values being checked; every problem is recorded, none stops the check."""

    def __init__(self, values: Mapping[str, str | None], line: int) -> None:
        self.values, self.line = values, line
        self.errors: list[RowError] = []

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def text(self, column: str, *, max_length: int, required: bool = True) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            self.fail(column, "is empty")
        elif len(value) > max_length:
            self.fail(column, f"is longer than {max_length} characters")
        return value

    def choice(self, column: str, allowed: tuple[str, ...], *, required: bool = True) -> str:
        value = self.text(column, max_length=64, required=required)
        if value and value not in allowed:
            self.fail(column, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def flag(self, column: str) -> bool:
        value = self.text(column, max_length=8).lower()
        if value and value not in _TRUE + _FALSE:
            self.fail(column, f"{value!r} is not a yes/no value (true/false, 1/0, yes/no)")
        return value in _TRUE

    def mobile(self) -> str | None:
        value = self.text("mobile", max_length=32, required=False)
        try:
            return normalize_mainland_mobile(value) if value else None
        except ValueError as exc:
            self.fail("mobile", str(exc))
            return None

    def owed_cents(self) -> int:
        value = self.text("owed", max_length=20)
        try:
            amount = Decimal(value) if value else Decimal(0)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            self.fail("owed", f"{value!r} is not an amount in yuan (like 123.45)")
        elif amount < 0:
            self.fail("owed", f"{value} is negative")
        else:
            return int(amount * 100)
        return 0

    def day(self, column: str) -> date | None:
        value = self.text(column, max_length=10, required=False)
        try:
            return datetime.strptime(value, "%Y-%m-%d").date() if value else None
        except ValueError:
            self.fail(column, f"{value!r} is not a date YYYY-MM-DD")
            return None


def _parse(row: _Row, segments: set[str], classes: tuple[str, ...], now: datetime) -> tuple[Customer, list[str]]:
    """The customer and subscriptions a row describes (meaningful only when it has no errors)."""
    absent = [column for column in COLUMNS if row.values.get(column) is None]
    if absent:
        row.fail(None, f"has fewer fields than the header (nothing for {', '.join(absent)})")
    if row.values.get(""):
        row.fail(None, "has more fields than the header")
    segment = row.text("segment_code", max_length=32)
    if segment and segment not in segments:
        row.fail("segment_code", f"no segment {segment!r} in the archive")
    meter = row.text("meter_address", max_length=12)
    if meter and not (len(meter) == 12 and meter.isascii() and meter.isdigit()):
        row.fail("meter_address", f"{meter!r} is not a 12-digit meter address")
    kind = row.choice("protected_kind", classes, required=False)
    reason = row.text("protected_reason", max_length=2000, required=False)
    if kind and not reason:
        row.fail("protected_reason", "is required for a protected customer")
    elif reason and not kind:
        row.fail("protected_kind", "is empty but a protected_reason is given")
    customer = Customer(
        number=row.text("number", max_length=32), name=row.text("name", max_length=200), mobile=row.mobile(),
        address=row.text("address", max_length=400, required=False),
        customer_class=row.choice("customer_class", (HOUSEHOLD, NON_HOUSEHOLD)),
        voltage_class=row.choice("voltage_class", (LOW_VOLTAGE, HIGH_VOLTAGE)), segment_code=segment,
        meter_address=meter, meter_protocol=row.choice("meter_protocol", ("dlt645", "dlms")),
        relay_type=row.choice("relay_type", ("internal", "external")),
        can_direct_close=row.flag("can_direct_close"), ami_connected=row.flag("ami_connected"),
        channel_online=row.flag("channel_online"), power_status=row.choice("power_status", tuple(PowerStatus)),
        power_status_since=now, owed_cents=row.owed_cents(), overdue_since=row.day("overdue_since"),
        protected_kind=kind or None, protected_reason=reason or None, auto_reconnect=row.flag("auto_reconnect"),
        medical_certificate_on=row.day("medical_certificate_on"),
    )
    if customer.medical_certificate_on and customer.medical_certificate_on > beijing_date(now):
        row.fail("medical_certificate_on", "is after today")
    failing = screen(customer).reasons_not
    if customer.auto_reconnect and failing:
        row.fail("auto_reconnect", "cannot be set: fails M1.1 screening: " + "; ".join(failing))
    notices = [n for n in dict.fromkeys(s.strip() for s in (row.values.get("subscriptions") or "").split(";")) if n]
    unknown = [n for n in notices if n not in NOTICE_TYPES]
    if unknown:
        row.fail("subscriptions", f"unknown notice type(s) {', '.join(unknown)}; types are {', '.join(NOTICE_TYPES)}")
    if notices and customer.mobile is None and not row.values.get("mobile"):
        row.fail("subscriptions", "an SMS subscription needs a mobile number")
    return customer, notices


def _archive_clashes(session: Session, column: str, lines: dict[str, int]) -> list[RowError]:
    found = customer_rows.taken(session, column, list(lines))
    return [RowError(lines[value], column, f"{value} is already in the archive") for value in found]


def import_customers(session: Session, clock: Clock, actor: Actor, rows: Iterable[Mapping[str, str]], *,
                     source: str, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check every row, then insert all customers and their subscriptions, or nothing.

    A row's line is its ``line`` attribute (``read_csv`` sets it) or its position counted from
    line 2. ``progress`` receives the number of rows checked so far, every 100 rows and at the
    end. On success one ``customers.imported`` event naming ``source`` goes to the archive stream.
    """
    now = clock.now()
    segments, classes = segment_rows.codes(session), tuple(protection_classes.labels(session))
    parsed: list[tuple[Customer, list[str]]] = []
    errors: list[RowError] = []
    seen: dict[str, dict[str, int]] = {"number": {}, "meter_address": {}}
    for index, values in enumerate(rows):
        row = _Row(values, getattr(values, "line", index + 2))
        customer, notices = _parse(row, segments, classes, now)
        for column, lines in seen.items():
            value = getattr(customer, column)
            if value in lines:
                row.fail(column, f"{value} is also on line {lines[value]}")
            elif value:
                lines[value] = row.line
        errors.extend(row.errors)
        parsed.append((customer, notices))
        if progress is not None and len(parsed) % PROGRESS_EVERY == 0:
            progress(len(parsed))
    if progress is not None and len(parsed) % PROGRESS_EVERY:
        progress(len(parsed))
    if not parsed:
        errors.append(RowError(1, None, "the file has no customer rows"))
    for column, lines in seen.items():
        errors.extend(_archive_clashes(session, column, lines))
    if errors:
        return ImportReport(0, sorted(errors, key=lambda error: error.line))
    _insert(session, parsed, actor, now)
    history.append(session, STREAM, [NewEvent("customers.imported", None, {"count": len(parsed), "source": source})],
                   actor=actor.name, at=now)
    return ImportReport(len(parsed), [])


def _insert(session: Session, parsed: list[tuple[Customer, list[str]]], actor: Actor, now: datetime) -> None:
    for customer, _notices in parsed:
        customer.channel_seen_at = now if customer.channel_online else None
        if customer.auto_reconnect:
            customer.auto_reconnect_by, customer.auto_reconnect_at = actor.name, now
        if customer.protected_kind:
            customer.protected_by, customer.protected_at = actor.name, now
    customer_rows.add_with_subscriptions(session, parsed, now)
