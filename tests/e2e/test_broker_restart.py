"""The embedded broker keeps records in memory only. When it crashes, the launcher restarts it and the services
republish their outbox journals: nothing already applied is applied twice, and the platform keeps working."""

from __future__ import annotations

import os
import signal
import uuid
from typing import Any

import httpx

from tests.e2e.launcher import Launchers, only_pid, output_contains
from tests.support.polling import eventually

SERVICES = ["gateway", "case_service"]
SENDER = "+84901234567"


def complaint(text: str) -> dict[str, str]:
    # SMS: a later message joins the customer's open case on the channel (an email would need to be a reply)
    return {"channel": "sms", "sender_address": SENDER, "sender_name": "Hoa", "text": text, "language": "vi"}


async def test_a_crashed_broker_is_replaced_and_the_journal_replay_duplicates_nothing(launchers: Launchers) -> None:
    launcher = await launchers.start(services=SERVICES)
    await launcher.wait_ready(SERVICES)
    headers = {"Authorization": f"Bearer {launcher.admin_key()}"}
    gateway, cases = launcher.url("gateway"), launcher.url("case_service")

    async with httpx.AsyncClient(trust_env=False, timeout=10, headers=headers) as client:

        async def customer() -> dict[str, Any] | None:
            response = await client.get(f"{cases}/v1/customers", params={"contact": SENDER})
            return response.json() if response.status_code == 200 else None

        async def post(text: str) -> None:
            response = await client.post(
                f"{gateway}/v1/messages", json=complaint(text), headers={"Idempotency-Key": str(uuid.uuid4())}
            )
            assert response.status_code == 202, response.text

        async def messages_in_the_case() -> list[str]:
            found = await customer()
            assert found is not None and len(found["cases"]) == 1, found
            case = (await client.get(f"{cases}/v1/cases/{found['cases'][0]['id']}")).json()
            return [m["text"] for m in case["messages"] if m["direction"] == "inbound"]

        await post("Hàng bị vỡ")
        await eventually(customer, within=30, what="the first complaint filed")

        os.kill(await only_pid(launcher, "tansu"), signal.SIGKILL)
        await output_contains(launcher, "republish the events of their outbox journals")
        await launcher.wait_ready(SERVICES, within=60)

        await post("Vẫn chưa ai trả lời")

        async def both_messages() -> list[str] | None:
            texts = await messages_in_the_case()
            return texts if len(texts) == 2 else None

        assert await eventually(both_messages, within=60, what="the second message in the same case") == [
            "Hàng bị vỡ",
            "Vẫn chưa ai trả lời",
        ], "the replayed first complaint was not filed twice"

    for service in SERVICES:
        log = (launcher.data_dir / "logs" / f"{service}.log").read_text()
        assert "republishing" in log, f"{service} did not replay its journal"
