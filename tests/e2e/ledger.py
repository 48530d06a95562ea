"""A ledger of accepted complaints: what a load of integrator posts and signed SMS webhooks got accepted, and the check
that each of them was filed exactly once and every case they opened was routed."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator


@dataclass
class Ledger:
    """Every message a client was told was accepted (202 from the gateway, 200 from the Twilio webhook)."""

    accepted: dict[str, str] = field(default_factory=dict)  # token -> sender
    refused: int = 0
    attempts: int = 0

    def senders(self) -> set[str]:
        return set(self.accepted.values())


@dataclass(frozen=True)
class Twilio:
    auth_token: str
    public_url: str
    our_number: str

    def signed(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        signature = RequestValidator(self.auth_token).compute_signature(self.public_url + path, params)
        headers = {"X-Twilio-Signature": signature, "content-type": "application/x-www-form-urlencoded"}
        return {"content": urlencode(params), "headers": headers}


async def post_until_accepted(client: httpx.AsyncClient, gateway: str, *, sender: str, token: str) -> bool:
    """An integrator: post, and on any failure retry with the same Idempotency-Key for up to a minute."""
    key = str(uuid.uuid4())
    body = {"channel": "sms", "sender_address": sender, "text": f"Khiếu nại {token}", "language": "vi"}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline:
        try:
            response = await client.post(f"{gateway}/v1/messages", json=body, headers={"Idempotency-Key": key})
            if response.status_code == 202:
                return True
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.25)
    return False


async def send_sms(client: httpx.AsyncClient, sms: str, twilio: Twilio, *, sender: str, token: str) -> bool:
    """Twilio: one attempt, never retried (as Twilio does for an incoming SMS)."""
    message = {"MessageSid": "SM" + uuid.uuid4().hex, "From": sender, "To": twilio.our_number}
    message["Body"] = f"Tin nhắn {token}"
    try:
        response = await client.post(f"{sms}/twilio/sms", **twilio.signed("/twilio/sms", message))
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def run_load(
    *,
    ledger: Ledger,
    gateway: str,
    sms: str,
    twilio: Twilio,
    admin_key: str,
    seconds: float,
    rate: float,
    senders: int,
) -> None:
    """Open loop at `rate` messages/s for `seconds`, alternating gateway posts and SMS webhooks, `senders` customers
    per channel (so later messages join open cases)."""
    headers = {"Authorization": f"Bearer {admin_key}"}
    loop = asyncio.get_running_loop()
    started = loop.time()
    tasks: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(trust_env=False, timeout=10, headers=headers) as client:

        async def one(n: int) -> None:
            token = f"m{n:05d}-{uuid.uuid4().hex[:6]}"
            if n % 2 == 0:
                sender = f"+8490{(n // 2) % senders:07d}"
                ok = await post_until_accepted(client, gateway, sender=sender, token=token)
            else:
                sender = f"+8491{(n // 2) % senders:07d}"
                ok = await send_sms(client, sms, twilio, sender=sender, token=token)
            ledger.attempts += 1
            if ok:
                ledger.accepted[token] = sender
            else:
                ledger.refused += 1

        n = 0
        while loop.time() - started < seconds:
            tasks.append(asyncio.create_task(one(n)))
            n += 1
            await asyncio.sleep(max(0.0, started + n / rate - loop.time()))
        await asyncio.gather(*tasks)


@dataclass
class Filing:
    """What the case service holds for the ledger's senders, and what the router knows of their cases."""

    counts: Counter[str] = field(default_factory=Counter)  # token -> times filed
    cases: set[str] = field(default_factory=set)
    unrouted: set[str] = field(default_factory=set)

    def lost(self, ledger: Ledger) -> list[str]:
        return sorted(token for token in ledger.accepted if self.counts[token] == 0)

    def duplicated(self, ledger: Ledger) -> list[str]:
        return sorted(token for token in ledger.accepted if self.counts[token] > 1)


async def read_filing(*, ledger: Ledger, cases: str, router: str, admin_key: str) -> Filing:
    filing = Filing()
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(trust_env=False, timeout=30, headers=headers) as client:
        for sender in sorted(ledger.senders()):
            response = await client.get(f"{cases}/v1/customers", params={"contact": sender})
            if response.status_code != 200:
                continue
            for summary in response.json()["cases"]:
                filing.cases.add(summary["id"])
                case = (await client.get(f"{cases}/v1/cases/{summary['id']}")).json()
                for message in case["messages"]:
                    if message["direction"] == "inbound":
                        filing.counts[message["text"].rsplit(" ", 1)[-1]] += 1
        for case_id in sorted(filing.cases):
            if (await client.get(f"{router}/v1/cases/{case_id}/routing")).status_code != 200:
                filing.unrouted.add(case_id)
    return filing
