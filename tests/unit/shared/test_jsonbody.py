"""JSON from outside: parsed as json does, refused clearly when nested too deep, in time linear in its size."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from shared.ingest import jsonbody


def test_documents_parse_as_json_does_and_strings_do_not_count_as_nesting() -> None:
    assert jsonbody.loads(b'{"a":[1,{"b":"[[[[\\"{{{{"}]}') == {"a": [1, {"b": '[[[["{{{{'}]}
    assert jsonbody.loads('{"x":"é"}'.encode("utf-16")) == {"x": "é"}
    assert jsonbody.loads("[" * 64 + "]" * 64) is not None


@pytest.mark.parametrize(
    "text",
    ["[" * 65 + "]" * 65, '{"a":' * 65 + "1" + "}" * 65, "[" * 100_000 + "]" * 100_000, "[" * 100_000],
    ids=["65-arrays", "65-objects", "100k", "100k-unclosed"],
)
def test_too_deep_is_its_own_error(text: str) -> None:
    with pytest.raises(jsonbody.TooDeep):
        jsonbody.loads(text)


@pytest.mark.parametrize("text", ['{"a":', '["\\"]', b"\xff\xfe\xfd"], ids=["unclosed", "escaped-quote", "bytes"])
def test_what_is_not_json_is_a_value_error_but_not_too_deep(text: str | bytes) -> None:
    with pytest.raises(ValueError) as raised:
        jsonbody.loads(text)
    assert not isinstance(raised.value, jsonbody.TooDeep)


def _cpu_seconds(work: Callable[[], object]) -> float:
    """Best of three, with the collector off as timeit does (its pauses grow with all live objects)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(3):
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return max(best, 1e-4)


def _attempt(text: str) -> None:
    try:
        jsonbody.loads(text)
    except ValueError:
        pass


@pytest.mark.parametrize(
    "adversarial",
    [
        lambda n: "[" + "[]," * (n // 3) + "[]]",
        lambda n: "[" * 63 + "[[]]" * (n // 4) + "]" * 63,
        lambda n: '["' + '\\"' * (n // 2) + "]",
        lambda n: '"' * n,
        lambda n: "[" + " " * n + "1]",
    ],
    ids=["many-pairs", "at-the-limit", "unclosed-escapes", "quotes", "whitespace"],
)
def test_the_check_is_linear_in_the_size(adversarial: Callable[[int], str]) -> None:
    small, large = adversarial(100_000), adversarial(1_000_000)
    ratio = _cpu_seconds(lambda: _attempt(large)) / _cpu_seconds(lambda: _attempt(small))
    assert ratio < 30, ratio
