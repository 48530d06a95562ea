"""Which links from outside may be kept: a provider's media URL is shown to agents and may be fetched, so only a
plain http(s) URL to a public host is. Names that resolve to private addresses are the fetcher's to refuse."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = frozenset({"http", "https"})
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")


def refused_link_reason(url: str) -> str | None:
    """None when `url` may be kept; otherwise why not, in words that never repeat the URL."""
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return "contains blanks or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in range
        host = parts.hostname
    except ValueError:
        return "not a valid URL"
    del port
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return "only http and https links are kept"
    if parts.username is not None or parts.password is not None:
        return "a link with credentials in it"
    if not host:
        return "no host"
    return _refused_host_reason(host.rstrip("."))


def _refused_host_reason(host: str) -> str | None:
    name = host.lower()
    if name in _LOCAL_NAMES or name.endswith(_LOCAL_SUFFIXES):
        return "a local host name"
    address = _ip_literal(name)
    if address is None:
        return None
    if not address.is_global or address.is_multicast:
        return "a loopback, private, link-local or reserved address"
    return None


def _ip_literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `name` spells, including the shorthand IPv4 forms browsers accept (`127.1`, `0x7f.0.0.1`,
    `2130706433`)."""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return address.ipv4_mapped
        return address
    if name and all(ch in "0123456789abcdefx." for ch in name) and name[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return None
    return None
