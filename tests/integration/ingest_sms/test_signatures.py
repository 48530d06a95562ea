"""X-Twilio-Signature, built with the twilio library's own signing: what Twilio signed is stored, nothing else is."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from ingest_sms.api import EMPTY_TWIML
from tests.integration.ingest_sms.support import (
    PUBLIC_URL,
    outbox_events,
    post_signed,
    running_sms,
    signature,
    sms,
    sms_settings,
)

MESSAGE = sms("SM" + "a" * 32, "+84912345678", "Tôi bị trừ tiền hai lần")
Service = tuple[FastAPI, httpx.AsyncClient]


@pytest.fixture
async def service(migrated_url: str, closed_bootstrap: str) -> AsyncIterator[Service]:
    async with running_sms(sms_settings(migrated_url, closed_bootstrap)) as running:
        yield running


async def stored_texts(app: FastAPI) -> list[str]:
    return [event["data"]["text"] for event in await outbox_events(app)]


async def test_a_validly_signed_sms_is_stored_and_answered_with_empty_twiml(service: Service) -> None:
    app, client = service
    response = await post_signed(client, "/twilio/sms", MESSAGE)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == EMPTY_TWIML == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert await stored_texts(app) == ["Tôi bị trừ tiền hai lần"]


async def test_forged_tampered_and_unsigned_requests_are_refused_and_store_nothing(service: Service) -> None:
    app, client = service
    forged = await post_signed(client, "/twilio/sms", MESSAGE, token="someone-elses-auth-token-000000")
    url = PUBLIC_URL + "/twilio/sms"
    tampered = await client.post(
        "/twilio/sms",
        data={**MESSAGE, "Body": "Refund me 1000 USD"},
        headers={"X-Twilio-Signature": signature(url, MESSAGE)},
    )
    unsigned = await client.post("/twilio/sms", data=MESSAGE)

    for response in (forged, tampered, unsigned):
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/twilio-signature-invalid")
    assert await outbox_events(app) == []


@pytest.mark.parametrize(
    "signed_as",
    [
        "https://attacker.example.com/sms/twilio/sms",  # another host
        "http://support.example.com/sms/twilio/sms",  # another scheme
        PUBLIC_URL + "/twilio/voice/status",  # another endpoint's signature replayed here
        PUBLIC_URL + "/twilio/sms?extra=1",  # a query the request does not carry
    ],
)
async def test_a_signature_for_another_url_is_refused(service: Service, signed_as: str) -> None:
    app, client = service
    response = await post_signed(client, "/twilio/sms", MESSAGE, signed_as=signed_as)
    assert response.status_code == 403
    assert await outbox_events(app) == []


@pytest.mark.parametrize(
    ("public_url", "signed_as"),
    [
        ("https://support.example.com/sms", "https://support.example.com:443/sms/twilio/sms"),
        ("https://support.example.com:443/sms", "https://support.example.com/sms/twilio/sms"),
        ("https://support.example.com:443/sms", "https://support.example.com:443/sms/twilio/sms"),
        ("http://support.example.com/sms", "http://support.example.com:80/sms/twilio/sms"),
        ("https://support.example.com:8443/sms/", "https://support.example.com:8443/sms/twilio/sms"),
    ],
)
async def test_default_port_present_or_not_either_side_is_accepted(
    migrated_url: str, closed_bootstrap: str, public_url: str, signed_as: str
) -> None:
    settings = sms_settings(migrated_url, closed_bootstrap, public_url=public_url)
    async with running_sms(settings) as (_, client):
        response = await post_signed(client, "/twilio/sms", MESSAGE, signed_as=signed_as)
    assert response.status_code == 200, response.text
    assert len(await outbox_events(migrated_url)) == 1


async def test_repeated_parameters_are_signed_with_every_value(service: Service) -> None:
    app, client = service
    pairs = [*MESSAGE.items(), ("AddOns", "zeta"), ("AddOns", "alpha")]
    accepted = await post_signed(client, "/twilio/sms", pairs)
    # Signed over the first value only: the second was not part of what Twilio signed.
    url = PUBLIC_URL + "/twilio/sms"
    headers = {"X-Twilio-Signature": signature(url, pairs[:-1]), "content-type": "application/x-www-form-urlencoded"}
    from urllib.parse import urlencode

    refused = await client.post("/twilio/sms", content=urlencode(pairs), headers=headers)

    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 403
    assert len(await outbox_events(app)) == 1


async def test_the_query_string_is_part_of_what_is_signed(service: Service) -> None:
    app, client = service
    response = await post_signed(client, "/twilio/sms?number=main&x=%20y", MESSAGE)
    assert response.status_code == 200, response.text
    assert len(await outbox_events(app)) == 1


async def test_a_json_body_is_covered_by_body_sha256_in_the_signed_url(service: Service) -> None:
    app, client = service
    body = json.dumps({**MESSAGE, "Body": "JSON body"}, ensure_ascii=False)
    digest = hashlib.sha256(body.encode()).hexdigest()
    path = f"/twilio/sms?bodySHA256={digest}"
    headers = {"X-Twilio-Signature": signature(PUBLIC_URL + path, body), "content-type": "application/json"}

    accepted = await client.post(path, content=body.encode(), headers=headers)
    tampered = await client.post(path, content=body.replace("JSON body", "Other body").encode(), headers=headers)
    plain_path = "/twilio/sms"
    no_hash = await client.post(
        plain_path,
        content=body.encode(),
        headers={"X-Twilio-Signature": signature(PUBLIC_URL + plain_path, body), "content-type": "application/json"},
    )

    assert accepted.status_code == 200, accepted.text
    assert (tampered.status_code, no_hash.status_code) == (403, 403)
    assert await stored_texts(app) == ["JSON body"]


async def test_without_a_public_url_the_url_as_received_is_what_must_be_signed(
    migrated_url: str, closed_bootstrap: str
) -> None:
    settings = sms_settings(migrated_url, closed_bootstrap, public_url=None)
    async with running_sms(settings) as (_, client):
        behind_proxy = await post_signed(client, "/twilio/sms", MESSAGE)
        direct = await post_signed(client, "/twilio/sms", MESSAGE, signed_as="http://ingest-sms/twilio/sms")
        notes = (await client.get("/startup-notes")).json()["notes"]
    assert (behind_proxy.status_code, direct.status_code) == (403, 200)
    assert any("INGEST_SMS_PUBLIC_URL is not set" in note for note in notes)


@pytest.mark.parametrize(
    "path", ["/twilio/sms", "/twilio/sms/status", "/twilio/voice/status", "/twilio/voice/transcription"]
)
async def test_without_an_auth_token_the_twilio_endpoints_are_disabled(
    migrated_url: str, closed_bootstrap: str, path: str
) -> None:
    settings = sms_settings(migrated_url, closed_bootstrap, twilio_auth_token=None)
    async with running_sms(settings) as (_, client):
        response = await post_signed(client, path, MESSAGE)
        notes = (await client.get("/startup-notes")).json()["notes"]
    assert response.status_code == 404
    assert response.json()["type"].endswith("/twilio-disabled")
    assert notes and "INGEST_SMS_TWILIO_AUTH_TOKEN" in notes[0]
    assert await outbox_events(migrated_url) == []


@pytest.mark.parametrize("header", ["Chữ ký".encode(), b"\xff\xfe" * 14], ids=["utf8", "latin1"])
async def test_a_non_ascii_signature_is_refused_not_a_server_error(service: Service, header: bytes) -> None:
    app, client = service
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        response = await client.post(
            "/twilio/sms?bodySHA256=00",
            content=b"{}",
            headers={"X-Twilio-Signature": header, "content-type": content_type},
        )
        assert response.status_code == 403, response.text
    assert await outbox_events(app) == []


async def test_a_signed_json_body_nested_100k_deep_is_refused_not_a_server_error(service: Service) -> None:
    app, client = service
    body = '{"From":"+84912345678","Body":' + "[" * 100_000 + "]" * 100_000 + "}"
    path = f"/twilio/sms?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    headers = {"X-Twilio-Signature": signature(PUBLIC_URL + path, body), "content-type": "application/json"}
    response = await client.post(path, content=body.encode(), headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await outbox_events(app) == []
