"""Signed, short-lived download links to a stored attachment.

case_service decides who may see a file (whoever may see its case) and hands them a link to the service that stores
it: `<store base>/v1/attachments/<sha256>?case=&exp=&name=&type=&sig=`. The store checks the signature (HMAC-SHA256
with ATTACHMENT_LINK_KEY, which only the signer and the stores hold) and the expiry, and serves the bytes under the
signed name and type; it needs no database and no call back to case_service. A link is bound to its store, file,
case, name, type and expiry: changing any of them breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from shared.key_strength import weakness

PATH = "/v1/attachments/{sha256}"
_VERSION = "attachment-link/v1"  # also keeps these signatures apart from anything else signed with the same key


@dataclass(frozen=True)
class Link:
    """What a link grants: the file `sha256` kept by `store`, for `case`, as `name` of `content_type`, until `exp`
    (seconds since the epoch)."""

    store: str
    sha256: str
    case: str
    exp: int
    name: str
    content_type: str

    def query(self, key: str) -> dict[str, str]:
        return {
            "case": self.case,
            "exp": str(self.exp),
            "name": self.name,
            "type": self.content_type,
            "sig": signature(key, self),
        }

    def url(self, key: str, *, base_url: str) -> str:
        """The link on the store at `base_url` (no trailing slash)."""
        return base_url + PATH.format(sha256=self.sha256) + "?" + urlencode(self.query(key))


def signature(key: str, link: Link) -> str:
    problem = weakness(key)
    if problem is not None:
        raise ValueError(f"the attachment link key {problem}")
    message = json.dumps(
        [_VERSION, link.store, link.sha256, link.case, link.exp, link.name, link.content_type],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def verified(key: str | None, link: Link, *, sig: str, now: datetime) -> bool:
    """Whether `sig` is the signature of `link` and the link has not expired (no key: nothing is)."""
    if key is None or link.exp <= now.timestamp():
        return False
    return hmac.compare_digest(signature(key, link), sig)
