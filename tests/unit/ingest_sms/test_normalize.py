"""normalize.py: Twilio parameters and phone notes -> complaint.message.received.v1 payloads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ingest_sms import normalize
from ingest_sms.authors import CTI, AuthorKind, NoteAuthor
from ingest_sms.normalize import NotUnderstood, OptKeyword
from shared.events import DeliveryStatus

NOW = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)


def sms(sender: str = "+84912345678", body: str = "Xin chào", **extra: str) -> dict[str, str]:
    return {"MessageSid": "SM" + "1" * 32, "From": sender, "To": "+84281234567", "Body": body, **extra}


@pytest.mark.parametrize("raw", ["0912 345 678", "+84 912345678", "84912345678", "0912345678", "+84912345678"])
def test_vietnamese_numbers_in_every_common_form_are_one_e164_address(raw: str) -> None:
    sender = normalize.sms_event(sms(raw), received_at=NOW, default_region="VN").data.sender
    assert (sender.address, sender.raw, sender.valid) == ("+84912345678", raw, True)


def test_the_default_region_decides_numbers_without_a_country_code() -> None:
    sender = normalize.sms_event(sms("(415) 555-0100"), received_at=NOW, default_region="US").data.sender
    assert sender.address == "+14155550100"


@pytest.mark.parametrize("raw", ["VCBANK", "12345"])
def test_short_codes_and_sender_names_are_kept_as_they_are_and_flagged(raw: str) -> None:
    sender = normalize.sms_event(sms(raw), received_at=NOW, default_region="VN").data.sender
    assert (sender.address, sender.valid) == (raw, False)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", OptKeyword.STOP),
        ("stop", OptKeyword.STOP),
        (" Unsubscribe. ", OptKeyword.STOP),
        ("STOPALL", OptKeyword.STOP),
        ("cancel", OptKeyword.STOP),
        ("End", OptKeyword.STOP),
        ("QUIT!", OptKeyword.STOP),
        ("start", OptKeyword.START),
        ("YES", OptKeyword.START),
        ("unstop", OptKeyword.START),
        ("help", OptKeyword.HELP),
        ("INFO", OptKeyword.HELP),
        ("please stop", None),
        ("stop it", None),
        ("", None),
    ],
)
def test_opt_out_keywords_count_only_alone(text: str, keyword: OptKeyword | None) -> None:
    assert normalize.opt_keyword(text) is keyword


def test_media_without_num_media_are_still_found() -> None:
    params = sms(MediaUrl0="https://example.com/a", MediaContentType0="image/png", MediaUrl1="https://example.com/b")
    attachments = normalize.media_attachments(params)
    assert [(a.url, a.content_type) for a in attachments] == [
        ("https://example.com/a", "image/png"),
        ("https://example.com/b", None),
    ]


def test_unknown_parameters_are_kept_as_provider_metadata() -> None:
    data = normalize.sms_event(sms(NewTwilioField="x"), received_at=NOW, default_region="VN").data
    assert data.metadata["twilio"] == {"NewTwilioField": "x"}


@pytest.mark.parametrize(
    "params", [{"From": "+84912345678"}, {"MessageSid": "SM1"}, {"MessageSid": "SM1", "From": " "}]
)
def test_an_sms_needs_a_sid_and_a_sender(params: dict[str, str]) -> None:
    with pytest.raises(NotUnderstood):
        normalize.sms_event(params, received_at=NOW, default_region="VN")


@pytest.mark.parametrize(
    ("params", "missed"),
    [
        ({"CallStatus": "busy"}, "busy"),
        ({"CallStatus": "no-answer", "Direction": "inbound"}, "no-answer"),
        ({"CallStatus": "completed", "CallDuration": "0"}, "abandoned"),
        ({"CallStatus": "completed", "CallDuration": "12"}, None),
        ({"CallStatus": "completed"}, None),
        ({"CallStatus": "ringing"}, None),
        ({"CallStatus": "busy", "Direction": "outbound-api"}, None),
        ({"CallStatus": "no-answer", "Direction": "outbound-dial"}, None),
    ],
)
def test_which_calls_count_as_missed(params: dict[str, str], missed: str | None) -> None:
    assert normalize.missed_call_status(params) == missed


def test_the_customer_of_an_outbound_call_is_the_number_called() -> None:
    caller = normalize.caller_of({"From": "+84281234567", "To": "+84912345678", "Direction": "outbound-api"})
    assert caller == normalize.Caller(number="+84912345678", our_number="+84281234567")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("delivered", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.FAILED),
        ("failed", DeliveryStatus.FAILED),
        ("sent", None),
        ("queued", None),
        ("read", None),
    ],
)
def test_only_final_message_statuses_are_reported(status: str, expected: DeliveryStatus | None) -> None:
    assert normalize.delivery_status(status) is expected


def test_a_phone_note_names_its_case_in_the_subject_and_keeps_the_call_facts() -> None:
    note = normalize.PhoneNote(
        note_id="n-1",
        caller=normalize.phone_sender("0912 345 678", default_region="VN"),
        direction="inbound",
        started_at=NOW,
        duration_seconds=None,
        agent_id="agent-1",
        text="Khách gọi hỏi tiến độ.",
        outcome=None,
        case_reference="C-2026-000042",
        author=NoteAuthor(AuthorKind.AGENT, agent_id="agent-1"),
    )
    data = normalize.phone_note_event(note, received_at=NOW)
    assert (data.channel, data.provider_message_id, data.subject) == (
        "phone",
        "agent-note:agent-1:n-1",
        "[#C-2026-000042]",
    )
    assert data.metadata["phone_note"] == {
        "note_id": "n-1",
        "direction": "inbound",
        "started_at": NOW.isoformat(),
        "agent_id": "agent-1",
        "author": {"kind": "agent", "agent_id": "agent-1"},
    }
    by_cti = normalize.phone_note_event(replace(note, author=CTI), received_at=NOW)
    assert (by_cti.provider_message_id, by_cti.metadata["phone_note"]["author"]) == ("note:n-1", {"kind": "cti"})


def test_the_default_note_id_is_stable_for_a_retry_and_differs_for_another_note() -> None:
    first = normalize.default_note_id(caller="+84912345678", started_at=NOW, agent_id="a", text="x")
    assert first == normalize.default_note_id(caller="+84912345678", started_at=NOW, agent_id="a", text="x")
    assert first != normalize.default_note_id(caller="+84912345678", started_at=NOW, agent_id="a", text="y")
    assert first != normalize.default_note_id(caller="+84912345678", started_at=NOW, agent_id="b", text="x")
