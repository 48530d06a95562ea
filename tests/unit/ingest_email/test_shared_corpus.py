"""Every message of the shared corpus (real-world mail nobody on the team wrote) becomes an event or a dead letter
with a reason; nothing raises anything else. Replies from real clients come out as the customer's new words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest_email.normalize import Rejected, normalize
from tests.support.corpus import CORPUS as SHARED_CORPUS

CORPUS = SHARED_CORPUS / "email"
SKIPPED_SUFFIXES = {".html", ".md"}
MESSAGES = sorted(
    path
    for path in CORPUS.rglob("*")
    if path.is_file() and path.suffix not in SKIPPED_SUFFIXES and path.name not in ("COPYING", "LICENSE", "README")
)


def test_the_shared_corpus_is_there() -> None:
    assert len(MESSAGES) >= 180


@pytest.mark.parametrize("path", MESSAGES, ids=lambda path: str(path.relative_to(CORPUS)))
def test_each_message_is_an_event_or_a_dead_letter_with_a_reason(path: Path) -> None:
    try:
        normalized = normalize(
            path.read_bytes(), provider="smtp", received_at=datetime.now(UTC), our_domains={"example.com"}
        )
    except Rejected as rejected:
        assert rejected.reason
        return
    data = normalized.data
    assert data.sender.valid and data.provider_message_id
    assert "full_text" in data.metadata


@pytest.mark.parametrize("path", sorted((CORPUS / "talon" / "standard_replies").glob("*.eml")), ids=lambda p: p.name)
def test_replies_from_real_clients_come_out_as_the_new_words_only(path: Path) -> None:
    data = normalize(path.read_bytes(), provider="smtp", received_at=datetime.now(UTC), our_domains=()).data
    assert data.text == "Hello"
    assert len(data.metadata["full_text"]) > len(data.text)


@pytest.mark.parametrize(
    "name",
    ["flanker/bounce/gmail-no-dns.eml", "sisimai/bsd/lhost-postfix-01.eml", "sisimai/bsd/rfc3834-01.eml"],
)
def test_bounces_and_auto_replies_are_flagged_automated(name: str) -> None:
    data = normalize((CORPUS / name).read_bytes(), provider="smtp", received_at=datetime.now(UTC), our_domains=()).data
    assert data.auto_submitted


@pytest.mark.parametrize("name", ["sisimai/not/is-not-bounce-01.eml", "sisimai/not/is-not-bounce-02.eml"])
def test_ordinary_mail_is_not_flagged(name: str) -> None:
    data = normalize((CORPUS / name).read_bytes(), provider="smtp", received_at=datetime.now(UTC), our_domains=()).data
    assert not data.auto_submitted
