"""The four inbound paths besides SMTP: SendGrid (parsed and raw), Mailgun (signed), Postmark, and POST /v1/mime;
fed with the shared corpus' captured requests. Each answers with the codes its provider understands."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from ingest_email.verify import mailgun_signature
from tests.integration.ingest_email.captures import CORPUS, read_capture
from tests.integration.ingest_email.support import (
    MAILGUN_KEY,
    basic_auth,
    bearer,
    email_settings,
    outbox_events,
    running_email,
)
from tests.support.broker import free_port

CLOSED = f"127.0.0.1:{free_port()}"
SENDGRID = sorted((CORPUS / "sendgrid-inbound-parse").iterdir())
MAILGUN = sorted((CORPUS / "mailgun-routes").iterdir())
POSTMARK = sorted((CORPUS / "postmark-inbound").glob("*.body.json"))
MAIL = (
    b"From: Khach <khach@vidu.vn>\r\nTo: support@example.com\r\nSubject: Hi\r\nMessage-ID: <m1@vidu.vn>\r\n"
    b"\r\nXin chao\r\n"
)


async def test_webhooks_without_their_secret_are_disabled_and_say_so(migrated_url: str, tmp_path: Path) -> None:
    settings = email_settings(migrated_url, CLOSED, tmp_path, webhook_basic_auth=None, mailgun_signing_key=None)
    async with running_email(settings) as (_, client):
        for path in ("/sendgrid/inbound", "/postmark/inbound", "/mailgun/inbound"):
            answer = await client.post(path, content=b"{}", headers=basic_auth())
            assert answer.status_code == 404, path
            assert answer.headers["content-type"].startswith("application/problem+json")
        notes = (await client.get("/startup-notes")).json()["notes"]
        assert any("INGEST_EMAIL_WEBHOOK_BASIC_AUTH" in note for note in notes)
        assert any("INGEST_EMAIL_MAILGUN_SIGNING_KEY" in note for note in notes)


@pytest.mark.parametrize("path", SENDGRID, ids=lambda p: p.name)
async def test_every_sendgrid_capture_becomes_a_complaint(migrated_url: str, tmp_path: Path, path: Path) -> None:
    capture = read_capture(path)
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        unauthorized = await client.post("/sendgrid/inbound", data=dict(capture.fields))
        assert unauthorized.status_code == 401
        answer = await client.post(
            "/sendgrid/inbound", data=dict(capture.fields), files=capture.files or None, headers=basic_auth()
        )
        assert answer.status_code == 200, answer.text
        [event] = await outbox_events(app)
        assert event["type"] == "complaint.message.received.v1"
        assert event["data"]["provider"] == "sendgrid" and event["data"]["sender"]["valid"]
        spf = dict(capture.fields).get("SPF", "").strip().lower()
        if spf in ("pass", "fail"):  # SendGrid checked the sender: its verdict is the one recorded
            authentication = event["data"]["metadata"]["authentication"]
            assert (authentication["spf"], authentication["source"]) == (spf, "sendgrid")


@pytest.mark.parametrize("path", MAILGUN, ids=lambda p: p.name)
async def test_mailgun_posts_are_taken_only_freshly_signed_and_once(
    migrated_url: str, tmp_path: Path, path: Path
) -> None:
    capture = read_capture(path)
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        as_captured = await client.post("/mailgun/inbound", data=dict(capture.fields), files=capture.files or None)
        assert as_captured.status_code == 406  # signed with another key, years ago, or not at all

        timestamp, token = str(int(time.time())), uuid.uuid4().hex
        signed = {
            **dict(capture.fields),
            "timestamp": timestamp,
            "token": token,
            "signature": mailgun_signature(MAILGUN_KEY, timestamp=timestamp, token=token),
        }
        answer = await client.post("/mailgun/inbound", data=signed, files=capture.files or None)
        assert answer.status_code == 200, answer.text
        assert answer.json()["kind"] in ("complaint", "dead_letter")
        replayed = await client.post("/mailgun/inbound", data=signed, files=capture.files or None)
        assert replayed.status_code == 406
        assert "used before" in replayed.json()["detail"]
        assert len(await outbox_events(app)) == 1

        stale = str(int(time.time()) - 3600)
        old = {**signed, "timestamp": stale, "token": "t2"}
        old["signature"] = mailgun_signature(MAILGUN_KEY, timestamp=stale, token="t2")
        assert (await client.post("/mailgun/inbound", data=old)).status_code == 406


@pytest.mark.parametrize("body", [path.read_bytes() for path in POSTMARK], ids=[path.name for path in POSTMARK])
async def test_every_postmark_capture_becomes_a_complaint_with_its_real_message_id(
    migrated_url: str, tmp_path: Path, body: bytes
) -> None:
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        answer = await client.post(
            "/postmark/inbound", content=body, headers={**basic_auth(), "content-type": "application/json"}
        )
        assert answer.status_code == 200, answer.text
        [event] = await outbox_events(app)
        assert event["data"]["provider"] == "postmark"
        assert event["data"]["thread"]["message_id"].startswith("<")


async def test_raw_mime_needs_a_bearer_key_and_unreadable_mail_is_a_dead_letter(
    migrated_url: str, tmp_path: Path
) -> None:
    mail = MAIL
    headers = {"content-type": "message/rfc822"}
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        assert (await client.post("/v1/mime", content=mail, headers=headers)).status_code == 401
        answer = await client.post("/v1/mime", content=mail, headers={**headers, **bearer()})
        assert answer.status_code == 202 and answer.json()["kind"] == "complaint"
        again = await client.post("/v1/mime", content=mail, headers={**headers, **bearer()})
        assert again.json()["duplicate"] is True

        refused = await client.post("/v1/mime", content=b"\x00\x01 not a mail", headers={**headers, **bearer()})
        assert refused.status_code == 422
        assert "dead letter" in refused.json()["detail"]
        events = await outbox_events(app)
        assert [event["_topic"] for event in events] == ["complaints.inbound.v1", "deadletter.v1"]
