"""Where a provider's files may be fetched from: its API's exact origin, and its CDN names over https only; never
anything a customer could point us at."""

from __future__ import annotations

import pytest

from shared.ingest.media import Hosts

TWILIO = Hosts(api="https://api.twilio.com", cdn=("twiliocdn.com",))
META = Hosts(api="https://graph.facebook.com/v21.0", cdn=("fbsbx.com",), credentials_to_cdn=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "https://API.twilio.com:443/x",
        "https://media.twiliocdn.com/abc",
        "https://twiliocdn.com/abc",
    ],
)
def test_the_provider_s_own_hosts_are_allowed(url: str) -> None:
    assert TWILIO.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com/x",  # another scheme is another origin
        "https://api.twilio.com:8443/x",
        "https://api.twilio.com.evil.example/x",
        "https://evil.example/api.twilio.com",
        "http://media.twiliocdn.com/abc",  # a CDN over plain http
        "https://eviltwiliocdn.com/abc",
        "https://user:pw@api.twilio.com/x",
        "https://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "https://[::1]/x",
        "not a url",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    assert not TWILIO.allows(url)


def test_credentials_go_to_the_api_and_only_where_the_provider_wants_them() -> None:
    assert TWILIO.gets_credentials("https://api.twilio.com/x")
    assert not TWILIO.gets_credentials("https://media.twiliocdn.com/abc")
    assert META.gets_credentials("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1")
    assert not META.gets_credentials("https://evil.example/x")
