"""Files sent with POST /v1/messages: stored by the gateway before the 202 and named in the event; programs, files
over the limit, unreadable base64 and too many files are refused with nothing accepted."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.gateway.models import outbox
from tests.integration.gateway.support import gateway_settings, running_gateway

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
MESSAGE = {"channel": "web", "sender_address": "lan@example.com", "text": "Hóa đơn bị tính hai lần"}


def attachment(filename: str, content: bytes, content_type: str = "application/pdf") -> dict[str, str]:
    return {"filename": filename, "content_type": content_type, "content_base64": base64.b64encode(content).decode()}


@pytest.fixture
async def gateway(
    migrated_url: str, closed_bootstrap: str, tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = gateway_settings(migrated_url, closed_bootstrap).model_copy(
        update={"data_dir": tmp_path, "max_attachments": 2, "max_attachment_bytes": 4096}
    )
    async with running_gateway(settings) as running:
        yield running


async def outbox_payloads(app: FastAPI) -> list[dict[str, Any]]:
    async with app.state.runtime.sessions() as session:
        return [json.loads(payload) for payload in (await session.scalars(select(outbox.c.payload))).all()]


async def test_files_are_stored_before_the_answer_and_named_in_the_event(
    gateway: tuple[FastAPI, httpx.AsyncClient], tmp_path: Path
) -> None:
    app, client = gateway
    body = {
        **MESSAGE,
        "attachments": [attachment("hóa đơn.pdf", PDF), attachment("ảnh.png", b"\x89PNG\r\n", "image/png")],
    }
    response = await client.post("/v1/messages", json=body, headers={"Idempotency-Key": "with-files"})
    assert response.status_code == 202

    [event] = await outbox_payloads(app)
    sha = hashlib.sha256(PDF).hexdigest()
    assert event["data"]["attachments"][0] == {
        "filename": "hóa đơn.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": sha,
        "url": None,
        "content_id": None,
        "url_refused": None,
        "store": "gateway",
        "download_error": None,
        "download_url": None,
    }
    assert event["data"]["attachments"][1]["content_type"] == "image/png"
    assert (tmp_path / "attachments" / "gateway" / sha[:2] / sha).read_bytes() == PDF


async def test_a_retry_with_the_same_files_is_the_same_message(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    body = {**MESSAGE, "attachments": [attachment("a.pdf", PDF)]}
    first = await client.post("/v1/messages", json=body, headers={"Idempotency-Key": "twice"})
    again = await client.post("/v1/messages", json=body, headers={"Idempotency-Key": "twice"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["event_id"] == first.json()["event_id"]
    other = {**MESSAGE, "attachments": [attachment("b.pdf", PDF + b"%")]}
    reused = await client.post("/v1/messages", json=other, headers={"Idempotency-Key": "twice"})
    assert reused.status_code == 422
    assert len(await outbox_payloads(app)) == 1


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        (attachment("setup.exe", b"%PDF-1.7 not really"), "a type that is not accepted"),
        (attachment("invoice.pdf", b"MZ\x90\x00 a windows program"), "a program (judged by its content)"),
        (attachment("run.pdf", b"#!/bin/sh\nrm -rf /\n"), "a program (judged by its content)"),
        (attachment("x.pdf", PDF, "application/x-msdownload"), "a type that is not accepted"),
        (attachment("big.pdf", PDF + b"0" * 4096), "larger than 4096 bytes"),
    ],
)
async def test_a_refused_file_is_named_with_its_reason_and_nothing_is_accepted(
    gateway: tuple[FastAPI, httpx.AsyncClient], tmp_path: Path, file: dict[str, str], reason: str
) -> None:
    app, client = gateway
    body = {**MESSAGE, "attachments": [attachment("fine.pdf", PDF), file]}
    response = await client.post("/v1/messages", json=body, headers={"Idempotency-Key": "refused"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/attachment-refused")
    assert (problem["filename"], problem["reason"]) == (file["filename"], reason)
    assert file["filename"] in problem["detail"]
    assert await outbox_payloads(app) == []
    assert not (tmp_path / "attachments").exists()  # not even the file that passed


async def test_unreadable_base64_and_too_many_files_are_refused(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    garbled = {**MESSAGE, "attachments": [{**attachment("a.pdf", PDF), "content_base64": "not base64!"}]}
    response = await client.post("/v1/messages", json=garbled, headers={"Idempotency-Key": "garbled"})
    assert (response.status_code, response.json()["type"].rsplit("/", 1)[1]) == (422, "attachment-unreadable")
    assert response.json()["filename"] == "a.pdf"

    three = {**MESSAGE, "attachments": [attachment(f"{n}.pdf", PDF) for n in range(3)]}
    response = await client.post("/v1/messages", json=three, headers={"Idempotency-Key": "three"})
    assert (response.status_code, response.json()["type"].rsplit("/", 1)[1]) == (422, "too-many-attachments")
    assert "at most 2" in response.json()["detail"]

    unknown_field = {**MESSAGE, "attachments": [{**attachment("a.pdf", PDF), "url": "https://x.example/a.pdf"}]}
    response = await client.post("/v1/messages", json=unknown_field, headers={"Idempotency-Key": "field"})
    assert (response.status_code, response.json()["type"].rsplit("/", 1)[1]) == (422, "validation-error")
    async with app.state.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(outbox)) == 0
