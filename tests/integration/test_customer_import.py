"""Customer CSV import: every error at once with its line, all rows or none, and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from app.archive.customer_import import COLUMNS, import_customers, read_csv
from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.events import history
from storage.domain_models import Customer, SmsSubscription
from storage.models import HistoryEvent
from tests.utility import seed_customer, seed_segment

CLERK = Actor("clerk-chen", frozenset({"sysadmin"}))


def row(number: str, **overrides: str) -> dict[str, str]:
    values = {
        "number": number, "name": "王芳", "mobile": "138 0013 8000", "address": "淮南市田家庵区洞山中路12号",
        "customer_class": "household", "voltage_class": "low", "segment_code": "S01",
        "meter_address": f"{int(number[-6:]):012d}", "meter_protocol": "dlt645", "relay_type": "internal",
        "can_direct_close": "true", "ami_connected": "yes", "channel_online": "1", "power_status": "connected",
        "owed": "0", "overdue_since": "", "protected_kind": "", "protected_reason": "", "auto_reconnect": "false",
        "subscriptions": "",
    }
    return values | overrides


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> str:
    lines = [",".join(columns)] + [",".join(r[c] for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def import_text(services: Services, text: str, encoding: str = "utf-8") -> Any:
    with services.db.transaction() as session:
        return import_customers(session, services.clock, CLERK, read_csv(text.encode(encoding)), source="march.csv")


def archive_events(services: Services) -> list[HistoryEvent]:
    with services.db.reading() as session:
        return list(session.execute(select(HistoryEvent).where(HistoryEvent.stream == "archive")).scalars())


def customer_count(services: Services) -> int:
    with services.db.reading() as session:
        return session.execute(select(func.count(Customer.id))).scalar_one()


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def test_a_good_file_imports_every_row_with_normalized_mobiles_and_subscriptions(
        backend_services: Services) -> None:
    seed_segment(backend_services)
    rows = [
        row("3400000001", mobile="+86 139-0000-0001", subscriptions="disconnection; arrears",
            auto_reconnect="TRUE", power_status="disconnected", owed="123.45", overdue_since="2026-01-05"),
        row("3400000002", mobile="", protected_kind="life_support", protected_reason="家中有居家呼吸机使用者"),
        row("3400000003", relay_type="external", can_direct_close="no", subscriptions="reconnection"),
    ]
    report = import_text(backend_services, csv_text(rows), encoding="utf-8-sig")  # Excel writes a BOM

    assert (report.imported, report.errors) == (3, [])
    with backend_services.db.reading() as session:
        customers = {c.number: c for c in session.execute(select(Customer)).scalars()}
        subscriptions = sorted(session.execute(select(Customer.number, SmsSubscription.notice_type)
                                               .join(Customer, Customer.id == SmsSubscription.customer_id)).all())
        assert history.verify_stream(session, "archive") == []
    first = customers["3400000001"]
    assert (first.mobile, first.owed_cents, first.overdue_since.isoformat()) == ("13900000001", 12345, "2026-01-05")
    assert (first.power_status, first.auto_reconnect, first.auto_reconnect_by) == ("disconnected", True, CLERK.name)
    assert customers["3400000002"].mobile is None
    assert customers["3400000002"].protected_kind == "life_support"
    assert subscriptions == [("3400000001", "arrears"), ("3400000001", "disconnection"),
                             ("3400000003", "reconnection")]
    [event] = archive_events(backend_services)
    assert (event.type, event.data, event.actor) == ("customers.imported", {"count": 3, "source": "march.csv"},
                                                     CLERK.name)


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(backend_services: Services) -> None:
    seed_segment(backend_services)
    rows = [
        row("3400000001"),
        row("3400000002", mobile="0554-6661234"),                                   # line 3: a landline
        row("3400000003"),
        row("3400000004", channel_online="false", can_direct_close="false", auto_reconnect="yes"),  # line 5
        row("3400000005", segment_code="S99", owed="-5"),                           # line 6: two problems
    ]
    report = import_text(backend_services, csv_text(rows))

    assert report.imported == 0
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "mobile"), (5, "auto_reconnect"), (6, "segment_code"), (6, "owed")]
    flag_error = report.errors[1].message
    assert "online" in flag_error and "close directly" in flag_error and "low-voltage" not in flag_error
    assert customer_count(backend_services) == 0
    assert archive_events(backend_services) == []


def test_duplicates_in_the_file_or_against_the_archive_are_refused(backend_services: Services) -> None:
    seed_segment(backend_services)
    seed_customer(backend_services, "3400000001")
    rows = [row("3400000001", meter_address="000000000101"), row("3400000002"),
            row("3400000003", meter_address="000000000002"), row("3400000002", meter_address="000000000104")]
    report = import_text(backend_services, csv_text(rows))

    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (2, "number", "3400000001 is already in the archive"),
        (4, "meter_address", "000000000002 is also on line 3"),
        (5, "number", "3400000002 is also on line 3"),
    ]
    assert customer_count(backend_services) == 1


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(backend_services: Services) -> None:
    seed_segment(backend_services)
    text = csv_text([row("3400000001", address='"洞山中路12号\n3栋"'), row("3400000002", owed="12.345")])
    report = import_text(backend_services, text.replace("\n3400000002", "\n\n3400000002"))

    assert [(e.line, e.column) for e in report.errors] == [(5, "owed")]


def test_progress_is_reported_every_hundred_rows_and_at_the_end(backend_services: Services) -> None:
    seed_segment(backend_services)
    rows = [row(f"34{n:08d}") for n in range(1, 251)]
    seen: list[int] = []
    with backend_services.db.transaction() as session:
        report = import_customers(session, backend_services.clock, CLERK, rows, source="api", progress=seen.append)

    assert (seen, report.imported) == ([100, 200, 250], 250)


def test_cli_imports_a_good_file(backend_app: Flask, tmp_path: Path) -> None:
    services = backend_app.extensions["relayflow"]
    seed_segment(services)
    path = tmp_path / "customers.csv"
    path.write_text(csv_text([row("3400000001"), row("3400000002")]), encoding="utf-8")

    result = run(backend_app, "import-customers", str(path))

    assert result.exit_code == 0, result.output
    assert "imported 2 customers" in result.output
    assert customer_count(services) == 2


def test_cli_lists_every_error_and_imports_nothing(backend_app: Flask, tmp_path: Path) -> None:
    services = backend_app.extensions["relayflow"]
    seed_segment(services)
    path = tmp_path / "customers.csv"
    path.write_text(csv_text([row("3400000001", mobile="12345"), row("3400000002", power_status="off")]))

    result = run(backend_app, "import-customers", str(path))

    assert result.exit_code == 1
    assert f"{path}:2 [mobile] '12345' is not a mainland China mobile number" in result.output
    assert f"{path}:3 [power_status] 'off' is not one of connected, disconnected" in result.output
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    assert customer_count(services) == 0


def test_cli_names_missing_columns_and_refuses_a_file_that_is_not_utf8(backend_app: Flask, tmp_path: Path) -> None:
    seed_segment(backend_app.extensions["relayflow"])
    columns = tuple(c for c in COLUMNS if c not in ("relay_type", "subscriptions"))
    missing = tmp_path / "missing.csv"
    missing.write_text(csv_text([row("3400000001")], columns))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(csv_text([row("3400000001")]).encode("gbk"))

    no_columns = run(backend_app, "import-customers", str(missing))
    not_utf8 = run(backend_app, "import-customers", str(gbk))

    assert no_columns.exit_code == 1
    assert "missing column(s): relay_type, subscriptions" in no_columns.output
    assert not_utf8.exit_code == 1 and "not UTF-8" in not_utf8.output
    assert "Traceback" not in no_columns.output + not_utf8.output
    assert customer_count(backend_app.extensions["relayflow"]) == 0


def test_the_optional_medical_certificate_column_is_read_and_a_day_after_today_is_refused(
        backend_services: Services) -> None:
    """Issue 16: a household's medical certificate defers its cut; the column is optional."""
    seed_segment(backend_services)
    columns = (*COLUMNS, "medical_certificate_on")
    refused = import_text(backend_services, csv_text([row("3400000001", medical_certificate_on="2999-01-01")], columns))
    assert [(e.line, e.column) for e in refused.errors] == [(2, "medical_certificate_on")]
    assert customer_count(backend_services) == 0
    report = import_text(backend_services, csv_text([row("3400000001", medical_certificate_on="2026-03-01"),
                                                     row("3400000002", medical_certificate_on="")], columns))
    assert report.errors == [] and report.imported == 2
    with backend_services.db.reading() as session:
        days = dict(session.execute(select(Customer.number, Customer.medical_certificate_on)).all())
    assert {n: str(d) if d else None for n, d in days.items()} == {"3400000001": "2026-03-01", "3400000002": None}
