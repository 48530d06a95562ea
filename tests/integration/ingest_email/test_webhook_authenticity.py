"""What a forger or a replayer can try on the mail webhooks: one captured Mailgun signature posted many times at
once with other mails, a token too long to remember, a forged post the form parser would chew on, non-ASCII
signatures and credentials, JSON nested 100k deep. Each is refused with a 4xx and at most one mail is stored."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from ingest_email.verify import mailgun_signature
from tests.integration.ingest_email.support import MAILGUN_KEY, basic_auth, email_settings, outbox_events, running_email
from tests.support.broker import free_port

CLOSED = f"127.0.0.1:{free_port()}"
DEPTH = 100_000


def _signed(token: str | None = None, **fields: str) -> dict[str, str]:
    timestamp, token = str(int(time.time())), token or uuid.uuid4().hex
    return {
        "timestamp": timestamp,
        "token": token,
        "signature": mailgun_signature(MAILGUN_KEY, timestamp=timestamp, token=token),
        "sender": "khach@vidu.vn",
        "from": "Khach <khach@vidu.vn>",
        "recipient": "support@example.com",
        "subject": "Đơn hàng A1",
        "body-plain": "Xin chào",
        **fields,
    }


async def _post(client: httpx.AsyncClient, data: dict[str, str], **kwargs: Any) -> httpx.Response:
    return await client.post("/mailgun/inbound", data=data, **kwargs)


async def test_one_signature_posted_concurrently_with_different_mails_stores_one(
    migrated_url: str, tmp_path: Path
) -> None:
    captured = _signed()
    forgeries = [{**captured, "body-plain": f"Chuyển khoản vào tài khoản {n}"} for n in range(8)]
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        answers = await asyncio.gather(*(_post(client, data) for data in forgeries))
        assert sorted(answer.status_code for answer in answers) == [200] + [406] * 7
        assert len(await outbox_events(app)) == 1


async def test_a_token_longer_than_can_be_remembered_is_refused(migrated_url: str, tmp_path: Path) -> None:
    long_token = "a" * 201
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        first = await _post(client, _signed(long_token))
        again = await _post(client, _signed(long_token, **{"body-plain": "another"}))
        assert await outbox_events(app) == []
        assert (first.status_code, again.status_code) == (406, 406)
        assert "longer than" in first.json()["detail"]


async def test_a_post_that_stored_nothing_leaves_its_token_to_mailguns_retry(migrated_url: str, tmp_path: Path) -> None:
    """Attachment storage refuses (a file where its directory goes): 503. Mailgun retries the same post."""
    blocked = tmp_path / "attachments"
    blocked.write_bytes(b"not a directory")
    post = _signed()
    files = {"attachment-1": ("hoa-don.pdf", b"%PDF-1.4 hoa don", "application/pdf")}
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        failed = await _post(client, post, files=files)
        assert failed.status_code == 503
        assert await outbox_events(app) == []
        blocked.unlink()
        retried = await _post(client, post, files=files)
        assert retried.status_code == 200, retried.text
        replayed = await _post(client, {**post, "body-plain": "khác"}, files=files)
        assert replayed.status_code == 406
        assert len(await outbox_events(app)) == 1


async def test_a_forged_post_is_refused_before_its_form_is_parsed(migrated_url: str, tmp_path: Path) -> None:
    forged = {**_signed(), "signature": "0" * 64}
    too_many_fields = {**forged, **{f"x-{n}": "v" for n in range(1500)}}
    broken = b"--b\r\nContent-Disposition: form-data; name=token\r\n\r\nabc\r\n--b\r\nbroken"
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        assert (await _post(client, too_many_fields)).status_code == 406
        answer = await client.post(
            "/mailgun/inbound", content=broken, headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert answer.status_code == 406
        assert await outbox_events(app) == []


async def test_non_ascii_signatures_and_credentials_are_refused_not_a_server_error(
    migrated_url: str, tmp_path: Path
) -> None:
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        assert (await _post(client, {**_signed(), "signature": "é" * 64})).status_code == 406
        for path in ("/sendgrid/inbound", "/postmark/inbound"):
            for header in ("Basic é€".encode(), b"Basic \xff\xfe", "Basic dXNlcjpwYXNzø".encode()):
                answer = await client.post(path, content=b"{}", headers={"Authorization": header})
                assert answer.status_code == 401, (path, answer.text)
        assert await outbox_events(app) == []


async def test_json_nested_100k_deep_is_a_clear_400_or_treated_as_absent(migrated_url: str, tmp_path: Path) -> None:
    deep = "[" * DEPTH + "]" * DEPTH
    async with running_email(email_settings(migrated_url, CLOSED, tmp_path)) as (app, client):
        postmark = await client.post(
            "/postmark/inbound",
            content=('{"From":"khach@vidu.vn","Headers":' + deep + "}").encode(),
            headers={**basic_auth(), "content-type": "application/json"},
        )
        assert postmark.status_code == 400
        assert postmark.headers["content-type"].startswith("application/problem+json")
        assert await outbox_events(app) == []
        sendgrid = await client.post(
            "/sendgrid/inbound",
            data={"envelope": deep, "attachment-info": deep, "from": "khach@vidu.vn", "text": "Xin chào"},
            headers=basic_auth(),
        )
        assert sendgrid.status_code == 200, sendgrid.text
        mailgun = await _post(client, _signed(**{"message-headers": deep, "content-id-map": deep}))
        assert mailgun.status_code == 200, mailgun.text
        assert len(await outbox_events(app)) == 2
