"""A local DNS server (dnslib, UDP on 127.0.0.1) answering TXT records from a dict, standing in for the senders'
DNS (SPF, DKIM keys, DMARC); and a DKIM key pair made with the openssl command for a test domain."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dkim
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from tests.support.broker import free_port


@dataclass
class Zone(BaseResolver):  # type: ignore[misc]
    """TXT records by name (no trailing dot); any other name is NXDOMAIN. `asked` lists the names queried."""

    txt: dict[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        self.asked.append(name)
        value = self.txt.get(name)
        if value is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            chunks = [value[i : i + 255] for i in range(0, len(value), 255)]
            reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
        return reply


@contextmanager
def running_dns(zone: Zone) -> Iterator[str]:
    """Serve `zone` while the block runs; yields the `host:port` to give INGEST_EMAIL_DNS_SERVERS."""
    port = free_port()
    server = DNSServer(zone, address="127.0.0.1", port=port, logger=DNSLogger("-request,-reply,-truncated,-error"))
    server.start_thread()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()
        server.server.server_close()


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_pem: bytes
    record: str  # the TXT record of `selector._domainkey.domain`

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def sign(self, raw: bytes) -> bytes:
        """`raw` with a DKIM-Signature header of this key prepended."""
        headers = [b"from", b"to", b"subject", b"message-id", b"date"]
        signature = dkim.sign(
            raw, self.selector.encode(), self.domain.encode(), self.private_pem, include_headers=headers
        )
        return bytes(signature) + raw


def dkim_key(directory: Path, *, domain: str, selector: str = "s1") -> DkimKey:
    """A fresh 2048-bit RSA key (openssl), its public half as a DKIM key record."""
    private = directory / f"{domain}.key"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(private), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    record = f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"
    return DkimKey(domain=domain, selector=selector, private_pem=private.read_bytes(), record=record)
