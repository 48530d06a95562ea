"""Text as the databases can hold it: no control characters but tab, line feed and carriage return, and no lone
surrogates (which no UTF-8 encoder writes). PostgreSQL refuses a NUL in any text; a surrogate fails to encode.

Applied where input becomes ours: the shared event models and the HTTP request models.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, model_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """`value` without control characters (tab, LF and CR are kept) and with lone surrogates replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, _CONTROL.sub("", value))


def clean_strings(value: Any) -> Any:
    """`value` with every string in it cleaned, keys included, through dicts, lists and tuples."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_strings(key): clean_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_strings(item) for item in value)
    return value


def _clean_if_text(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


# A str field whose value is cleaned before any other check (so "\x00" alone is empty, and refused by min_length).
CleanStr = Annotated[str, BeforeValidator(_clean_if_text)]


class CleanInput(BaseModel):
    """Base of a request model: every string of the input is cleaned before the fields are validated."""

    @model_validator(mode="before")
    @classmethod
    def _clean_input(cls, data: Any) -> Any:
        return clean_strings(data)
