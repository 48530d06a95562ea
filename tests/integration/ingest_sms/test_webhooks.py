"""Twilio's webhooks and phone notes, stored as events in the outbox (the broker is down throughout: a stored
event is durable and answered as accepted; the relay publishes it when the broker is back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from ingest_sms.models import PhoneConsent
from shared.tokens import Role
from tests.integration.ingest_sms.support import (
    ACCOUNT_SID,
    OUR_NUMBER,
    auth,
    outbox_events,
    post_signed,
    running_sms,
    sms,
    sms_settings,
    token_auth,
)

Service = tuple[FastAPI, httpx.AsyncClient]
CALLER = "+84912345678"


@pytest.fixture
async def service(migrated_url: str, closed_bootstrap: str) -> AsyncIterator[Service]:
    async with running_sms(sms_settings(migrated_url, closed_bootstrap)) as running:
        yield running


async def received(app: FastAPI) -> list[dict[str, Any]]:
    return [e for e in await outbox_events(app) if e["type"] == "complaint.message.received.v1"]


async def consents(app: FastAPI) -> dict[str, tuple[bool, str]]:
    async with app.state.runtime.sessions() as session:
        rows = (await session.execute(select(PhoneConsent.number, PhoneConsent.opted_out, PhoneConsent.keyword))).all()
    return {number: (opted_out, keyword) for number, opted_out, keyword in rows}


def call(sid: str, status: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": status,
        "Called": OUR_NUMBER,
        "Caller": CALLER,
        "Direction": "inbound",
        "From": CALLER,
        "To": OUR_NUMBER,
        "FromCountry": "VN",
        **extra,
    }


async def test_an_sms_becomes_a_normalized_event_keyed_by_the_sender(service: Service) -> None:
    app, client = service
    response = await post_signed(client, "/twilio/sms", sms("SM" + "1" * 32, "0912 345 678", "Giao hàng chậm"))
    assert response.status_code == 200, response.text

    [event] = await received(app)
    data = event["data"]
    assert (event["_topic"], event["_key"], event["source"]) == ("complaints.inbound.v1", CALLER, "ingest_sms")
    assert (data["channel"], data["provider"], data["provider_message_id"]) == ("sms", "twilio", "SM" + "1" * 32)
    assert data["sender"] == {
        "kind": "phone",
        "address": CALLER,
        "raw": "0912 345 678",
        "valid": True,
        "display_name": None,
    }
    assert (data["recipient"], data["text"], data.get("language"), data["attachments"]) == (
        OUR_NUMBER,
        "Giao hàng chậm",
        None,
        [],
    )
    assert data["metadata"]["twilio"]["AccountSid"] == ACCOUNT_SID
    assert "Body" not in data["metadata"]["twilio"] and "opt_out" not in data["metadata"]


async def test_mms_media_become_attachments_with_their_content_types(service: Service) -> None:
    app, client = service
    media = {
        "NumMedia": "2",
        "MediaUrl0": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME2",
        "MediaContentType1": "video/mp4",
    }
    await post_signed(client, "/twilio/sms", sms("MM" + "1" * 32, CALLER, "", **media))

    [event] = await received(app)
    assert [(a["url"], a["content_type"]) for a in event["data"]["attachments"]] == [
        (media["MediaUrl0"], "image/jpeg"),
        (media["MediaUrl1"], "video/mp4"),
    ]
    assert "MediaUrl0" not in event["data"]["metadata"]["twilio"]


async def test_the_same_message_sid_three_times_is_one_event(service: Service) -> None:
    app, client = service
    answers = [await post_signed(client, "/twilio/sms", sms("SM" + "2" * 32, CALLER, "once")) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [event["data"]["text"] for event in await received(app)] == ["once"]


async def test_opt_out_keywords_are_recorded_per_number_and_still_published(service: Service) -> None:
    app, client = service
    await post_signed(client, "/twilio/sms", sms("SM" + "3" * 32, CALLER, "stop"))
    assert await consents(app) == {CALLER: (True, "STOP")}
    await post_signed(client, "/twilio/sms", sms("SM" + "4" * 32, CALLER, "HELP"))
    assert await consents(app) == {CALLER: (True, "STOP")}
    await post_signed(client, "/twilio/sms", sms("SM" + "5" * 32, CALLER, " Start "))
    assert await consents(app) == {CALLER: (False, "START")}
    await post_signed(client, "/twilio/sms", sms("SM" + "6" * 32, CALLER, "Please stop charging me twice"))

    events = await received(app)
    assert [e["data"]["metadata"].get("opt_out") for e in events] == ["stop", "help", "start", None]
    assert await consents(app) == {CALLER: (False, "START")}


async def test_whatsapp_through_twilio_is_a_whatsapp_message(service: Service) -> None:
    app, client = service
    params = {**sms("SM" + "7" * 32, f"whatsapp:{CALLER}", "Xin chào"), "To": f"whatsapp:{OUR_NUMBER}"}
    await post_signed(client, "/twilio/sms", params)
    [event] = await received(app)
    assert event["data"]["channel"] == "whatsapp"
    assert (event["data"]["sender"]["kind"], event["data"]["sender"]["address"]) == ("whatsapp", CALLER)
    assert event["data"]["recipient"] == OUR_NUMBER


async def test_a_signed_request_that_is_not_an_sms_is_refused_as_not_understood(service: Service) -> None:
    app, client = service
    response = await post_signed(client, "/twilio/sms", {"Body": "no sid, no sender"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("/twilio-request-not-understood")
    assert await outbox_events(app) == []


@pytest.mark.parametrize(
    ("status", "extra", "text"),
    [
        ("busy", {}, "Missed call (busy)"),
        ("no-answer", {}, "Missed call (no-answer)"),
        ("failed", {}, "Missed call (failed)"),
        ("canceled", {}, "Missed call (canceled)"),
        ("completed", {"CallDuration": "0"}, "Missed call (abandoned)"),
    ],
)
async def test_a_missed_call_from_a_customer_is_a_phone_message(
    service: Service, status: str, extra: dict[str, str], text: str
) -> None:
    app, client = service
    response = await post_signed(client, "/twilio/voice/status", call("CA" + "1" * 32, status, **extra))
    assert response.status_code == 204

    [event] = await received(app)
    data = event["data"]
    assert (data["channel"], data["provider_message_id"], data["text"]) == ("phone", "CA" + "1" * 32 + ":status", text)
    assert (data["sender"]["address"], data["recipient"], event["_key"]) == (CALLER, OUR_NUMBER, CALLER)
    assert data["metadata"]["call"]["call_sid"] == "CA" + "1" * 32


@pytest.mark.parametrize(
    "params",
    [
        call("CA" + "2" * 32, "completed", CallDuration="35"),
        call("CA" + "2" * 32, "ringing"),
        call("CA" + "2" * 32, "in-progress"),
        call("CA" + "2" * 32, "no-answer", Direction="outbound-api", From=OUR_NUMBER, To=CALLER),
    ],
)
async def test_answered_calls_and_our_own_calls_publish_nothing(service: Service, params: dict[str, str]) -> None:
    app, client = service
    response = await post_signed(client, "/twilio/voice/status", params)
    assert response.status_code == 204
    assert await received(app) == []


async def test_a_voicemail_transcript_arrives_with_its_recording(service: Service) -> None:
    app, client = service
    recording = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{'1' * 32}"
    params = {
        **call("CA" + "3" * 32, "completed"),
        "TranscriptionSid": "TR" + "1" * 32,
        "TranscriptionText": "Tôi gọi về đơn hàng bị hỏng",
        "TranscriptionStatus": "completed",
        "RecordingSid": "RE" + "1" * 32,
        "RecordingUrl": recording,
    }
    response = await post_signed(client, "/twilio/voice/transcription", params)
    assert response.status_code == 204

    [event] = await received(app)
    data = event["data"]
    assert (data["channel"], data["provider_message_id"], data["text"]) == (
        "phone",
        "TR" + "1" * 32,
        "Tôi gọi về đơn hàng bị hỏng",
    )
    assert data["sender"]["address"] == CALLER
    assert [(a["url"], a["content_type"]) for a in data["attachments"]] == [(recording, "audio/x-wav")]


async def test_a_failed_transcription_still_brings_the_recording(service: Service) -> None:
    app, client = service
    params = {
        **call("CA" + "4" * 32, "completed"),
        "TranscriptionSid": "TR" + "2" * 32,
        "TranscriptionStatus": "failed",
        "RecordingUrl": "https://api.twilio.com/rec.mp3",
    }
    await post_signed(client, "/twilio/voice/transcription", params)
    [event] = await received(app)
    assert event["data"]["text"] == "Voicemail (transcription failed)"
    assert event["data"]["attachments"][0]["content_type"] == "audio/mpeg"


async def test_a_recording_callback_is_attributed_through_the_calls_status_callback(service: Service) -> None:
    app, client = service
    call_sid = "CA" + "5" * 32
    recording = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": call_sid,
        "RecordingSid": "RE" + "5" * 32,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{'5' * 32}",
        "RecordingStatus": "completed",
        "RecordingDuration": "42",
    }
    unknown = await post_signed(client, "/twilio/voice/transcription", recording)
    assert unknown.status_code == 204
    assert await received(app) == []

    await post_signed(client, "/twilio/voice/status", call(call_sid, "completed", CallDuration="60"))
    in_progress = await post_signed(
        client, "/twilio/voice/transcription", {**recording, "RecordingStatus": "in-progress"}
    )
    done = await post_signed(client, "/twilio/voice/transcription", recording)
    assert (in_progress.status_code, done.status_code) == (204, 204)

    [event] = await received(app)
    assert (event["data"]["text"], event["data"]["sender"]["address"]) == ("Call recording", CALLER)
    assert event["data"]["provider_message_id"] == "RE" + "5" * 32
    assert event["data"]["metadata"]["call"]["recording_duration_seconds"] == "42"


NOTE = {
    "caller_number": "0912 345 678",
    "direction": "inbound",
    "started_at": "2026-11-24T09:15:00+07:00",
    "duration_seconds": 240,
    "note": "Khách gọi báo đơn hàng giao thiếu một món; hẹn gọi lại trong ngày.",
    "outcome": "callback promised",
    "case_reference": "C-2026-000123",
}


async def test_a_phone_note_becomes_a_phone_message_from_the_caller(service: Service) -> None:
    app, client = service
    response = await client.post("/v1/phone-notes", json={**NOTE, "agent_id": "agent-7"}, headers=auth())
    assert response.status_code == 202, response.text
    answer = response.json()
    assert set(answer) == {"event_id", "provider_message_id"}

    [event] = await received(app)
    data = event["data"]
    assert event["id"] == answer["event_id"]
    assert (data["channel"], data["provider"], data["provider_message_id"]) == (
        "phone",
        "phone_note",
        answer["provider_message_id"],
    )
    assert (data["sender"]["address"], data["subject"], data["text"]) == (CALLER, "[#C-2026-000123]", NOTE["note"])
    assert data["metadata"]["phone_note"] == {
        "note_id": answer["provider_message_id"].removeprefix("note:"),
        "direction": "inbound",
        "started_at": datetime(2026, 11, 24, 2, 15, tzinfo=UTC).isoformat(),
        "duration_seconds": 240,
        "agent_id": "agent-7",
        "outcome": "callback promised",
        "author": {"kind": "admin"},
    }


async def test_the_same_note_twice_is_one_event(service: Service) -> None:
    app, client = service
    first = await client.post("/v1/phone-notes", json=NOTE, headers=auth())
    again = await client.post("/v1/phone-notes", json=NOTE, headers=auth())
    second_note = await client.post("/v1/phone-notes", json={**NOTE, "note": "Gọi lại lần hai."}, headers=auth())
    with_id = await client.post("/v1/phone-notes", json={**NOTE, "note_id": "cti-1"}, headers=auth())
    with_id_again = await client.post("/v1/phone-notes", json={**NOTE, "note_id": "cti-1"}, headers=auth())

    assert first.json() == again.json()
    assert second_note.json()["event_id"] != first.json()["event_id"]
    assert with_id.json() == with_id_again.json() and with_id.json()["provider_message_id"] == "note:cti-1"
    assert len(await received(app)) == 3


async def test_an_agent_writes_notes_as_themselves(service: Service) -> None:
    app, client = service
    own = await client.post("/v1/phone-notes", json=NOTE, headers=token_auth(Role.AGENT, "agent-3"))
    other = await client.post(
        "/v1/phone-notes", json={**NOTE, "agent_id": "agent-9"}, headers=token_auth(Role.AGENT, "agent-3")
    )
    supervisor = await client.post(
        "/v1/phone-notes", json={**NOTE, "agent_id": "agent-9"}, headers=token_auth(Role.SUPERVISOR)
    )
    anonymous = await client.post("/v1/phone-notes", json=NOTE)

    assert (own.status_code, other.status_code, supervisor.status_code, anonymous.status_code) == (202, 403, 202, 401)
    agents = [e["data"]["metadata"]["phone_note"]["agent_id"] for e in await received(app)]
    assert agents == ["agent-3", "agent-9"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"caller_number": "12"}, "caller_number"),
        ({"caller_number": "not a number"}, "caller_number"),
        ({"case_reference": "123"}, "case_reference"),
        ({"note": "   "}, "note"),
        ({"note": "x" * 20_001}, "note"),
        ({"direction": "sideways"}, "direction"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_invalid_notes_are_refused_naming_the_field(service: Service, change: dict[str, Any], field: str) -> None:
    app, client = service
    response = await client.post("/v1/phone-notes", json={**NOTE, **change}, headers=auth())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]
    assert await received(app) == []
