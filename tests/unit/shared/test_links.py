"""Which provider links are kept: plain http(s) to a public host only, whatever spelling hides a local one."""

from __future__ import annotations

import pytest

from shared.links import refused_link_reason


@pytest.mark.parametrize(
    "url",
    [
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "https://scontent.xx.fbcdn.net/v/a.jpg?x=1",
        "http://93.184.216.34/a.png",
        "https://[2606:4700::1111]/a.png",
    ],
)
def test_public_http_links_are_kept(url: str) -> None:
    assert refused_link_reason(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "ftp://example.com/a",
        "//example.com/a",
        "http://localhost/a",
        "http://LOCALHOST./a",
        "http://printer.local/a",
        "http://127.0.0.1/a",
        "http://127.1/a",
        "http://2130706433/a",
        "http://0x7f000001/a",
        "http://0177.0.0.1/a",
        "http://169.254.169.254/latest",
        "http://[fe80::1]/a",
        "http://[::1]/a",
        "http://[::ffff:169.254.169.254]/a",
        "http://10.1.2.3/a",
        "http://192.168.0.1/a",
        "http://0.0.0.0/a",
        "http://user:pass@example.com/a",
        "http://user@example.com/a",
        "http://example.com:70000/a",
        "http://exa mple.com/a",
        "http://example.com/\x00",
        "https://" + "a" * 3000 + ".com/",
    ],
)
def test_unsafe_links_are_refused_without_repeating_them(url: str) -> None:
    reason = refused_link_reason(url)
    assert reason is not None
    assert url not in reason and "example" not in reason
