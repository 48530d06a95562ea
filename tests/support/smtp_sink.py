"""A local SMTP server (aiosmtpd) that keeps every message it is given, standing in for a mail relay."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class Captured:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> Message:
        return email.message_from_bytes(self.raw, policy=default)


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Captured] = field(default_factory=list)
    refuse_with: str | None = None  # answer DATA with this instead of 250 (e.g. "550 5.1.1 no such user")
    gate: asyncio.Event | None = None  # when set, DATA is answered only once the event is set (a slow relay)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.gate is not None:
            await self.gate.wait()
        if self.refuse_with is not None:
            return self.refuse_with
        raw = envelope.original_content or b""
        self.messages.append(Captured(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(raw)))
        return "250 2.0.0 OK"


@asynccontextmanager
async def running_smtp_sink() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), host="127.0.0.1", port=0)
    sink.port = int(server.sockets[0].getsockname()[1])
    try:
        yield sink
    finally:
        server.close()
        await server.wait_closed()
