"""X Account Activity checks: the CRC answer and the signature over each POST body, both base64 HMAC-SHA256 with
the app's consumer secret.

X's protocol makes the two the same function: the unauthenticated `GET ?crc_token=T` answers HMAC(secret, T), and
a POST is genuine when its header is HMAC(secret, body). Answering any T would sign any body an attacker chooses.
The two are kept apart by keeping their inputs apart, which no choice of secret or token can undo:

- a CRC token is answered only when it is 1 to 256 characters of the base64/base64url alphabet (`A-Z a-z 0-9 - _
  + / =`, what X sends: a short opaque token); anything else is refused without computing anything;
- a POST body is checked only when its first byte that is not JSON whitespace is `{` (every body X sends is a JSON
  object, and the route accepts nothing else); anything else is refused as unsigned.

No answerable token starts with whitespace or `{`, so no answerable token is a body the POST route checks: the set
of strings the CRC route signs and the set the POST route verifies are disjoint, and the CRC route can only ever
produce signatures over strings that are not acceptable bodies. (A match across the two sets would be an HMAC-SHA256
collision.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from shared.ingest.signatures import same_text

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
_PREFIX = "sha256="
MAX_CRC_TOKEN_LENGTH = 256
_CRC_TOKEN = re.compile(rf"[A-Za-z0-9_\-+/=]{{1,{MAX_CRC_TOKEN_LENGTH}}}")
_JSON_WHITESPACE = b" \t\r\n"


def _digest(consumer_secret: str, message: bytes) -> str:
    return _PREFIX + base64.b64encode(hmac.new(consumer_secret.encode(), message, hashlib.sha256).digest()).decode()


def is_crc_token(crc_token: str) -> bool:
    """Whether `crc_token` is one the CRC route answers (see the module's docstring for why it is so narrow)."""
    return _CRC_TOKEN.fullmatch(crc_token) is not None


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """The body X expects (within 3 s) for `GET ?crc_token=`. Raises ValueError for a token outside
    `is_crc_token`: its answer could be a body's signature."""
    if not is_crc_token(crc_token):
        raise ValueError("not a CRC token")
    return {"response_token": _digest(consumer_secret, crc_token.encode())}


def is_signable_body(body: bytes) -> bool:
    """Whether `body` is in the POST route's domain: a JSON object's text (first non-whitespace byte `{`)."""
    return body.lstrip(_JSON_WHITESPACE).startswith(b"{")


def signature(consumer_secret: str, body: bytes) -> str:
    return _digest(consumer_secret, body)


def is_authentic(consumer_secret: str, *, body: bytes, header: str | None) -> bool:
    """The header signs this body, and the body is one the CRC route can never have signed."""
    if not header or not header.startswith(_PREFIX) or not is_signable_body(body):
        return False
    return same_text(header.strip(), signature(consumer_secret, body))
