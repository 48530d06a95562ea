"""Every parser over every Twilio sample: the documented bodies (samples.py) and whatever Twilio captures the shared
corpus holds; and over every other webhook body of the corpus, which a parser must refuse cleanly, not crash on."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from ingest_sms import normalize
from ingest_sms.normalize import Caller, NotUnderstood, Params
from tests.support.corpus import CORPUS as SHARED_CORPUS
from tests.unit.ingest_sms import samples

CORPUS = SHARED_CORPUS
NOW = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
CALLER = Caller(number=samples.VN_NUMBER, our_number=samples.OURS)

PARSERS: dict[str, Callable[[Params], Any]] = {
    "sms": lambda p: normalize.sms_event(p, received_at=NOW, default_region="VN"),
    "missed_call": lambda p: normalize.missed_call_event(p, status="busy", received_at=NOW, default_region="VN"),
    "transcription": lambda p: normalize.transcription_event(p, caller=CALLER, received_at=NOW, default_region="VN"),
    "recording": lambda p: normalize.recording_event(p, caller=CALLER, received_at=NOW, default_region="VN"),
    "missed_call_status": normalize.missed_call_status,
    "caller_of": normalize.caller_of,
    "media": normalize.media_attachments,
    "delivery_status": lambda p: normalize.delivery_status(p.get("MessageStatus", "")),
}


def corpus_files(*, twilio: bool) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    files = [path for path in sorted(CORPUS.rglob("*")) if path.is_file() and path.suffix != ".md"]
    return [path for path in files if ("twilio" in str(path).lower()) == twilio]


def as_params(path: Path) -> dict[str, str]:
    """A body as parameters: a JSON object's fields, or form fields (after any captured HTTP headers)."""
    text = path.read_bytes().decode("utf-8", "replace")
    _, separator, body = text.partition("\r\n\r\n") if "\r\n\r\n" in text else text.partition("\n\n")
    body = body if separator and text.lstrip().startswith(("POST", "GET")) else text
    try:
        document = json.loads(body)
    except ValueError:
        return dict(parse_qsl(body.strip(), keep_blank_values=True))
    return (
        {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in document.items()}
        if isinstance(document, dict)
        else {}
    )


def run_every_parser(params: Params) -> None:
    for name, parse in PARSERS.items():
        try:
            parse(params)
        except NotUnderstood:
            pass  # refused cleanly: what a parser may do with a body that is not for it
        except Exception as error:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"parser {name} crashed with {type(error).__name__}: {error}") from error


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_every_parser_takes_every_documented_sample(name: str) -> None:
    run_every_parser(samples.ALL[name])


@pytest.mark.parametrize("path", corpus_files(twilio=True) or [None], ids=str)
def test_every_parser_takes_every_twilio_capture_of_the_corpus(path: Path | None) -> None:
    if path is None:
        pytest.skip("the shared corpus has no Twilio captures yet (PROVENANCE.md: not found); samples.py stands in")
    run_every_parser(as_params(path))


@pytest.mark.parametrize("path", corpus_files(twilio=False), ids=lambda p: p.name)
def test_other_providers_webhooks_are_refused_cleanly(path: Path) -> None:
    run_every_parser(as_params(path))


def test_documented_samples_become_the_expected_events() -> None:
    sms = normalize.sms_event(samples.SMS, received_at=NOW, default_region="VN").data
    assert (sms.channel, sms.sender.address, sms.recipient, sms.text) == (
        "sms",
        samples.US_NUMBER,
        samples.OURS,
        "Hello, my order has not arrived",
    )
    mms = normalize.sms_event(samples.MMS, received_at=NOW, default_region="VN").data
    assert [a.content_type for a in mms.attachments] == ["image/jpeg", "application/pdf"]
    stop = normalize.sms_event(samples.STOP, received_at=NOW, default_region="VN")
    assert (stop.keyword, stop.data.metadata["opt_out"]) == (normalize.OptKeyword.STOP, "stop")
    whatsapp = normalize.sms_event(samples.WHATSAPP, received_at=NOW, default_region="VN").data
    assert (whatsapp.channel, whatsapp.sender.address) == ("whatsapp", samples.VN_NUMBER)
    assert normalize.missed_call_status(samples.CALL_STATUS_BUSY) == "busy"
    assert normalize.missed_call_status(samples.CALL_STATUS_COMPLETED) is None
    transcript = normalize.transcription_event(
        samples.TRANSCRIPTION, caller=CALLER, received_at=NOW, default_region="VN"
    )
    assert transcript.data.text == samples.TRANSCRIPTION["TranscriptionText"]
    recording = normalize.recording_event(samples.RECORDING_STATUS, caller=CALLER, received_at=NOW, default_region="VN")
    assert (recording.data.text, recording.data.attachments[0].filename) == ("Call recording", f"RE{'c' * 32}.wav")
    assert normalize.delivery_status(samples.MESSAGE_STATUS_UNDELIVERED["MessageStatus"]) == "failed"
