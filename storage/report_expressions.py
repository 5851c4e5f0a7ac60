"""SQL expressions the reports group and order by, written once for both dialects: the Beijing
calendar day of a UTC timestamp, the exact microseconds between two timestamps, and text ordered
by code point (as Python orders it). SQLite keeps a timestamp as naive UTC text
(``YYYY-MM-DD HH:MM:SS.ffffff``, ``storage.types.UTCDateTime``); PostgreSQL as ``timestamptz``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
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
    return f"date({_sqlite_seconds(moment)}, '+{BEIJING_OFFSET_HOURS} hours')"


@compiles(beijing_day, "postgresql")
def _beijing_day_postgresql(element: beijing_day, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = _args(element, compiler, **kw)
    return f"CAST(timezone('UTC', {moment}) + INTERVAL '{BEIJING_OFFSET_HOURS} hours' AS DATE)"


def _sqlite_seconds(moment: str) -> str:
    # SQLite's date functions round the fraction to milliseconds (23:59:59.9996 would be the next
    # day): they are given the whole seconds only
    return f"substr({moment}, 1, 19)"


def _sqlite_microseconds(moment: str) -> str:
    # whole seconds since the epoch, then the text's fraction padded to six digits (none: 0)
    fraction = f"CASE WHEN substr({moment}, 20, 1) = '.' THEN CAST(substr({moment} || '000000', 21, 6) AS INTEGER) " \
               f"ELSE 0 END"
    return f"(CAST(strftime('%s', {_sqlite_seconds(moment)}) AS INTEGER) * 1000000 + {fraction})"


@compiles(microseconds_between, "sqlite")
def _microseconds_sqlite(element: microseconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"({_sqlite_microseconds(later)} - {_sqlite_microseconds(earlier)})"


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


def as_microseconds(hours: int) -> int:
    """``hours`` in microseconds, to compare with ``microseconds_between``."""
    return hours * 3600 * 1_000_000

