"""Pure: Twilio webhook parameters and phone notes -> complaint.message.received.v1 payloads. No I/O.

Twilio adds fields without notice, so unknown parameters are kept (in `metadata["twilio"]`), never refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ingest_sms.authors import NoteAuthor
from shared.contacts import normalize_address, normalize_phone
from shared.events import (
    AddressKind,
    AttachmentMeta,
    Channel,
    ComplaintMessageReceived,
    ContactAddress,
    DeliveryStatus,
    Sender,
)
from shared.ingest.media import MediaRef, RefKind

PROVIDER = "twilio"
PHONE_NOTE_PROVIDER = "phone_note"

Params = Mapping[str, str]


class OptKeyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


# Twilio's default opt-out, opt-in and help keywords; the message must be the keyword alone.
_KEYWORDS: dict[str, OptKeyword] = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), OptKeyword.STOP),
    **dict.fromkeys(("START", "YES", "UNSTOP"), OptKeyword.START),
    **dict.fromkeys(("HELP", "INFO"), OptKeyword.HELP),
}
# Fields mapped onto the event itself; every other one is kept as provider metadata.
_MAPPED = frozenset({"Body", "From", "To", "MessageSid", "SmsSid", "SmsMessageSid"})
_MEDIA_FIELD = re.compile(r"^Media(Url|ContentType)\d+$")
_WHATSAPP_PREFIX = "whatsapp:"
MAX_MEDIA = 10  # Twilio's limit per message
MISSED_CALL_STATUSES = frozenset({"busy", "failed", "no-answer", "canceled"})
RECORDING_TEXT = "Call recording"


class NotUnderstood(ValueError):
    """A signed request that lacks what its endpoint needs (a permanent problem: retrying will not help)."""


@dataclass(frozen=True)
class Inbound:
    """An event payload, the opt-out keyword its text was, if any, and where its media are to be fetched (the URLs as
    Twilio sent them: the event keeps only those fit to show)."""

    data: ComplaintMessageReceived
    keyword: OptKeyword | None = None
    media: tuple[MediaRef, ...] = ()


def opt_keyword(text: str) -> OptKeyword | None:
    """STOP, START, HELP and their synonyms, in any case, alone in the message (trailing punctuation allowed)."""
    word = text.strip().rstrip(".!").strip().upper()
    return _KEYWORDS.get(word)


def sms_event(params: Params, *, received_at: datetime, default_region: str) -> Inbound:
    """An inbound SMS/MMS (or a WhatsApp message through Twilio, From `whatsapp:+...`)."""
    sid = params.get("MessageSid") or params.get("SmsMessageSid") or params.get("SmsSid")
    raw_from = params.get("From", "")
    if not sid or not raw_from.strip():
        raise NotUnderstood("an SMS webhook needs MessageSid and From")
    channel, sender = _sender(raw_from, default_region=default_region)
    text = params.get("Body", "")
    keyword = opt_keyword(text) if channel is Channel.SMS else None
    metadata: dict[str, Any] = {"twilio": _extra(params)}
    if keyword is not None:
        metadata["opt_out"] = keyword.value
    data = ComplaintMessageReceived(
        channel=channel,
        provider=PROVIDER,
        provider_message_id=sid,
        received_at=received_at,
        sender=sender,
        recipient=_recipient(params.get("To"), default_region=default_region),
        text=text,
        attachments=media_attachments(params),
        metadata=metadata,
    )
    return Inbound(data=data, keyword=keyword, media=media_refs(params))


def _media_urls(params: Params) -> list[tuple[str, str | None]]:
    """(MediaUrlN, MediaContentTypeN) for N from 0 to NumMedia - 1 (every MediaUrlN when NumMedia is missing)."""
    try:
        count = min(int(params.get("NumMedia", "")), MAX_MEDIA)
    except ValueError:
        count = sum(1 for name in params if name.startswith("MediaUrl"))
    found = [(params.get(f"MediaUrl{index}"), params.get(f"MediaContentType{index}") or None) for index in range(count)]
    return [(url, content_type) for url, content_type in found if url]


def media_attachments(params: Params) -> tuple[AttachmentMeta, ...]:
    return tuple(AttachmentMeta(url=url, content_type=content_type) for url, content_type in _media_urls(params))


def media_refs(params: Params) -> tuple[MediaRef, ...]:
    """Where each attachment of `media_attachments` is fetched from, by its index."""
    return tuple(MediaRef(index, RefKind.URL, url) for index, (url, _) in enumerate(_media_urls(params)))


def missed_call_status(params: Params) -> str | None:
    """Why a call from a customer counts as missed (busy, failed, no-answer, canceled, abandoned), or None."""
    if _outbound(params.get("Direction")):
        return None  # our call to the customer: they did not call us
    status = params.get("CallStatus", "")
    if status in MISSED_CALL_STATUSES:
        return status
    if status == "completed" and params.get("CallDuration", "").strip() == "0":
        return "abandoned"  # answered by nobody: the caller hung up at once
    return None


def missed_call_event(params: Params, *, status: str, received_at: datetime, default_region: str) -> Inbound:
    call_sid = params.get("CallSid")
    caller = params.get("From", "")
    if not call_sid or not caller.strip():
        raise NotUnderstood("a call status callback needs CallSid and From")
    data = ComplaintMessageReceived(
        channel=Channel.PHONE,
        provider=PROVIDER,
        provider_message_id=f"{call_sid}:status",
        received_at=received_at,
        sender=phone_sender(caller, default_region=default_region, display_name=params.get("CallerName")),
        recipient=_recipient(params.get("To"), default_region=default_region),
        text=f"Missed call ({status})",
        metadata={"call": _call_facts(params, missed=status), "twilio": _extra(params)},
    )
    return Inbound(data=data)


@dataclass(frozen=True)
class Caller:
    """Who a call was with (the customer), and the number they called or were called from."""

    number: str
    our_number: str | None


def caller_of(params: Params) -> Caller | None:
    """The customer's side of the call in a voice callback, when it names the numbers."""
    from_number, to_number = params.get("From", "").strip(), params.get("To", "").strip() or None
    if not from_number:
        return None
    if _outbound(params.get("Direction")):
        return Caller(number=to_number, our_number=from_number) if to_number else None
    return Caller(number=from_number, our_number=to_number)


def transcription_event(params: Params, *, caller: Caller, received_at: datetime, default_region: str) -> Inbound:
    """A voicemail transcript (or a note that transcription failed), with the recording attached."""
    sid = params.get("TranscriptionSid")
    if not sid:
        raise NotUnderstood("a transcription callback needs TranscriptionSid")
    status = params.get("TranscriptionStatus", "")
    transcript = params.get("TranscriptionText", "")
    text = transcript if status in ("completed", "") and transcript.strip() else f"Voicemail (transcription {status})"
    return Inbound(
        data=_recording_message(params, sid, text, caller=caller, received_at=received_at, region=default_region),
        media=_recording_refs(params),
    )


def recording_event(params: Params, *, caller: Caller, received_at: datetime, default_region: str) -> Inbound:
    sid = params.get("RecordingSid")
    if not sid:
        raise NotUnderstood("a recording callback needs RecordingSid")
    return Inbound(
        data=_recording_message(
            params, sid, RECORDING_TEXT, caller=caller, received_at=received_at, region=default_region
        ),
        media=_recording_refs(params),
    )


def _recording_refs(params: Params) -> tuple[MediaRef, ...]:
    url = params.get("RecordingUrl")
    return (MediaRef(0, RefKind.URL, url),) if url else ()


def recording_attachment(url: str, sid: str | None) -> AttachmentMeta:
    """Twilio serves a RecordingUrl without extension as WAV (audio/x-wav), with `.mp3` as MP3."""
    mp3 = url.lower().endswith(".mp3")
    content_type = "audio/mpeg" if mp3 else "audio/x-wav"
    filename = f"{sid}.{'mp3' if mp3 else 'wav'}" if sid else None
    return AttachmentMeta(url=url, content_type=content_type, filename=filename)


def recording_is_final(params: Params) -> bool:
    """Recording status callbacks also report in-progress and failed recordings: only a finished one is news."""
    return params.get("RecordingStatus", "completed") == "completed"


def delivery_status(message_status: str) -> DeliveryStatus | None:
    """The final outcomes of a sent SMS a case hears about; progress (queued, sent, ...) is not news."""
    return {
        "delivered": DeliveryStatus.DELIVERED,
        "undelivered": DeliveryStatus.FAILED,
        "failed": DeliveryStatus.FAILED,
    }.get(message_status)


def default_note_id(*, caller: str, started_at: datetime, agent_id: str | None, text: str) -> str:
    """A retried note (same call, same agent, same words) is the same note; a second note about the call is not."""
    key = f"{caller}|{started_at.isoformat()}|{agent_id or ''}|{text}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class PhoneNote:
    """A validated note about a call, with the caller's number normalized."""

    note_id: str
    caller: Sender
    direction: str
    started_at: datetime
    duration_seconds: int | None
    agent_id: str | None
    text: str
    outcome: str | None
    case_reference: str | None
    author: NoteAuthor
    our_number: str | None = None


def phone_note_event(note: PhoneNote, *, received_at: datetime) -> ComplaintMessageReceived:
    """A `phone` channel message from the caller; a case reference goes in the subject, where threading looks."""
    facts: dict[str, Any] = {
        "note_id": note.note_id,
        "direction": note.direction,
        "started_at": note.started_at.isoformat(),
        "duration_seconds": note.duration_seconds,
        "agent_id": note.agent_id,
        "outcome": note.outcome,
        "author": note.author.metadata(),  # who wrote it: case_service lets an agent's note join only their cases
    }
    return ComplaintMessageReceived(
        channel=Channel.PHONE,
        provider=PHONE_NOTE_PROVIDER,
        provider_message_id=note.author.note_key(note.note_id),
        received_at=received_at,
        sender=note.caller,
        recipient=note.our_number,
        subject=f"[#{note.case_reference}]" if note.case_reference else None,
        text=note.text,
        metadata={"phone_note": {name: value for name, value in facts.items() if value is not None}},
    )


def _recording_message(
    params: Params, sid: str, text: str, *, caller: Caller, received_at: datetime, region: str
) -> ComplaintMessageReceived:
    url = params.get("RecordingUrl")
    attachments = (recording_attachment(url, params.get("RecordingSid")),) if url else ()
    return ComplaintMessageReceived(
        channel=Channel.PHONE,
        provider=PROVIDER,
        provider_message_id=sid,
        received_at=received_at,
        sender=phone_sender(caller.number, default_region=region, display_name=params.get("CallerName")),
        recipient=_recipient(caller.our_number, default_region=region),
        text=text,
        attachments=attachments,
        metadata={"call": _call_facts(params), "twilio": _extra(params)},
    )


def _sender(raw: str, *, default_region: str) -> tuple[Channel, Sender]:
    if raw.lower().startswith(_WHATSAPP_PREFIX):
        contact = normalize_address(AddressKind.WHATSAPP, raw[len(_WHATSAPP_PREFIX) :], default_region=default_region)
        return Channel.WHATSAPP, Sender(**{**contact.model_dump(), "raw": raw})
    return Channel.SMS, phone_sender(raw, default_region=default_region)


def phone_sender(raw: str, *, default_region: str, display_name: str | None = None) -> Sender:
    """A phone number as a sender: E.164 when it parses, else kept as it came and flagged invalid."""
    contact = normalize_phone(raw, default_region=default_region)
    return Sender(**contact.model_dump(), display_name=(display_name or "").strip() or None)


def _recipient(raw: str | None, *, default_region: str) -> str | None:
    """Our number the customer wrote to or called, in E.164 when it is one (short codes stay as they are)."""
    if not raw or not raw.strip():
        return None
    bare = raw[len(_WHATSAPP_PREFIX) :] if raw.lower().startswith(_WHATSAPP_PREFIX) else raw
    number: ContactAddress = normalize_phone(bare, default_region=default_region)
    return number.address if number.valid else raw.strip()


def _outbound(direction: str | None) -> bool:
    return (direction or "").startswith("outbound")


def _call_facts(params: Params, *, missed: str | None = None) -> dict[str, Any]:
    names = {
        "CallSid": "call_sid",
        "CallStatus": "status",
        "Direction": "direction",
        "CallDuration": "duration_seconds",
        "ForwardedFrom": "forwarded_from",
        "RecordingSid": "recording_sid",
        "RecordingDuration": "recording_duration_seconds",
        "TranscriptionStatus": "transcription_status",
    }
    facts: dict[str, Any] = {ours: params[theirs] for theirs, ours in names.items() if params.get(theirs)}
    if missed is not None:
        facts["missed"] = missed
    return facts


def _extra(params: Params) -> dict[str, str]:
    """Every parameter not mapped onto the event, for whoever needs a provider detail later."""
    return {
        name: value
        for name, value in params.items()
        if name not in _MAPPED and not _MEDIA_FIELD.match(name) and name != "TranscriptionText"
    }
