"""Twilio's X-Twilio-Signature, checked with the twilio library's own RequestValidator.

Twilio signs the URL it called, so behind a proxy the URL this process sees is not the one signed: it is rebuilt
from INGEST_SMS_PUBLIC_URL and the path and query as received. The validator accepts the URL with and without the
default port (Twilio is inconsistent about `:443`). Form bodies are signed with every parameter (repeated ones
too); JSON bodies are covered by `bodySHA256` in the URL, which is signed alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlsplit

from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator, get_signature_algorithm

from shared.ingest import jsonbody

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


@dataclass(frozen=True)
class Received:
    """What arrived: the raw body, its content type, and the headers the check needs."""

    body: bytes
    content_type: str
    signature: str | None
    signature_settings: str | None = None


def signed_url(*, public_base: str | None, path: str, query: str, received_url: str) -> str:
    """The URL Twilio called: the public base URL plus the path and query as received (else the URL as received)."""
    if public_base is None:
        return received_url
    return public_base.rstrip("/") + path + (f"?{query}" if query else "")


def is_authentic(validator: RequestValidator, *, url: str, received: Received) -> bool:
    if not received.signature:
        return False
    algorithm = get_signature_algorithm(received.signature_settings)
    if _is_json(received.content_type):
        if "bodySHA256" not in parse_qs(urlsplit(url).query):
            return False  # the signature covers the URL alone: without the body's hash the body is unsigned
        try:
            body = received.body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return bool(validator.validate(url, body, received.signature, algorithm))
    try:
        pairs = _form_pairs(received.body)
    except UnicodeDecodeError:
        return False
    return bool(validator.validate(url, ImmutableMultiDict(pairs), received.signature, algorithm))


def parameters(received: Received) -> dict[str, str]:
    """The request's parameters, first value of each name (a JSON object's top-level fields, as text). A body not
    JSON, or nested deeper than jsonbody.MAX_DEPTH, has none (the route answers 422)."""
    if _is_json(received.content_type):
        try:
            document = jsonbody.loads(received.body)
        except ValueError:
            return {}
        if not isinstance(document, dict):
            return {}
        return {str(name): _text(value) for name, value in document.items() if value is not None}
    params: dict[str, str] = {}
    for name, value in _form_pairs(received.body):
        params.setdefault(name, value)
    return params


def _form_pairs(body: bytes) -> list[tuple[str, str]]:
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
