"""What an error may say where people read it (a log line, a dead letter's reason, a health answer): its type and
the names involved (fields, constraints, tables), never a value. An exception's own text often carries one: a
database error quotes the row (`DETAIL: Key (address)=(an@example.com) already exists`), a validation error the
input, a parser the line it choked on."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

# SQLite's constraint messages name columns only: "UNIQUE constraint failed: messages.channel, messages.id".
_SQLITE_CONSTRAINT = re.compile(r"^(UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed(: [\w.]+(, [\w.]+)*)?$")
# What a PostgreSQL error (asyncpg) says about itself without quoting data.
_POSTGRES_NAMES = ("sqlstate", "constraint_name", "table_name", "column_name", "data_type_name")


def describe_error(error: BaseException) -> str:
    """`error` as `TypeName` plus what is safe to repeat of it."""
    name = type(error).__name__
    if isinstance(error, ValidationError):
        return f"{name}: {describe_validation_error(error)}"
    if isinstance(error, DBAPIError):
        driver_error = _driver_error(error.orig)
        detail = _database_detail(driver_error)
        return f"{name} ({type(driver_error).__name__}{': ' + detail if detail else ''})"
    if isinstance(error, SQLAlchemyError):
        return name  # its text quotes statements and, for some errors, values
    return name


def describe_validation_error(error: ValidationError, *, limit: int = 5) -> str:
    """Where and what kind of problem, for the first `limit` errors: `sender.address: string_too_short`."""
    parts = [f"{'.'.join(str(p) for p in item['loc']) or 'value'}: {item['type']}" for item in error.errors()[:limit]]
    more = error.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _driver_error(orig: Any) -> Any:
    """asyncpg's errors reach SQLAlchemy wrapped by its adapter: the driver's own error is the wrapper's cause."""
    cause = getattr(orig, "__cause__", None)
    return cause if isinstance(cause, Exception) else orig


def _database_detail(driver_error: Any) -> str:
    if isinstance(driver_error, sqlite3.Error):
        message = str(driver_error)
        if _SQLITE_CONSTRAINT.match(message):
            return message
        return str(getattr(driver_error, "sqlite_errorname", "") or "")
    found = [f"{name}={value}" for name in _POSTGRES_NAMES if (value := getattr(driver_error, name, None))]
    return ", ".join(found)
