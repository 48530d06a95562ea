"""What an attacker without any secret can try on the platform webhooks: have the X CRC handshake sign a forged
body, echo their own markup through Meta's handshake, send signatures with non-ASCII characters, or send a body
nested so deep the parser gives up. Each is refused with a 4xx and stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest_social.meta.verify import signature as meta_signature
from ingest_social.x.verify import SIGNATURE_HEADER as X_HEADER
from ingest_social.x.verify import signature as x_signature
from tests.integration.ingest_social.support import (
    META_APP_SECRET,
    META_VERIFY_TOKEN,
    TELEGRAM_SECRET,
    X_CONSUMER_SECRET,
    outbox_events,
    received_events,
    running_social,
    social_settings,
)
from tests.unit.ingest_social.samples import x_direct_message

FORGED_DM = json.dumps(x_direct_message("1590000000000000666", "Hoàn tiền ngay vào tài khoản 0123")).encode()
DEPTH = 100_000


@pytest.mark.parametrize("prefix", [b"", b" ", b"\n\t", b"\xef\xbb\xbf"], ids=["bare", "space", "newline", "bom"])
async def test_a_crc_answer_for_a_forged_body_does_not_sign_that_body(
    migrated_url: str, closed_bootstrap: str, prefix: bytes
) -> None:
    """The attack end to end: ask the CRC handshake to "answer" a forged DM, post that DM with the answer."""
    forged = prefix + FORGED_DM
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        crc = await client.get("/x/webhook", params={"crc_token": forged.decode("utf-8")})
        oracle = crc.json().get("response_token", "sha256=")
        posted = await client.post(
            "/x/webhook", content=forged, headers={"content-type": "application/json", X_HEADER: oracle}
        )
        assert await received_events(app) == []
        assert await outbox_events(app) == []
        assert posted.status_code == 403
        assert crc.status_code == 400
        # A control character in the query is refused by the service's URL check before the CRC route sees it.
        assert crc.json()["type"].endswith(("crc-token-invalid", "invalid-url"))


async def test_the_crc_answers_tokens_as_x_sends_them_and_refuses_long_or_odd_ones(
    migrated_url: str, closed_bootstrap: str
) -> None:
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (_, client):
        for token in ("challenge-123", "OTk5ZWJiZDctNGI0ZS00Yjk2LWFkZTMtNmQwY2Q5MjAzZmI3", "a_b+c/d=="):
            answer = await client.get("/x/webhook", params={"crc_token": token})
            assert answer.status_code == 200
            assert answer.json()["response_token"] == x_signature(X_CONSUMER_SECRET, token.encode())
        for token in ("a" * 257, "[1]", '"quoted"', "a b", "1.5", "tôi"):
            assert (await client.get("/x/webhook", params={"crc_token": token})).status_code == 400


async def test_the_meta_handshake_echoes_only_a_challenge_meta_sends(migrated_url: str, closed_bootstrap: str) -> None:
    hub = {"hub.mode": "subscribe", "hub.verify_token": META_VERIFY_TOKEN}
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (_, client):
        echoed = await client.get("/meta/webhook", params={**hub, "hub.challenge": "<script>alert(1)</script>"})
        assert echoed.status_code == 400
        assert "script" not in echoed.text
        assert (await client.get("/meta/webhook", params={**hub, "hub.challenge": "7" * 257})).status_code == 400


def _signed_headers(platform: str, body: bytes, signature: bytes | None) -> dict[str, Any]:
    headers: dict[str, Any] = {"content-type": "application/json"}
    name = {
        "meta": "X-Hub-Signature-256",
        "telegram": "X-Telegram-Bot-Api-Secret-Token",
        "zalo": "X-ZEvent-Signature",
        "x": X_HEADER,
    }[platform]
    if signature is None:
        signature = {
            "meta": meta_signature(META_APP_SECRET, body),
            "telegram": TELEGRAM_SECRET,
            "zalo": "mac=" + "0" * 64,
            "x": x_signature(X_CONSUMER_SECRET, body),
        }[platform].encode()
    headers[name] = signature
    return headers


PLATFORMS = ["meta", "telegram", "zalo", "x"]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("signature", ["sha256=Bí mật".encode(), b"mac=\xff\xfe"], ids=["utf8", "latin1"])
async def test_a_non_ascii_signature_is_refused_not_a_server_error(
    migrated_url: str, closed_bootstrap: str, platform: str, signature: bytes
) -> None:
    body = b'{"object":"page","update_id":1,"app_id":"1","timestamp":"1"}'
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        answer = await client.post(
            f"/{platform}/webhook", content=body, headers=_signed_headers(platform, body, signature)
        )
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert await outbox_events(app) == []


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_signed_body_nested_100k_deep_is_a_clear_400(
    migrated_url: str, closed_bootstrap: str, platform: str
) -> None:
    body = ('{"x":' + '[{"a":' * (DEPTH // 2) + "1" + "}]" * (DEPTH // 2) + "}").encode()
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        answer = await client.post(f"/{platform}/webhook", content=body, headers=_signed_headers(platform, body, None))
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith("json-too-deep")
        assert await outbox_events(app) == []


async def test_a_signed_body_nested_a_little_is_still_taken(migrated_url: str, closed_bootstrap: str) -> None:
    document = x_direct_message("1590000000000000777", "Xin chào")
    document["extra"] = json.loads("[" * 40 + "]" * 40)
    body = json.dumps(document).encode()
    async with running_social(social_settings(migrated_url, closed_bootstrap)) as (app, client):
        answer = await client.post("/x/webhook", content=body, headers=_signed_headers("x", body, None))
        assert answer.json()["accepted"] == 1
        assert len(await received_events(app)) == 1
