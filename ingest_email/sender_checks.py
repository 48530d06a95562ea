"""SPF (pyspf), DKIM (dkimpy) and DMARC checks of a mail our own SMTP listener received: the listener is then the
receiving server, so it decides what `Authentication-Results` would have said. Blocking (DNS): run in a thread.

Every DNS query goes to the resolver built from INGEST_EMAIL_DNS_SERVERS (default: the system's) and each is bounded
by INGEST_EMAIL_DNS_TIMEOUT_SECONDS; a lookup that times out is a temperror, never a pass or a fail. DMARC: the
From domain's `_dmarc` record, walking up the domain's parents (as DMARCbis does) up to MAX_DMARC_WALK lookups; with
a record, the mail passes DMARC when SPF or DKIM passed for a domain aligned with the From domain, and fails it
otherwise (whatever the policy asks receivers to do with it: we only decide what to trust).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

import dkim
import dns.exception
import dns.nameserver
import dns.resolver
import spf

from ingest_email.authresults import FAIL, NONE, PASS, Checked, MethodResult, aligned, domain_of
from ingest_email.headers import addresses

log = logging.getLogger(__name__)

SOURCE = "smtp"
MAX_SIGNATURES = 5
MAX_DMARC_WALK = 5
TEMPERROR = "temperror"

# pyspf looks names up through its module-level `DNSLookup` (its hook for other resolvers); ours answers from the
# resolver of the check running in this context.
_resolver: contextvars.ContextVar[dns.resolver.Resolver] = contextvars.ContextVar("sender_checks_resolver")


@dataclass(frozen=True)
class Peer:
    """What the SMTP transaction says of the sender: the connecting address, HELO name and MAIL FROM."""

    ip: str
    helo: str | None = None
    mail_from: str | None = None


def resolver_of(servers: str, *, timeout: float) -> dns.resolver.Resolver:
    """A resolver asking `servers` (`host` or `host:port`, comma-separated; empty: the system's), every query
    bounded by `timeout` seconds. Raises ValueError for an unusable server list."""
    listed = [part.strip() for part in servers.split(",") if part.strip()]
    resolver = dns.resolver.Resolver(configure=not listed)
    if listed:
        resolver.nameservers = [_nameserver(item) for item in listed]
    resolver.timeout = resolver.lifetime = timeout
    resolver.cache = None
    return resolver


def _nameserver(item: str) -> dns.nameserver.Nameserver:
    host, port = item, 53
    if item.count(":") == 1:  # host:port (a bare IPv6 address has more colons)
        host, _, number = item.partition(":")
        port = int(number)
    elif item.startswith("[") and "]:" in item:
        host, _, number = item[1:].partition("]:")
        port = int(number)
    return dns.nameserver.Do53Nameserver(host, port)


def check(raw: bytes, peer: Peer, *, resolver: dns.resolver.Resolver) -> Checked:
    """SPF of the MAIL FROM (the HELO name for a null sender), each DKIM signature, then DMARC of the From domain."""
    token = _resolver.set(resolver)
    try:
        results = [_spf(peer, timeout=resolver.lifetime), *_dkim(raw, timeout=resolver.lifetime)]
        results.append(_dmarc(_from_domain(raw), results, resolver=resolver))
    finally:
        _resolver.reset(token)
    return Checked(SOURCE, tuple(results))


def _spf(peer: Peer, *, timeout: float) -> MethodResult:
    spf.DNSLookup = _spf_lookup
    mail_from = peer.mail_from or ""
    identity = domain_of(mail_from) if mail_from else domain_of(peer.helo)
    try:
        result, _, _ = spf.query(i=peer.ip, s=mail_from, h=peer.helo or "", querytime=timeout).check()
    except Exception as error:  # an address or name pyspf cannot take
        log.info("SPF not checked: %s", type(error).__name__)
        return MethodResult("spf", "permerror", identity)
    return MethodResult("spf", str(result).lower(), identity)


def _spf_lookup(name: str, qtype: str, strict: Any = True, timeout: float = 5) -> list[tuple[tuple[str, str], Any]]:
    """pyspf's DNSLookup: [((name, type), value)] answered by this check's resolver."""
    resolver = _resolver.get()
    try:
        answer = resolver.resolve(name, qtype, lifetime=min(timeout, resolver.lifetime), search=False)
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
        raise spf.TempError(f"DNS {type(error).__name__}") from None
    found: list[tuple[tuple[str, str], Any]] = []
    for rdata in answer:
        if qtype in ("A", "AAAA"):
            found.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            found.append(((name, qtype), (rdata.preference, rdata.exchange)))
        elif qtype == "PTR":
            found.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            found.append(((name, qtype), rdata.strings))
    return found


def _txt(name: bytes | str, timeout: float = 5) -> bytes | None:
    """dkimpy's dnsfunc: the first TXT record of `name`, joined."""
    resolver = _resolver.get()
    text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    try:
        answer = resolver.resolve(text, "TXT", lifetime=min(timeout, resolver.lifetime), search=False)
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN, dns.resolver.NoNameservers):
        return None
    except dns.exception.Timeout:
        raise dkim.DnsTimeoutError("DNS timeout") from None
    for rdata in answer:
        return b"".join(rdata.strings)
    return None


def _dkim(raw: bytes, *, timeout: float) -> Iterator[MethodResult]:
    try:
        verifier = dkim.DKIM(raw, timeout=timeout)
    except Exception:  # a message dkimpy cannot split into headers and body
        return
    signatures = sum(1 for name, _ in verifier.headers if name.lower() == b"dkim-signature")
    for index in range(min(signatures, MAX_SIGNATURES)):
        verifier.domain = None
        try:
            result = PASS if verifier.verify(idx=index, dnsfunc=_txt) else FAIL
        except dkim.DnsTimeoutError:
            result = TEMPERROR
        except Exception:  # a malformed signature or key record
            result = FAIL
        domain = verifier.domain
        yield MethodResult("dkim", result, domain_of(domain.decode("ascii", "replace")) if domain else None)


def _from_domain(raw: bytes) -> str | None:
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        found = addresses(str(headers.get("From", "")))
    except Exception:
        return None
    return domain_of(found[0][1]) if found else None


def _dmarc(from_domain: str | None, results: list[MethodResult], *, resolver: dns.resolver.Resolver) -> MethodResult:
    if from_domain is None:
        return MethodResult("dmarc", NONE, None)
    try:
        has_record = _dmarc_record(from_domain, resolver=resolver)
    except dns.exception.Timeout:
        return MethodResult("dmarc", TEMPERROR, from_domain)
    if not has_record:
        return MethodResult("dmarc", NONE, from_domain)
    passed = any(item.result == PASS and aligned(item.domain, from_domain) for item in results)
    return MethodResult("dmarc", PASS if passed else FAIL, from_domain)


def _dmarc_record(domain: str, *, resolver: dns.resolver.Resolver) -> bool:
    labels = domain.split(".")
    for start in range(min(len(labels) - 1, MAX_DMARC_WALK)):
        name = "_dmarc." + ".".join(labels[start:])
        try:
            answer = resolver.resolve(name, "TXT", search=False)
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN, dns.resolver.NoNameservers):
            continue
        for rdata in answer:
            if b"".join(rdata.strings).strip().lower().startswith(b"v=dmarc1"):
                return True
    return False
