"""Every parser and pattern that reads customer text finishes in time linear in it: 1 MB of adversarial input
(repeated prefixes, unclosed constructs, long runs of whitespace, many `>` lines, `<a ` repeats) costs at most
RATIO_LIMIT times what 100 KB costs. Benchmark-free: only the ratio of two CPU times of one process is compared.

Each measurement runs in a forked child that reports the CPU time per call (best of REPEATS runs of at least
MIN_RUN seconds each); a child still running at its deadline is stopped, so a quadratic parser fails in seconds
instead of running for hours.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import pytest

from case_service import classify, threads, wording
from case_service.folding import fold
from ingest_email import charsets, dsn, headers, htmltext, language, mime, msgids, quotes
from ingest_email.normalize import normalize
from ingest_sms.normalize import opt_keyword
from ingest_social.telegram.normalize import normalize as telegram_normalize
from shared import contacts
from shared.html import sanitize_html

SMALL, LARGE = 100_000, 1_000_000
RATIO_LIMIT = 20.0  # linear is ~10; cache effects on a loaded machine stay well below 20, quadratic gives ~100
REPEATS = 3
MIN_RUN = 0.005  # seconds of CPU: shorter runs repeat the call in a loop
SMALL_DEADLINE = 30.0  # wall seconds for the 100 KB measurements; normally milliseconds
# Below this a 100 KB input sits in the CPU cache and 1 MB does not, which alone can double the ratio: such fast
# entry points are compared at 1 MB and 10 MB instead.
SCALE_UP_BELOW = 0.002
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Any], object]
    build: Callable[[int], Any]  # adversarial input of about n characters (or bytes)


def _mail(body: str, *, content_type: str = "text/plain", extra_headers: str = "") -> bytes:
    head = f"From: a@example.org\r\nTo: s@example.com\r\nSubject: x\r\n{extra_headers}"
    head += f"Content-Type: {content_type}; charset=utf-8\r\n\r\n"
    return (head + body).encode()


def _normalized(raw: bytes) -> object:
    return normalize(raw, provider="smtp", received_at=datetime(2026, 1, 1, tzinfo=UTC), our_domains={"example.com"})


def _telegram(text: str) -> object:
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "text": text, "chat": {"id": 7, "type": "private"}},
    }
    update["message"]["from"] = {"id": 7, "is_bot": False, "first_name": "A"}
    return telegram_normalize(update, received_at=datetime(2026, 1, 1, tzinfo=UTC))


def _sanitized(html: str) -> object:
    return sanitize_html(html)


def _misnested(n: int) -> str:
    """Formatting elements left open across paragraphs, each different (so HTML5's three-of-a-kind rule keeps all)."""
    html, length, index = [], 0, 0
    while length < n:
        html.append(f"<b id={index}>x<p>")
        length += len(html[-1])
        index += 1
    return "".join(html)


def _repeat(unit: str, n: int, *, head: str = "", tail: str = "") -> str:
    return head + unit * max(1, (n - len(head) - len(tail)) // len(unit)) + tail


CASES = [
    Case("quotes.strip_reply: many > lines then text", quotes.strip_reply, lambda n: _repeat("> a\n", n, tail="x")),
    Case("quotes.strip_reply: one line of >", quotes.strip_reply, lambda n: _repeat(">", n, tail="x")),
    Case(
        "quotes.strip_reply: spaces after wrote:",
        quotes.strip_reply,
        lambda n: _repeat(" ", n, head="On x wrote:", tail="x"),
    ),
    Case(
        "quotes.strip_reply: spaces after a écrit",
        quotes.strip_reply,
        lambda n: _repeat(" ", n, head="Le x a écrit", tail="x"),
    ),
    Case("quotes.strip_reply: attribution starts", quotes.strip_reply, lambda n: _repeat("On x\n\n> y\n", n)),
    Case(
        "quotes.strip_reply: separator lines", quotes.strip_reply, lambda n: _repeat("-----Original Message-----\n", n)
    ),
    Case("quotes.strip_reply: blank lines", quotes.strip_reply, lambda n: _repeat("\r\n", n, tail="x")),
    Case("htmltext.html_to_text: <a repeats", htmltext.html_to_text, lambda n: _repeat("<a ", n)),
    Case("htmltext.html_to_text: unclosed comment", htmltext.html_to_text, lambda n: _repeat("-", n, head="<!--")),
    Case("htmltext.html_to_text: nested blockquotes", htmltext.html_to_text, lambda n: _repeat("<blockquote>", n)),
    Case("htmltext.html_to_text: misnested formatting", htmltext.html_to_text, _misnested),
    Case("shared.html.sanitize_html: misnested formatting", _sanitized, _misnested),
    Case("shared.html.sanitize_html: deep nesting", _sanitized, lambda n: _repeat("<div>", n)),
    Case("shared.html.sanitize_html: <a repeats", _sanitized, lambda n: _repeat("<a ", n)),
    Case("normalize: html-only mail of <a", _normalized, lambda n: _mail(_repeat("<a ", n), content_type="text/html")),
    Case(
        "normalize: html-only mail of &",
        _normalized,
        lambda n: _mail(_repeat("&", n, head="<p>"), content_type="text/html"),
    ),
    Case("normalize: plain mail of > lines", _normalized, lambda n: _mail(_repeat("> a\r\n", n, tail="x"))),
    Case(
        "normalize: long folded header",
        _normalized,
        lambda n: _mail("x", extra_headers=_repeat(" a\r\n", n, head="X-A:")),
    ),
    Case(
        "mime.parse: many boundaries",
        lambda raw: mime.walk(mime.parse(raw), hints=[]),
        lambda n: _mail(_repeat("--b\r\n\r\nx\r\n", n), content_type='multipart/mixed; boundary="b"'),
    ),
    Case("headers.raw_to_text: encoded words", headers.raw_to_text, lambda n: _repeat("=?utf-8?q?a?= ", n)),
    Case(
        "headers.raw_to_text: unclosed encoded word", headers.raw_to_text, lambda n: _repeat("a", n, head="=?utf-8?q?")
    ),
    Case("headers.addresses: no @", headers.addresses, lambda n: _repeat("a", n)),
    Case("headers.addresses: many <", headers.addresses, lambda n: _repeat("<", n)),
    Case("headers.addresses: quotes and commas", headers.addresses, lambda n: _repeat('"a,', n)),
    Case("headers.addresses: comments", headers.addresses, lambda n: _repeat("(a", n)),
    Case("msgids.message_ids: bare text", msgids.message_ids, lambda n: _repeat("a", n)),
    Case("msgids.message_ids: unclosed <", msgids.message_ids, lambda n: _repeat("<a", n)),
    Case("msgids.message_ids: unclosed (", msgids.message_ids, lambda n: _repeat("(\\a", n)),
    Case("msgids.first_id: spaces in brackets", msgids.first_id, lambda n: _repeat(" ", n, head="<")),
    Case("language.guess_language", language.guess_language, lambda n: _repeat("the and ", n)),
    Case("charsets.decode_bytes", lambda data: charsets.decode_bytes(data, "utf-8"), lambda n: b"\xff" * n),
    Case(
        "dsn.bounce_of: message ids",
        lambda text: dsn.bounce_of(enclosed=[], status_blocks=[], body_text=text),
        lambda n: _repeat("Message-ID: <", n),
    ),
    Case(
        "wording.parse_survey_answer: spaces after rate",
        wording.parse_survey_answer,
        lambda n: _repeat(" ", n, head="rate", tail="x"),
    ),
    Case(
        "wording.parse_survey_answer: digits and spaces",
        wording.parse_survey_answer,
        lambda n: _repeat("3      ", n, head="x"),
    ),
    Case(
        "wording.detect_language",
        lambda text: wording.detect_language(declared=None, text=text, subject=None),
        lambda n: _repeat("khong ", n),
    ),
    Case("wording.is_opt_out", wording.is_opt_out, lambda n: _repeat("huỷ ", n)),
    Case(
        "classify.classify", lambda text: classify.classify(subject=None, text=text), lambda n: _repeat("giao cham ", n)
    ),
    Case("threads.references_in", threads.references_in, lambda n: _repeat("C-2026-", n)),
    Case("folding.fold", fold, lambda n: _repeat("Đơn  ", n)),
    Case("contacts.normalize_email", contacts.normalize_email, lambda n: _repeat("a<", n)),
    Case("contacts.normalize_phone", contacts.normalize_phone, lambda n: _repeat("1", n, head="+")),
    Case("contacts.guess_kind", contacts.guess_kind, lambda n: _repeat("1 ", n)),
    Case("ingest_sms.opt_keyword", opt_keyword, lambda n: _repeat(".", n, head="STOP")),
    Case("ingest_social.telegram.normalize", _telegram, lambda n: _repeat("> a\n", n)),
]


def _keep_freed_memory() -> None:
    """In the child: glibc's malloc keeps freed memory instead of handing it back to the system, so a 10 MB input
    does not pay page faults on every call that a 1 MB one (reused from the heap) does not."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: measured as it comes
        return
    gigabyte = 1 << 30
    libc.mallopt(M_TRIM_THRESHOLD, gigabyte)
    libc.mallopt(M_MMAP_THRESHOLD, gigabyte)


def _time_per_call(case: Case, data: Any, results: Connection) -> None:
    """In the child: CPU seconds per call, REPEATS times, each over enough calls to last MIN_RUN."""
    _keep_freed_memory()
    loops = 1
    sent = 0
    while sent < REPEATS:
        start = time.process_time()
        try:
            for _ in range(loops):
                case.run(data)
        except Exception as error:  # reported to the parent, which fails the test with it
            results.send(f"{type(error).__name__}: {error}"[:300])
            return
        spent = time.process_time() - start
        if spent < MIN_RUN:
            loops *= max(2, int(MIN_RUN / max(spent, 1e-7)))
            continue
        results.send(spent / loops)
        sent += 1


def _best_time(case: Case, size: int, deadline: float) -> float | None:
    data = case.build(size)
    receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_time_per_call, args=(case, data, sending))
    child.start()
    times: list[float] = []
    end = time.monotonic() + deadline
    try:
        while len(times) < REPEATS and receiving.poll(max(0.0, end - time.monotonic())):
            result = receiving.recv()
            if isinstance(result, str):
                pytest.fail(f"{case.name} raised {result}")
            times.append(result)
    finally:
        child.kill()
        child.join()
    return min(times) if times else None


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_ten_times_the_input_costs_about_ten_times_the_time(case: Case) -> None:
    small_size, large_size = SMALL, LARGE
    small = _best_time(case, small_size, SMALL_DEADLINE)
    assert small is not None, f"{case.name}: 100 KB took over {SMALL_DEADLINE} s"
    if small < SCALE_UP_BELOW:
        small_size, large_size = SMALL * 10, LARGE * 10
        small = _best_time(case, small_size, SMALL_DEADLINE)
        assert small is not None, f"{case.name}: 1 MB took over {SMALL_DEADLINE} s"
    sizes = f"{small_size // 1000} KB -> {large_size // 1000} KB"
    # Wall time may be a few times the CPU time on a loaded machine: room for REPEATS runs at the limit, and some.
    deadline = 5.0 + 4 * REPEATS * RATIO_LIMIT * max(small, MIN_RUN)
    large = _best_time(case, large_size, deadline)
    assert large is not None, f"{case.name} ({sizes}): did not finish within {deadline:.1f} s ({small * 1000:.2f} ms)"
    ratio = large / small
    assert ratio <= RATIO_LIMIT, f"{case.name} ({sizes}): {ratio:.1f}x ({small * 1000:.2f} ms -> {large * 1000:.2f} ms)"
