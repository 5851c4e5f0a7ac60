"""SQL expressions the reports group and order by, written once for both dialects: the Beijing
calendar day of a UTC timestamp, the exact microseconds between two timestamps, text ordered by
code point (as Python orders it) and the rank of a nearest-rank percentile. SQLite keeps a timestamp as naive UTC text
(``YYYY-MM-DD HH:MM:SS.ffffff``, ``storage.types.UTCDateTime``); PostgreSQL as ``timestamptz``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

BEIJING_OFFSET_HOURS = 8  # fixed: China has had no daylight saving since 1991 (app.rules.beijing)


class beijing_day(FunctionElement[Any]):
    """The Beijing calendar day (UTC+8) of a UTC timestamp, as a ``date``."""

    type = Date()
    inherit_cache = True
    name = "beijing_day"


class microseconds_between(FunctionElement[Any]):
    """``later - earlier`` in whole microseconds, exactly (NULL when either is NULL)."""

    type = BigInteger()
    inherit_cache = True
    name = "microseconds_between"


class codepoint_order(FunctionElement[Any]):
    """Text to order by as Python orders strings (PostgreSQL's database collation may not)."""

    type = String()
    inherit_cache = True
    name = "codepoint_order"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(argument, **kw) for argument in element.clauses]


@compiles(beijing_day, "sqlite")
def _beijing_day_sqlite(element: beijing_day, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(element, compiler, **kw)
    # from 16:00 UTC it is the next day in Beijing; text operations, as the date functions are slow
    # and round fractions (23:59:59.9996 would be the next day)
    return (f"CASE WHEN substr({moment}, 12, 2) >= '{24 - BEIJING_OFFSET_HOURS:02d}' "
            f"THEN date(substr({moment}, 1, 10), '+1 day') ELSE substr({moment}, 1, 10) END")


@compiles(beijing_day, "postgresql")
def _beijing_day_postgresql(element: beijing_day, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(element, compiler, **kw)
    return f"CAST(timezone('UTC', {moment}) + INTERVAL '{BEIJING_OFFSET_HOURS} hours' AS DATE)"


@compiles(microseconds_between, "sqlite")
def _microseconds_sqlite(element: microseconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    # whole seconds from the Julian days of the texts' first 19 characters (a double's error is
    # far below half a second, so rounding is exact), then the difference of their fractions
    # (".ffffff" or none; six decimals, exact after rounding)
    seconds = f"round((julianday(substr({later}, 1, 19)) - julianday(substr({earlier}, 1, 19))) * 86400)"
    fraction = f"round((CAST(substr({later}, 20) AS REAL) - CAST(substr({earlier}, 20) AS REAL)) * 1000000)"
    return f"CAST({seconds} * 1000000 + {fraction} AS INTEGER)"


@compiles(microseconds_between, "postgresql")
def _microseconds_postgresql(element: microseconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)  # EXTRACT gives numeric: exact
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000000 AS BIGINT)"


@compiles(codepoint_order, "sqlite")
def _codepoint_sqlite(element: codepoint_order, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = _args(element, compiler, **kw)
    return text  # BINARY, SQLite's default collation, compares UTF-8 bytes: code point order


@compiles(codepoint_order, "postgresql")
def _codepoint_postgresql(element: codepoint_order, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = _args(element, compiler, **kw)
    return f'({text} COLLATE "C")'


def nearest_rank_position(count: ColumnElement[int], percent: int) -> ColumnElement[int]:
    """The 1-based rank of the nearest-rank ``percent``-th percentile among ``count`` (at least 1)
    ascending values: ⌈percent/100 × count⌉ in integers, as ``app.audit.reports.stats`` computes
    it (the reports look the rank up by that one: a difference would fail, not mislead)."""
    return (count * percent + 99) // 100


def as_microseconds(hours: int) -> int:
    """``hours`` in microseconds, to compare with ``microseconds_between``."""
    return hours * 3600 * 1_000_000

