"""Signed, timestamped form tokens: a public form carries one, which proves the console showed that form (so it
doubles as the CSRF token of a page without a session), says when (too fast a submission is a robot's), and is the
gateway's Idempotency-Key (a double click or a resubmitted page makes one message). A receipt proves the console
accepted a given form at a given time.

Token: `<issued unix seconds>.<random nonce>.<HMAC>`, the HMAC over the purpose (which form: the complaint form, one
status page, one survey), the time and the nonce, so a token of one form is no token of another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

MAX_TOKEN = 200
# A clock a little ahead on another instance is not a forgery.
CLOCK_SKEW = timedelta(seconds=30)


class Verdict(StrEnum):
    OK = "ok"
    TOO_FAST = "too_fast"
    STALE = "stale"
    INVALID = "invalid"


@dataclass(frozen=True)
class Checked:
    verdict: Verdict
    issued_at: datetime | None = None


@dataclass(frozen=True)
class Receipt:
    form_token: str
    submitted_at: datetime


@dataclass(frozen=True)
class FormTokens:
    key: bytes
    min_age: timedelta
    max_age: timedelta

    def issue(self, purpose: str, *, now: datetime) -> str:
        issued = str(int(now.timestamp()))
        nonce = secrets.token_urlsafe(16)
        return f"{issued}.{nonce}.{self._sign('form', purpose, issued, nonce)}"

    def check(self, token: str, purpose: str, *, now: datetime) -> Checked:
        """Whether `token` is one this console issued for `purpose`, and whether it is in its time window."""
        parts = token.split(".") if 0 < len(token) <= MAX_TOKEN else []
        if len(parts) != 3 or not parts[0].isdigit():
            return Checked(Verdict.INVALID)
        issued, nonce, signature = parts
        if not hmac.compare_digest(signature.encode(), self._sign("form", purpose, issued, nonce).encode()):
            return Checked(Verdict.INVALID)
        issued_at = datetime.fromtimestamp(int(issued), UTC)
        age = now - issued_at
        if age < -CLOCK_SKEW or age > self.max_age:
            return Checked(Verdict.STALE, issued_at)
        if age < self.min_age:
            return Checked(Verdict.TOO_FAST, issued_at)
        return Checked(Verdict.OK, issued_at)

    def receipt(self, form_token: str, *, submitted_at: datetime) -> str:
        submitted = str(int(submitted_at.timestamp()))
        return f"{form_token}.{submitted}.{self._sign('receipt', form_token, submitted)}"

    def read_receipt(self, receipt: str) -> Receipt | None:
        """The accepted form and when, from a receipt this console made; None for anything else."""
        parts = receipt.rsplit(".", 2) if 0 < len(receipt) <= 2 * MAX_TOKEN else []
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        form_token, submitted, signature = parts
        if not hmac.compare_digest(signature.encode(), self._sign("receipt", form_token, submitted).encode()):
            return None
        return Receipt(form_token, datetime.fromtimestamp(int(submitted), UTC))

    def _sign(self, *parts: str) -> str:
        digest = hmac.new(self.key, "|".join(parts).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def digest(value: str) -> str:
    """The SHA-256 of a value kept only to be compared (a token, an address)."""
    return hashlib.sha256(value.encode()).hexdigest()
