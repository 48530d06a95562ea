"""Who may write a phone note, and where it lands: CTI systems with a key of their own (good on this endpoint
only), agents in their own namespace of note ids and only into cases assigned to them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from case_service.handlers import CaseHandlers
from ingest_sms.settings import IngestSmsSettings
from shared.auth import Role
from shared.settings import describe_validation_error, hash_api_key
from tests.integration.case_service.builders import assigned, envelope, settings_for
from tests.integration.case_service.builders import auth as case_auth
from tests.integration.case_service.conftest import running_service
from tests.integration.ingest_sms.support import (
    API_KEY,
    auth,
    outbox_events,
    post_signed,
    running_sms,
    sms,
    sms_settings,
    token_auth,
)
from tests.support.polling import eventually

CTI_KEY = "cti-system-key-7Fq2Lw9Xb4Rt6Zp1"
CALLER = "+84912345678"
NOTE: dict[str, Any] = {
    "caller_number": "0912 345 678",
    "direction": "inbound",
    "started_at": "2026-11-24T09:15:00+07:00",
    "note": "Khách gọi hỏi tiến độ hoàn tiền.",
}
Service = tuple[FastAPI, httpx.AsyncClient]


@pytest.fixture
async def service(migrated_url: str, closed_bootstrap: str) -> AsyncIterator[Service]:
    settings = sms_settings(migrated_url, closed_bootstrap, cti_key_hashes=hash_api_key(CTI_KEY))
    async with running_sms(settings) as running:
        yield running


async def notes(app: FastAPI) -> list[dict[str, Any]]:
    return [e["data"] for e in await outbox_events(app) if e["type"] == "complaint.message.received.v1"]


async def test_a_cti_system_posts_notes_with_its_own_key(service: Service) -> None:
    app, client = service
    posted = await client.post("/v1/phone-notes", json={**NOTE, "note_id": "cti-42"}, headers=auth(CTI_KEY))
    guessed = await client.post("/v1/phone-notes", json=NOTE, headers=auth("cti-system-key-guessed-0000"))

    assert posted.status_code == 202, posted.text
    assert posted.json()["provider_message_id"] == "note:cti-42"
    assert guessed.status_code == 401
    [note] = await notes(app)
    assert note["metadata"]["phone_note"]["author"] == {"kind": "cti"}


async def test_an_agent_cannot_claim_a_cti_systems_note_id(service: Service) -> None:
    app, client = service
    claim = {**NOTE, "note_id": "cti-42", "note": "Ghi chú giả."}
    by_agent = await client.post("/v1/phone-notes", json=claim, headers=token_auth(Role.AGENT, "agent-3"))
    by_cti = await client.post("/v1/phone-notes", json={**NOTE, "note_id": "cti-42"}, headers=auth(CTI_KEY))
    by_cti_again = await client.post("/v1/phone-notes", json={**NOTE, "note_id": "cti-42"}, headers=auth(CTI_KEY))

    assert (by_agent.status_code, by_cti.status_code) == (202, 202)
    assert by_cti.json()["event_id"] != by_agent.json()["event_id"]
    assert by_cti_again.json() == by_cti.json()
    assert by_cti.json()["provider_message_id"] == "note:cti-42"
    texts = {note["metadata"]["phone_note"]["author"].get("agent_id"): note["text"] for note in await notes(app)}
    assert texts == {"agent-3": "Ghi chú giả.", None: NOTE["note"]}


async def test_agents_note_ids_never_collide_with_each_other(service: Service) -> None:
    app, client = service
    one = await client.post("/v1/phone-notes", json={**NOTE, "note_id": "c"}, headers=token_auth(Role.AGENT, "a:b"))
    two = await client.post("/v1/phone-notes", json={**NOTE, "note_id": "b:c"}, headers=token_auth(Role.AGENT, "a"))
    supervisor = await client.post(
        "/v1/phone-notes", json={**NOTE, "note_id": "c"}, headers=token_auth(Role.SUPERVISOR)
    )
    assert len({one.json()["event_id"], two.json()["event_id"], supervisor.json()["event_id"]}) == 3
    assert len(await notes(app)) == 3


def test_a_cti_key_hash_must_be_a_hash_and_not_the_admin_keys(migrated_url: str, closed_bootstrap: str) -> None:
    for cti_key_hashes in ["a-raw-cti-key-pasted-in", hash_api_key(API_KEY)]:
        with pytest.raises(ValidationError) as caught:
            sms_settings(migrated_url, closed_bootstrap, cti_key_hashes=cti_key_hashes)
        assert "INGEST_SMS_CTI_KEY_HASHES" in describe_validation_error(caught.value, "INGEST_SMS_")
    accepted = sms_settings(migrated_url, closed_bootstrap, cti_key_hashes=f" {hash_api_key(CTI_KEY).upper()} ,")
    assert isinstance(accepted, IngestSmsSettings)
    assert accepted.accepted_cti_key_hashes() == {hash_api_key(CTI_KEY)}


async def cases_by_message(case_client: httpx.AsyncClient, *, inbound: int) -> dict[str, str]:
    """The caller's inbound message texts -> the case each landed in, once `inbound` of them are stored."""

    async def probe() -> dict[str, str] | None:
        response = await case_client.get("/v1/customers", params={"contact": CALLER}, headers=case_auth())
        if response.status_code != 200:
            return None
        received = [m for m in response.json()["messages"] if m["direction"] == "inbound"]
        return {m["text"]: m["case_id"] for m in received} if len(received) >= inbound else None

    return await eventually(probe, within=40, what=f"{inbound} messages of the caller stored")


async def test_agent_bs_note_naming_agent_as_case_does_not_land_in_it(
    database_url: str, second_migrated_url: str, broker: str
) -> None:
    async with running_service(database_url, broker, consume_events=True) as (case_app, case_client):
        settings = sms_settings(second_migrated_url, broker, cti_key_hashes=hash_api_key(CTI_KEY))
        async with running_sms(settings) as (_, sms_client):
            await post_signed(sms_client, "/twilio/sms", sms("SM" + "7" * 32, CALLER, "Tôi bị trừ tiền hai lần"))
            [a_case] = (await cases_by_message(case_client, inbound=1)).values()
            data = assigned(a_case, "agent-a")
            async with case_app.state.runtime.sessions() as session, session.begin():
                await CaseHandlers(settings_for(database_url, broker), case_app.state.policy).on_case_assigned(
                    session, envelope(data), data
                )
            reference = (await case_client.get(f"/v1/cases/{a_case}", headers=case_auth())).json()["reference"]

            named = {**NOTE, "case_reference": reference}
            by_b = await sms_client.post(
                "/v1/phone-notes", json={**named, "note": "Ghi chú của B"}, headers=token_auth(Role.AGENT, "agent-b")
            )
            by_a = await sms_client.post(
                "/v1/phone-notes", json={**named, "note": "Ghi chú của A"}, headers=token_auth(Role.AGENT, "agent-a")
            )
            by_cti = await sms_client.post(
                "/v1/phone-notes", json={**named, "note": "Ghi chú của tổng đài"}, headers=auth(CTI_KEY)
            )
            assert (by_b.status_code, by_a.status_code, by_cti.status_code) == (202, 202, 202)

            placed = await cases_by_message(case_client, inbound=4)
            assert placed["Ghi chú của B"] != a_case
            assert placed["Ghi chú của A"] == placed["Ghi chú của tổng đài"] == a_case
