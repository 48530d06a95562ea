"""Replies a case asks for, sent to (fake) platform APIs answering like the real ones, and what becomes of them
reported: sent with the platform's id, failed with its words, refused outside WhatsApp's window, delivered when
the platform's webhook says so.

Requests are handed to the outbound handler as the consumer would; the consumer itself, over the broker, is
exercised by the full path in test_flow.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from ingest_social.models import SocialMessage
from shared.events import Channel
from shared.ingest import spool
from tests.integration.ingest_social.support import (
    hand_over,
    post_meta,
    post_zalo,
    reports,
    requested,
    running_social,
    social_settings,
    wait_reports,
)
from tests.support.fake_platforms import (
    META,
    META_RATE_LIMITED,
    META_SERVER_ERROR,
    TELEGRAM,
    TELEGRAM_BLOCKED,
    TELEGRAM_TOO_MANY,
    X_TOO_MANY,
    ZALO,
    ZALO_NOT_FOLLOWER,
    FakePlatforms,
    X,
    x_error,
)
from tests.support.polling import eventually
from tests.unit.ingest_social.samples import (
    IGSID,
    PAGE_ID,
    PHONE_NUMBER_ID,
    PSID_LAN,
    X_USER,
    ZALO_OA_ID,
    ZALO_USER,
    whatsapp_status,
    whatsapp_text,
    zalo_event,
)

CUSTOMER_WA = "+84912345678"


def one(found: list[dict[str, Any]]) -> dict[str, Any]:
    [report] = found
    data: dict[str, Any] = report["data"]
    return data


async def open_whatsapp_window(client: Any, *, hours_ago: float = 0) -> None:
    sent = int(time.time() - hours_ago * 3600)
    answer = await post_meta(client, whatsapp_text(f"wamid.IN{sent}", "Cho tôi hỏi đơn hàng", timestamp=sent))
    assert answer.status_code == 200


async def test_every_platform_gets_its_api_call_and_each_reply_is_reported_sent(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, client):
        await open_whatsapp_window(client)
        await hand_over(app, requested(Channel.MESSENGER, PSID_LAN, from_address=PAGE_ID, text="Dạ shop xin lỗi ạ"))
        await hand_over(app, requested(Channel.INSTAGRAM, IGSID, text="Shop đổi size giúp bạn nhé"))
        await hand_over(
            app, requested(Channel.WHATSAPP, CUSTOMER_WA, from_address=PHONE_NUMBER_ID, text="Đã hoàn tiền")
        )
        await hand_over(app, requested(Channel.TELEGRAM, "123456789", conversation_id="123456789", text="Đã nhận"))
        await hand_over(app, requested(Channel.ZALO, ZALO_USER, from_address=ZALO_OA_ID, text="Cảm ơn bạn"))
        await hand_over(app, requested(Channel.X, X_USER, text="We are on it"))
        sent = await wait_reports(app, 6)

    assert {(r["data"]["channel"], r["data"]["status"]) for r in sent} == {
        (channel, "sent") for channel in ("messenger", "instagram", "whatsapp", "telegram", "zalo", "x")
    }
    calls = {(r.platform, r.path, r.text) for r in fake_platforms.received}
    assert calls == {
        (META, "/me/messages", "Dạ shop xin lỗi ạ"),
        (META, "/me/messages", "Shop đổi size giúp bạn nhé"),
        (META, f"/{PHONE_NUMBER_ID}/messages", "Đã hoàn tiền"),
        (TELEGRAM, "/sendMessage", "Đã nhận"),
        (ZALO, "/v3.0/oa/message/cs", "Cảm ơn bạn"),
        (X, f"/2/dm_conversations/with/{X_USER}/messages", "We are on it"),
    }
    whatsapp = next(r for r in fake_platforms.received if r.path.startswith(f"/{PHONE_NUMBER_ID}"))
    assert whatsapp.body["to"] == "84912345678"
    messenger = next(r for r in fake_platforms.received if r.text == "Dạ shop xin lỗi ạ")
    assert messenger.body["recipient"] == {"id": PSID_LAN}
    ids = {r["data"]["channel"]: r["data"]["provider_message_id"] for r in sent}
    assert ids["whatsapp"] == whatsapp.message_id
    assert ids["telegram"] == f"123456789:{next(r for r in fake_platforms.sent(TELEGRAM)).message_id}"
    assert all(r["_key"] == "case-1" for r in sent)


async def test_whatsapp_outside_the_24_hour_window_is_reported_failed_and_not_sent(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, client):
        await open_whatsapp_window(client, hours_ago=25)
        await hand_over(app, requested(Channel.WHATSAPP, CUSTOMER_WA, from_address=PHONE_NUMBER_ID))
        report = one(await wait_reports(app, 1))
        assert (report["status"], report["error"]) == (
            "failed",
            "outside the 24-hour window: a template message is needed",
        )
        await hand_over(app, requested(Channel.WHATSAPP, "+84987654321", from_address=PHONE_NUMBER_ID))
        never_wrote = (await wait_reports(app, 2))[1]["data"]
        assert never_wrote["error"] == "outside the 24-hour window: a template message is needed"
    assert fake_platforms.received == []


async def test_rate_limits_and_server_errors_are_retried_and_the_reply_sent_once(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    fake_platforms.fail_next(META, META_RATE_LIMITED)
    fake_platforms.fail_next(META, META_SERVER_ERROR)
    fake_platforms.fail_next(TELEGRAM, TELEGRAM_TOO_MANY)
    fake_platforms.fail_next(X, X_TOO_MANY)
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, _):
        await hand_over(app, requested(Channel.MESSENGER, PSID_LAN))
        await hand_over(app, requested(Channel.TELEGRAM, "123456789"))
        await hand_over(app, requested(Channel.X, X_USER))
        sent = await wait_reports(app, 3, within=30)
    assert {r["data"]["status"] for r in sent} == {"sent"}
    assert (len(fake_platforms.received), fake_platforms.requests) == (3, {META: 3, TELEGRAM: 2, X: 2})


async def test_a_platform_asking_for_a_long_wait_is_not_called_again_before_it(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    fake_platforms.fail_next(X, x_error(429, "Too Many Requests", "Too Many Requests", retry_after=120))
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, _):
        data = requested(Channel.X, X_USER)
        await hand_over(app, data)

        async def waiting() -> SocialMessage | None:
            async with app.state.runtime.sessions() as session:
                row = await spool.spooled(session, SocialMessage, outbound_id=data.outbound_id)
            return row if row is not None and row.status == spool.PENDING and row.error else None

        await eventually(waiting, within=10, what="the reply back in the spool")
        sender = app.state.sender
        assert await sender.send_due(now=datetime.now(UTC) + timedelta(seconds=100)) == 0
        assert await sender.send_due(now=datetime.now(UTC) + timedelta(seconds=121)) == 1
        report = one(await wait_reports(app, 1))
    assert report["status"] == "sent"
    assert (len(fake_platforms.received), fake_platforms.requests) == (1, {X: 2})


async def test_platform_refusals_are_reported_failed_in_the_platforms_words(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    fake_platforms.fail_next(TELEGRAM, TELEGRAM_BLOCKED)
    fake_platforms.fail_next(ZALO, ZALO_NOT_FOLLOWER)
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, _):
        await hand_over(app, requested(Channel.TELEGRAM, "123456789"))
        await hand_over(app, requested(Channel.ZALO, ZALO_USER))
        failed = await wait_reports(app, 2)
    assert {(r["data"]["channel"], r["data"]["status"], r["data"]["error"]) for r in failed} == {
        ("telegram", "failed", "Telegram error 403: Forbidden: bot was blocked by the user"),
        ("zalo", "failed", "Zalo error -213: User has not followed OA"),
    }
    assert fake_platforms.received == []


async def test_a_platform_without_a_token_reports_why_nothing_was_sent(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms, x_access_token=None)
    async with running_social(settings) as (app, _):
        await hand_over(app, requested(Channel.X, X_USER))
        report = one(await wait_reports(app, 1))
    assert (report["status"], report["error"]) == (
        "failed",
        "X sending is not configured (INGEST_SOCIAL_X_ACCESS_TOKEN)",
    )


async def test_a_redelivered_request_is_sent_once_and_other_channels_are_not_ours(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, _):
        data = requested(Channel.ZALO, ZALO_USER)
        await hand_over(app, data)
        await hand_over(app, data)
        await hand_over(app, requested(Channel.SMS, "+84912345678"))
        await wait_reports(app, 1)
        assert len(await reports(app)) == 1
    assert len(fake_platforms.received) == 1


async def test_a_reply_to_a_public_comment_is_a_private_reply(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, _):
        await hand_over(app, requested(Channel.MESSENGER, "3001234567890", conversation_id="comment:900001_700002"))
        await wait_reports(app, 1)
    [call] = fake_platforms.received
    assert call.body["recipient"] == {"comment_id": "900001_700002"}


async def delivered(app: FastAPI, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        found = [r["data"] for r in await reports(app) if r["data"]["status"] in ("delivered", "failed")]
        return found if len(found) >= count else None

    return await eventually(enough, within=10, what=f"{count} delivery news report(s)")


async def test_platform_delivery_news_is_reported_on_the_replies_it_names(
    migrated_url: str, closed_bootstrap: str, fake_platforms: FakePlatforms
) -> None:
    settings = social_settings(migrated_url, closed_bootstrap, fake=fake_platforms)
    async with running_social(settings) as (app, client):
        await open_whatsapp_window(client)
        await hand_over(app, requested(Channel.WHATSAPP, CUSTOMER_WA, from_address=PHONE_NUMBER_ID))
        await hand_over(app, requested(Channel.MESSENGER, PSID_LAN))
        await hand_over(app, requested(Channel.ZALO, ZALO_USER))
        await wait_reports(app, 3)
        wamid = next(r.message_id for r in fake_platforms.sent(META) if r.path != "/me/messages")
        zalo_id = fake_platforms.sent(ZALO)[0].message_id

        news = await post_meta(client, whatsapp_status(wamid, "read", timestamp=int(time.time())))
        assert news.json()["statuses"] == 1
        read = {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "sender": {"id": PSID_LAN},
                            "recipient": {"id": PAGE_ID},
                            "timestamp": int(time.time() * 1000),
                            "read": {"watermark": int(time.time() * 1000) + 1000},
                        }
                    ],
                }
            ],
        }
        assert (await post_meta(client, read)).json()["statuses"] == 1
        receipt = zalo_event("user_received_message", {"msg_ids": [zalo_id]})
        receipt["sender"], receipt["recipient"] = {"id": ZALO_OA_ID}, {"id": ZALO_USER}
        assert (await post_zalo(client, receipt)).json()["statuses"] == 1
        assert (await post_meta(client, whatsapp_status(wamid, "read", timestamp=1))).json()["statuses"] == 0
        news_reports = await delivered(app, 3)
    assert sorted((r["channel"], r["status"]) for r in news_reports) == [
        ("messenger", "delivered"),
        ("whatsapp", "delivered"),
        ("zalo", "delivered"),
    ]
