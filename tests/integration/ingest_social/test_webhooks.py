"""Every platform's webhook through the running service: genuine calls are stored as events (each message its own,
keyed by the sender), forged, unsigned and wrongly signed ones publish nothing, redeliveries change nothing."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.integration.ingest_social.support import (
    META_VERIFY_TOKEN,
    X_CONSUMER_SECRET,
    outbox_events,
    post_meta,
    post_telegram,
    post_x,
    post_zalo,
    received_events,
    running_social,
    social_settings,
)
from tests.unit.ingest_social.samples import (
    PSID_LAN,
    PSID_MINH,
    X_USER,
    ZALO_USER,
    messenger_batch,
    page_feed_comment,
    telegram_text,
    whatsapp_text,
    x_direct_message,
    zalo_event,
)

Post = Callable[..., Awaitable[httpx.Response]]

ZALO_TEXT = zalo_event("user_send_text", {"msg_id": "zmsg-1", "text": "Tôi muốn đổi trả sản phẩm"})
PLATFORMS: list[tuple[str, Post, Any, str, str]] = [
    ("meta", post_meta, whatsapp_text("wamid.HOOK1", "Hàng lỗi", timestamp=1764000000), "whatsapp", "+84912345678"),
    ("telegram", post_telegram, telegram_text(1, 7, "Xin chào, tôi cần hỗ trợ"), "telegram", "123456789"),
    ("zalo", post_zalo, ZALO_TEXT, "zalo", ZALO_USER),
    ("x", post_x, x_direct_message("1590000000000000001", "Tài khoản bị khoá"), "x", X_USER),
]
IDS = [p[0] for p in PLATFORMS]


@pytest.mark.parametrize(("platform", "post", "document", "channel", "sender"), PLATFORMS, ids=IDS)
async def test_a_genuine_call_is_stored_once_and_a_redelivery_changes_nothing(
    migrated_url: str, closed_bootstrap: str, platform: str, post: Post, document: Any, channel: str, sender: str
) -> None:
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        first = await post(client, document)
        assert first.status_code == 200, first.text
        assert first.json()["accepted"] == 1
        again = await post(client, document)
        assert again.json() == {"accepted": 0, "duplicates": 1, "statuses": 0, "skipped": 0}
        [event] = await received_events(app)
        assert (event["data"]["channel"], event["data"]["sender"]["address"], event["_key"]) == (
            channel,
            sender,
            sender,
        )
        assert event["_topic"] == "complaints.inbound.v1"


@pytest.mark.parametrize(("platform", "post", "document", "channel", "sender"), PLATFORMS, ids=IDS)
async def test_unsigned_forged_and_wrongly_signed_calls_publish_nothing(
    migrated_url: str, closed_bootstrap: str, platform: str, post: Post, document: Any, channel: str, sender: str
) -> None:
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        missing = await post(client, document, **{_secret_arg(platform): None})
        assert missing.status_code == 401
        assert missing.headers["content-type"].startswith("application/problem+json")
        wrong = await post(client, document, **{_secret_arg(platform): "not-the-secret"})
        assert wrong.status_code == 403
        forged = await _forged(client, platform, document)
        assert forged.status_code == 403
        assert await outbox_events(app) == []


def _secret_arg(platform: str) -> str:
    return "token" if platform == "telegram" else "secret"


async def _forged(client: httpx.AsyncClient, platform: str, document: Any) -> httpx.Response:
    """A genuine signature over one body sent with another (Telegram signs no body: a guessed token instead)."""
    if platform == "telegram":
        return await post_telegram(client, document, token="guessed")
    post = {"meta": post_meta, "zalo": post_zalo, "x": post_x}[platform]
    tampered = json.dumps(document, ensure_ascii=False).replace("1", "2").encode()
    return await post(client, document, send=tampered)


async def test_a_disabled_platform_answers_404_and_the_notes_say_why(migrated_url: str, closed_bootstrap: str) -> None:
    settings = social_settings(migrated_url, closed_bootstrap, zalo_oa_secret="", x_consumer_secret=None)
    async with running_social(settings) as (app, client):
        answer = await post_zalo(client, ZALO_TEXT)
        assert answer.status_code == 404
        assert answer.json()["type"].endswith("zalo-disabled")
        assert (await client.get("/x/webhook", params={"crc_token": "abc"})).status_code == 404
        notes = (await client.get("/startup-notes")).json()["notes"]
        assert any("INGEST_SOCIAL_ZALO_OA_SECRET is not set" in note for note in notes)
        assert any("INGEST_SOCIAL_X_CONSUMER_SECRET is not set" in note for note in notes)
        assert not any("TELEGRAM_SECRET_TOKEN" in note for note in notes)
        assert await outbox_events(app) == []


async def test_meta_handshake_and_x_crc(migrated_url: str, closed_bootstrap: str) -> None:
    from ingest_social.x.verify import crc_response

    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (_, client):
        hub = {"hub.mode": "subscribe", "hub.verify_token": META_VERIFY_TOKEN, "hub.challenge": "1158201444"}
        accepted = await client.get("/meta/webhook", params=hub)
        assert (accepted.status_code, accepted.text) == (200, "1158201444")
        refused = await client.get("/meta/webhook", params={**hub, "hub.verify_token": "guess"})
        assert refused.status_code == 403
        crc = await client.get("/x/webhook", params={"crc_token": "challenge-123"})
        assert crc.json() == crc_response(X_CONSUMER_SECRET, "challenge-123")


async def test_a_messenger_batch_is_one_event_per_message_keyed_by_each_sender(
    migrated_url: str, closed_bootstrap: str
) -> None:
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        answer = await post_meta(client, messenger_batch())
        assert answer.json() == {"accepted": 3, "duplicates": 0, "statuses": 0, "skipped": 1}
        events = await received_events(app)
        assert [(e["data"]["provider_message_id"], e["_key"]) for e in events] == [
            ("m_lan-1", PSID_LAN),
            ("m_lan-2", PSID_LAN),
            ("m_minh-1", PSID_MINH),
        ]
        assert events[0]["data"]["text"] == "Đơn hàng #A1234 giao thiếu 2 sản phẩm, tôi cần hoàn tiền"


async def test_public_posts_only_when_enabled(migrated_url: str, closed_bootstrap: str) -> None:
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        assert (await post_meta(client, page_feed_comment())).json()["accepted"] == 0
    settings = social_settings(migrated_url, closed_bootstrap, public_posts=True)
    async with running_social(settings) as (app, client):
        assert (await post_meta(client, page_feed_comment())).json()["accepted"] == 1
        [post] = await received_events(app)
        assert (post["data"]["channel"], post["data"]["metadata"]["kind"]) == ("messenger", "social_post")


async def test_a_signed_body_that_is_not_a_webhook_is_refused_without_storing(
    migrated_url: str, closed_bootstrap: str
) -> None:
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        answer = await post_meta(client, ["not", "an", "object"])
        assert answer.status_code == 422
        assert await outbox_events(app) == []
