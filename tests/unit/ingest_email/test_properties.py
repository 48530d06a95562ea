"""Whatever bytes arrive, the normalizer answers an event or its declared rejection, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest_email.normalize import Rejected, normalize

NOW = datetime(2026, 11, 24, tzinfo=UTC)
HEADERS = st.sampled_from(
    [
        b"From: a@b.vn\r\n",
        b"From: =?utf-8?B?broken?= <x@y.z>\r\n",
        b'Content-Type: multipart/mixed; boundary="b"\r\n',
        b"Content-Type: text/plain; charset=viscii\r\n",
        b"Content-Type: text/plain; charset=iso-2022-jp\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"References: <a@b> <c\r\n",
        b"Subject: =?windows-1258?Q?=D0=EC?=\r\n",
    ]
)


def _normalize(raw: bytes) -> None:
    try:
        normalize(raw, provider="smtp", received_at=NOW, our_domains={"example.com"})
    except Rejected as rejected:
        assert rejected.reason


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(raw: bytes) -> None:
    _normalize(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HEADERS, max_size=6), st.binary(max_size=2048))
def test_mail_shaped_bytes(headers: list[bytes], body: bytes) -> None:
    _normalize(b"".join(headers) + b"\r\n" + body + b"\r\n--b\r\n" + body + b"\r\n--b--\r\n")
