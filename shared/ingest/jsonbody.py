"""JSON from outside, with its nesting bounded: a body nested thousands deep must be a clear refusal, not a
RecursionError (a 500) in the parser or in whatever later walks or re-serializes the document."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
# A JSON string (the opening quote already consumed), possessive so a failed match never backtracks.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKETS = str.maketrans("", "", "".join(chr(c) for c in range(128) if chr(c) not in "[]{}"))


class TooDeep(ValueError):
    """The JSON nests arrays and objects deeper than allowed."""


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed document. Raises TooDeep for nesting deeper than `max_depth`, another ValueError (JSON's own,
    or a UnicodeDecodeError) for what is not JSON.

    The parser is C and checks its own recursion (RecursionError is caught, not left to become a 500); once the
    text is known to be JSON its bracket depth is measured in linear passes of C string operations: strings
    removed, everything but brackets removed, then innermost pairs removed once per level, at most `max_depth`
    times."""
    text = data.decode(json.detect_encoding(data), "surrogatepass") if isinstance(data, bytes) else data
    try:
        document = json.loads(text)
    except RecursionError:
        raise TooDeep(f"the JSON is nested deeper than {max_depth} levels") from None
    if _depth_exceeds(text, max_depth):
        raise TooDeep(f"the JSON is nested deeper than {max_depth} levels")
    return document


def _depth_exceeds(text: str, max_depth: int) -> bool:
    # what is left of valid JSON once its strings are gone is ASCII
    brackets = _STRING.sub("", text).translate(_NOT_BRACKETS)
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets = brackets.replace("[]", "").replace("{}", "")
    return bool(brackets)
