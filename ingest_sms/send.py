"""Sending SMS through the twilio library's REST client, from the spool the outbound handler fills (the loop,
leases and at-most-once sending are shared.ingest.sender's)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ingest_sms import repository
from ingest_sms.delivery import reporter
from ingest_sms.models import SentMessage
from ingest_sms.normalize import PROVIDER
from ingest_sms.settings import SERVICE_NAME, IngestSmsSettings
from ingest_sms.twilio_http import HttpxTwilioClient
from shared.attachment_links import Link
from shared.attachments import AttachmentStore, store_root
from shared.events import Channel, DeliveryStatus
from shared.ingest.outbound_files import check_carriage, fetch_files
from shared.ingest.sender import INTERRUPTED, SendFailed, Sent, SpoolSender

__all__ = ["INTERRUPTED", "SendFailed", "Sent", "SmsSender", "TwilioMessages"]

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
STATUS_CALLBACK_PATH = "/twilio/sms/status"
REQUEST_TIMEOUT_SECONDS = 30.0
OPTED_OUT = "the number opted out of SMS"
# Twilio's "Attempt to send to unsubscribed recipient": the number sent STOP to Twilio itself.
UNSUBSCRIBED_RECIPIENT = 21610
MEDIA_LINK_TTL = timedelta(days=1)
NO_PUBLIC_URL = (
    "MMS cannot carry the file: Twilio fetches an MMS's media from a public link of ours, and INGEST_SMS_PUBLIC_URL "
    "is not set"
)
NO_LINK_KEY = "MMS cannot carry the file: ATTACHMENT_LINK_KEY is not set, so no link Twilio could fetch can be made"


class TwilioMessages:
    """The Messages API through twilio.rest.Client, pointed at INGEST_SMS_TWILIO_API_URL."""

    def __init__(self, settings: IngestSmsSettings) -> None:
        self._settings = settings
        self._http: HttpxTwilioClient | None = None
        self._client: Client | None = None

    async def start(self) -> None:
        self._http = HttpxTwilioClient(timeout=REQUEST_TIMEOUT_SECONDS)
        client = Client(
            self._settings.twilio_account_sid, self._settings.auth_token(), http_client=self._http, environment={}
        )
        # The API domain's base URL is the library's own switch for where requests go (a local server in tests).
        client.api.base_url = self._settings.twilio_api_url
        self._client = client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._client = None

    async def send(self, *, to: str, body: str, sender: str | None, media_urls: Sequence[str] = ()) -> Sent:
        """Send one SMS (an MMS with `media_urls`, which Twilio fetches); raises SendFailed (permanent for Twilio's
        4xx refusals, else worth retrying)."""
        if self._client is None:
            raise SendFailed("the Twilio client is not started", permanent=False)
        options: dict[str, str] = {}
        if self._settings.messaging_service_sid is not None:
            options["messaging_service_sid"] = self._settings.messaging_service_sid
        elif sender is not None:
            options["from_"] = sender
        if self._settings.public_url is not None:
            options["status_callback"] = self._settings.public_url + STATUS_CALLBACK_PATH
        media: dict[str, list[str]] = {"media_url": list(media_urls)} if media_urls else {}
        try:
            message = await self._client.messages.create_async(to=to, body=body, **options, **media)
        except TwilioRestException as error:
            permanent = 400 <= error.status < 500 and error.status != 429
            raise SendFailed(_describe(error), permanent=permanent, code=_code(error)) from error
        except (TwilioException, httpx.HTTPError, OSError) as error:
            raise SendFailed(f"Twilio unreachable: {type(error).__name__}", permanent=False) from error
        except Exception as error:  # whatever else went wrong, the message was not sent: try again later
            log.exception("sending an SMS failed unexpectedly")
            raise SendFailed(f"not sent: {type(error).__name__}", permanent=False) from error
        return Sent(provider_message_id=str(message.sid), status=str(message.status))


class SmsSender(SpoolSender[SentMessage]):
    """Sends the spooled SMS that are due; wake it after spooling one to send it at once."""

    task_name = "sms-sender"

    def __init__(
        self,
        *,
        settings: IngestSmsSettings,
        sessions: async_sessionmaker[AsyncSession],
        messages: TwilioMessages,
        skip_locked: bool,
        on_reported: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.5,
    ) -> None:
        super().__init__(
            model=SentMessage,
            sessions=sessions,
            reporter=reporter(settings.tenant),
            skip_locked=skip_locked,
            enabled=settings.sending_enabled,
            on_reported=on_reported,
            poll_seconds=poll_seconds,
        )
        self._messages = messages
        self._settings = settings
        self._store = AttachmentStore(store_root(settings.data_dir, SERVICE_NAME))

    async def open(self) -> None:
        await self._messages.start()

    async def close(self) -> None:
        await self._messages.close()

    async def deliver(self, message: SentMessage) -> Sent:
        media_urls = await self._media_urls(message) if message.attachments else []
        return await self._messages.send(
            to=message.to_number, body=message.body, sender=message.from_address, media_urls=media_urls
        )

    async def _media_urls(self, message: SentMessage) -> list[str]:
        """Links Twilio fetches the MMS's files from: each file copied into our own store and served from our public
        URL, signed for a day (Twilio fetches them once, when it sends)."""
        public_url, key = self._settings.public_url, self._settings.link_key()
        if public_url is None or key is None:
            raise SendFailed(NO_PUBLIC_URL if public_url is None else NO_LINK_KEY, permanent=True)
        attachments = message.attachments or []
        check_carriage(Channel.SMS, attachments)
        files = await fetch_files(attachments, store=self._store, store_name=SERVICE_NAME)
        expires = int((datetime.now(UTC) + MEDIA_LINK_TTL).timestamp())
        urls = []
        for file in files:
            await asyncio.to_thread(self._store.put, file.sha256, file.content)
            link = Link(
                store=SERVICE_NAME,
                sha256=file.sha256,
                case=message.case_id,
                exp=expires,
                name=file.filename,
                content_type=file.content_type,
            )
            urls.append(link.url(key, base_url=public_url))
        return urls

    def channel_of(self, message: SentMessage) -> Channel:
        return Channel.SMS

    def provider_of(self, message: SentMessage) -> str:
        return PROVIDER

    async def refusal(self, session: AsyncSession, message: SentMessage) -> tuple[DeliveryStatus, str] | None:
        if await repository.is_opted_out(session, number=message.to_number):
            return DeliveryStatus.SKIPPED, OPTED_OUT
        return None

    def on_sent(self, message: SentMessage, sent: Sent) -> None:
        message.sid = sent.provider_message_id

    def provider_message_id_of(self, message: SentMessage) -> str | None:
        return message.sid

    async def on_failure(self, session: AsyncSession, message: SentMessage, failure: SendFailed, now: datetime) -> None:
        if failure.code == UNSUBSCRIBED_RECIPIENT:
            await repository.set_consent(session, number=message.to_number, opted_out=True, keyword="twilio", at=now)


def _code(error: TwilioRestException) -> int | None:
    return error.code if isinstance(error.code, int) else None


def _describe(error: TwilioRestException) -> str:
    code = _code(error)
    # The library prefixes Twilio's message with what it tried ("Unable to create record: ").
    message = (error.msg or "").strip().removeprefix("Unable to create record:").strip()
    prefix = f"Twilio error {code}" if code is not None else f"Twilio HTTP {error.status}"
    return f"{prefix}: {message}"[:500] if message else prefix
