"""Structured JSON logging with a correlation id carried in a context variable.

Never log message bodies, addresses, phone numbers or SQL parameters. An exception is written as its traceback (where
it happened) and, for each exception in the chain, what shared.redaction allows of it: its text often quotes data.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType

from shared.redaction import describe_error

# Kept at WARNING or above whatever the level: aiokafka's debug lines hold whole record values (message bodies),
# uvicorn's access lines every request.
QUIET_LOGGERS = ("aiokafka", "uvicorn.access")

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def new_correlation_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def correlation_scope(correlation_id: str | None) -> Iterator[str]:
    """Make `correlation_id` (or a new one) current for the code inside the block."""
    value = correlation_id or new_correlation_id()
    token = _correlation_id.set(value)
    try:
        yield value
    finally:
        _correlation_id.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        correlation_id = _correlation_id.get()
        if correlation_id:
            entry["correlation_id"] = correlation_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

    def formatException(  # noqa: N802 (logging's name)
        self, ei: tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
    ) -> str:
        return redacted_traceback(ei[1]) if ei[1] is not None else ""


def redacted_traceback(error: BaseException) -> str:
    """The traceback of `error` and of the exceptions it came from (those first, as Python prints them), each named
    by `describe_error` instead of its text."""
    blocks: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        blocks.append(f"Traceback (most recent call last):\n{frames}{describe_error(current)}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n\nThe above exception led to the following one:\n\n".join(reversed(blocks))


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
