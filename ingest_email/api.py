"""Routes of ingest_email: the inbound webhooks of SendGrid (parsed and raw), Mailgun (signed) and Postmark, and
`POST /v1/mime` for integrators. Each answers with the codes its sender understands: success once the mail is
durable (a mail we cannot read is kept as a dead letter: success too, retrying would not help), a refusal that
stops retries for a forged or replayed post, 503 (retried) when nothing could be stored."""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile

from ingest_email import authresults, repository
from ingest_email.normalize import Envelope
from ingest_email.rebuild import File, header_block, rebuild
from ingest_email.receive import Kind, Received, Receiver
from ingest_email.settings import IngestEmailSettings
from ingest_email.verify import SIGNED_FIELDS, basic_auth_matches, mailgun_fields, mailgun_problem
from shared.ingest import jsonbody
from shared.ingest.intake import StorageUnavailable
from shared.problems import Problem

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"
MAX_FILES = 100

webhooks = APIRouter(tags=["email webhooks"])
mime = APIRouter(prefix="/v1/mime", tags=["raw mail"])


@dataclass(frozen=True)
class Edge:
    settings: IngestEmailSettings
    receiver: Receiver


def _edge(request: Request) -> Edge:
    edge: Edge = request.app.state.edge
    return edge


EdgeDep = Annotated[Edge, Depends(_edge)]


class MailAccepted(BaseModel):
    kind: Kind
    event_id: str | None = None
    duplicate: bool = False
    reason: str | None = None


def _accepted(received: Received) -> MailAccepted:
    return MailAccepted(
        kind=received.kind, event_id=received.event_id, duplicate=received.duplicate, reason=received.reason
    )


_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong basic auth: nothing accepted (the provider retries)"},
    404: {"description": "Disabled: its secret is not configured"},
    503: {"description": "Nothing could be stored: retry"},
}


def _check_basic_auth(request: Request, edge: Edge, kind: str, title: str) -> None:
    expected = edge.settings.basic_auth()
    if expected is None:
        raise Problem(404, f"{kind}-disabled", f"{title} disabled", "INGEST_EMAIL_WEBHOOK_BASIC_AUTH is not set.")
    if not basic_auth_matches(request.headers.get("authorization"), expected):
        problem = Problem(401, "unauthorized", "Authentication required", "Basic auth does not match.")
        problem.headers["WWW-Authenticate"] = 'Basic realm="ingest_email"'
        raise problem


async def _form(request: Request, edge: Edge) -> FormData:
    limit = edge.settings.max_body_bytes
    try:
        return await request.form(max_files=MAX_FILES, max_fields=1000, max_part_size=limit)
    except Exception as error:  # a malformed multipart body
        raise Problem(400, "bad-form", "Form not readable", f"The form could not be read: {error}") from None


async def _receive(edge: Edge, raw: bytes, *, provider: str, envelope: Envelope | None = None) -> Received:
    try:
        return await edge.receiver.receive(raw, provider=provider, envelope=envelope or Envelope())
    except StorageUnavailable:
        problem = Problem(503, "storage-unavailable", "Storage unavailable", "Nothing was accepted; retry.")
        problem.headers["Retry-After"] = RETRY_AFTER_SECONDS
        raise problem from None


@webhooks.post(
    "/sendgrid/inbound",
    response_model=MailAccepted,
    summary="SendGrid Inbound Parse (parsed fields, or the whole MIME in `email` in raw mode)",
    responses=_RESPONSES,
)
async def sendgrid_inbound(request: Request, edge: EdgeDep) -> MailAccepted:
    _check_basic_auth(request, edge, "sendgrid", "SendGrid webhook")
    form = await _form(request, edge)
    try:
        return await _sendgrid(form, edge)
    finally:
        await form.close()


async def _sendgrid(form: FormData, edge: Edge) -> MailAccepted:
    envelope = _sendgrid_envelope(_text(form, "envelope"))
    # SendGrid's own SPF and DKIM verdicts: it is the receiving side here.
    checked = authresults.from_sendgrid(spf=_text(form, "SPF"), dkim=_text(form, "dkim"), mail_from=envelope.mail_from)
    if checked is not None:
        envelope = replace(envelope, checked=checked)
    raw_mime = form.get("email")
    if raw_mime is not None:
        raw = await _bytes(raw_mime)
    else:
        files = await _files(form, prefix="attachment", info=_json(_text(form, "attachment-info")))
        headers = header_block(_text(form, "headers"))
        if not headers:
            headers = [("From", _text(form, "from")), ("To", _text(form, "to")), ("Subject", _text(form, "subject"))]
        raw = rebuild(headers, text=_text(form, "text"), html=_text(form, "html") or None, files=files)
    return _accepted(await _receive(edge, raw, provider="sendgrid", envelope=envelope))


@webhooks.post(
    "/mailgun/inbound",
    response_model=MailAccepted,
    summary="Mailgun inbound route (signed; parsed fields, or `body-mime`)",
    responses={**_RESPONSES, 406: {"description": "Forged, stale or replayed: rejected, Mailgun does not retry"}},
)
async def mailgun_inbound(request: Request, edge: EdgeDep) -> MailAccepted:
    """Checked before any work: the signed fields are read from the raw body (bounded by the service's body
    limit), then the token is claimed; only then is the form parsed and the mail built.

    Each token is taken once: of concurrent posts signed with one token exactly one claims it. A 503 means
    nothing was stored and the claim is released, so Mailgun's retry (the same token) is taken; if even the
    release cannot be written, the claim lapses after repository.TOKEN_CLAIM_LEASE, before Mailgun retries."""
    key = edge.settings.mailgun_signing_key
    if key is None:
        detail = "INGEST_EMAIL_MAILGUN_SIGNING_KEY is not set."
        raise Problem(404, "mailgun-disabled", "Mailgun webhook disabled", detail)
    fields = mailgun_fields(await request.body(), request.headers.get("content-type", ""))
    timestamp, token, signature = (fields.get(name, "") for name in SIGNED_FIELDS)
    now = datetime.now(UTC)
    refusal = mailgun_problem(key.get_secret_value(), timestamp=timestamp, token=token, signature=signature, now=now)
    if refusal is None and not await _write(edge, _claim(token, now)):
        refusal = "the token was used before"
    if refusal is not None:
        log.warning("refused a Mailgun post: %s", refusal)
        raise Problem(406, "mailgun-signature-refused", "Mailgun signature refused", refusal)
    try:
        form = await _form(request, edge)
        try:
            accepted = await _mailgun(form, edge)
        finally:
            await form.close()
    except Exception:
        await _release(edge, token, claimed_at=now)
        raise
    await _spent(edge, token, claimed_at=now)
    return accepted


def _claim(token: str, now: datetime) -> Any:
    async def claim(session: AsyncSession) -> bool:
        return await repository.claim_token(session, token=token, at=now)

    return claim


async def _release(edge: Edge, token: str, *, claimed_at: datetime) -> None:
    async def release(session: AsyncSession) -> None:
        await repository.release_token(session, token=token, claimed_at=claimed_at)

    try:
        await edge.receiver.intake.write(release)
    except StorageUnavailable:
        log.error("could not release a Mailgun token claim; it lapses on its own")


async def _spent(edge: Edge, token: str, *, claimed_at: datetime) -> None:
    async def spent(session: AsyncSession) -> None:
        await repository.token_stored(session, token=token, claimed_at=claimed_at, at=datetime.now(UTC))

    try:
        await edge.receiver.intake.write(spent)
    except StorageUnavailable:  # the mail is durable: success all the same; the claim lapses after its lease
        log.error("could not mark a Mailgun token spent after storing its mail")


async def _mailgun(form: FormData, edge: Edge) -> MailAccepted:
    raw_mime = form.get("body-mime")
    if raw_mime is not None:
        raw = await _bytes(raw_mime)
    else:
        pairs = _json(_text(form, "message-headers"))
        headers = [(str(p[0]), str(p[1])) for p in pairs if isinstance(p, list) and len(p) == 2] if pairs else []
        if not headers:
            headers = [
                ("From", _text(form, "from")),
                ("To", _text(form, "recipient")),
                ("Subject", _text(form, "subject")),
            ]
        cids = _json(_text(form, "content-id-map")) or {}
        files = await _files(form, prefix="attachment-", content_ids=cids if isinstance(cids, dict) else {})
        raw = rebuild(headers, text=_text(form, "body-plain"), html=_text(form, "body-html") or None, files=files)
    recipient = _text(form, "recipient")
    envelope = Envelope(mail_from=_text(form, "sender") or None, rcpt_tos=(recipient,) if recipient else ())
    return _accepted(await _receive(edge, raw, provider="mailgun", envelope=envelope))


@webhooks.post(
    "/postmark/inbound",
    response_model=MailAccepted,
    summary="Postmark inbound webhook (JSON)",
    responses={
        **_RESPONSES,
        400: {"description": "JSON nested deeper than Postmark sends: nothing accepted"},
        403: {"description": "Not a Postmark inbound message: Postmark stops retrying"},
    },
)
async def postmark_inbound(request: Request, edge: EdgeDep) -> MailAccepted:
    _check_basic_auth(request, edge, "postmark", "Postmark webhook")
    body = await request.body()
    try:
        document = jsonbody.loads(body)
    except jsonbody.TooDeep as error:
        raise Problem(400, "json-too-deep", "JSON nested too deeply", str(error)) from None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        received = await _dead_letter(edge, body, provider="postmark", reason="not a JSON object")
        return _accepted(received)
    raw = _postmark_mime(document)
    return _accepted(await _receive(edge, raw, provider="postmark"))


@mime.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MailAccepted,
    summary="A raw RFC 5322 mail (Content-Type: message/rfc822)",
    responses={
        401: {"description": "Missing or invalid bearer key or token"},
        413: {"description": "Larger than INGEST_EMAIL_MAX_BYTES"},
        422: {"description": "Not a mail we can read: kept as a dead letter, the reason says why"},
        503: {"description": "Nothing could be stored: retry"},
    },
    openapi_extra={"requestBody": {"content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def post_mime(request: Request, edge: EdgeDep) -> MailAccepted:
    raw = await request.body()
    if len(raw) > edge.settings.max_bytes:
        raise Problem(413, "too-large", "Message too large", f"The limit is {edge.settings.max_bytes} bytes.")
    received = await _receive(edge, raw, provider="mime")
    if received.kind is Kind.DEAD_LETTER:
        raise Problem(
            422,
            "mail-not-understood",
            "Mail not understood",
            f"Kept as dead letter {received.event_id}: {received.reason}",
        )
    return _accepted(received)


async def _dead_letter(edge: Edge, body: bytes, *, provider: str, reason: str) -> Received:
    try:
        return await edge.receiver.dead_letter(body, provider=provider, reason=reason, now=datetime.now(UTC))
    except StorageUnavailable:
        problem = Problem(503, "storage-unavailable", "Storage unavailable", "Nothing was accepted; retry.")
        problem.headers["Retry-After"] = RETRY_AFTER_SECONDS
        raise problem from None


async def _write(edge: Edge, work: Any) -> Any:
    try:
        return await edge.receiver.intake.write(work)
    except StorageUnavailable:
        problem = Problem(503, "storage-unavailable", "Storage unavailable", "Nothing was accepted; retry.")
        problem.headers["Retry-After"] = RETRY_AFTER_SECONDS
        raise problem from None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _bytes(value: str | UploadFile) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return await value.read()


def _json(text: str) -> Any:
    """A form field's JSON; one not JSON or nested too deep is treated as absent."""
    try:
        return jsonbody.loads(text) if text else None
    except ValueError:
        return None


def _sendgrid_envelope(text: str) -> Envelope:
    document = _json(text)
    if not isinstance(document, dict):
        return Envelope()
    to = document.get("to")
    rcpt = tuple(str(item) for item in to) if isinstance(to, list) else ()
    sender = document.get("from")
    return Envelope(mail_from=str(sender) if sender else None, rcpt_tos=rcpt)


async def _files(
    form: FormData, *, prefix: str, info: Any = None, content_ids: dict[str, str] | None = None
) -> list[File]:
    cid_of = {str(field): str(cid).strip("<>") for cid, field in (content_ids or {}).items()}
    files = []
    for name, value in form.multi_items():
        if not name.startswith(prefix) or not isinstance(value, UploadFile):
            continue
        details = info.get(name, {}) if isinstance(info, dict) else {}
        files.append(
            File(
                filename=value.filename or (details.get("filename") if isinstance(details, dict) else None),
                content_type=value.content_type or "application/octet-stream",
                content=await value.read(),
                content_id=cid_of.get(name) or (details.get("content-id") if isinstance(details, dict) else None),
            )
        )
    return files


def _postmark_mime(document: dict[str, Any]) -> bytes:
    headers: list[tuple[str, str]] = []
    sender = document.get("FromFull") if isinstance(document.get("FromFull"), dict) else {}
    assert isinstance(sender, dict)
    headers.append(("From", _address(sender) or str(document.get("From") or "")))
    to = [_address(item) for item in document.get("ToFull") or [] if isinstance(item, dict)]
    headers.append(("To", ", ".join(filter(None, to)) or str(document.get("To") or "")))
    headers.append(("Subject", str(document.get("Subject") or "")))
    if document.get("Date"):
        headers.append(("Date", str(document["Date"])))
    for item in document.get("Headers") or []:
        if isinstance(item, dict) and item.get("Name"):
            headers.append((str(item["Name"]), str(item.get("Value") or "")))
    files = []
    for item in document.get("Attachments") or []:
        if not isinstance(item, dict):
            continue
        try:
            content = base64.b64decode(str(item.get("Content") or ""), validate=False)
        except (binascii.Error, ValueError):
            continue
        files.append(
            File(
                filename=item.get("Name"),
                content_type=str(item.get("ContentType") or "application/octet-stream"),
                content=content,
                content_id=(str(item["ContentID"]) if item.get("ContentID") else None),
            )
        )
    return rebuild(
        headers, text=str(document.get("TextBody") or ""), html=str(document.get("HtmlBody") or "") or None, files=files
    )


def _address(item: dict[str, Any]) -> str:
    email = str(item.get("Email") or "").strip()
    name = str(item.get("Name") or "").strip().replace('"', "")
    return f'"{name}" <{email}>' if name and email else email


__all__ = ["Edge", "Response", "mime", "webhooks"]
