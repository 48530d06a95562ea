"""verify.py with signatures computed by the twilio library itself."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

from twilio.request_validator import HMAC_SHA256, RequestValidator

from ingest_sms.verify import Received, is_authentic, parameters, signed_url

TOKEN = "twilio-test-auth-token-0123456789"
VALIDATOR = RequestValidator(TOKEN)
URL = "https://support.example.com/sms/twilio/sms"
PARAMS = {"MessageSid": "SM1", "From": "+84912345678", "Body": "Xin chào"}


def form(params: dict[str, str], signature: str | None, settings: str | None = None) -> Received:
    return Received(urlencode(params).encode(), "application/x-www-form-urlencoded", signature, settings)


def test_the_public_base_url_replaces_what_the_process_sees() -> None:
    assert signed_url(
        public_base="https://a.example/sms/", path="/twilio/sms", query="x=1", received_url="http://b/twilio/sms?x=1"
    ) == ("https://a.example/sms/twilio/sms?x=1")
    assert signed_url(public_base=None, path="/twilio/sms", query="", received_url="http://b/twilio/sms") == (
        "http://b/twilio/sms"
    )


def test_a_form_signed_by_the_library_is_authentic_and_anything_else_is_not() -> None:
    signature = VALIDATOR.compute_signature(URL, PARAMS)
    assert is_authentic(VALIDATOR, url=URL, received=form(PARAMS, signature))
    assert not is_authentic(VALIDATOR, url=URL, received=form({**PARAMS, "Body": "changed"}, signature))
    assert not is_authentic(VALIDATOR, url=URL + "?x=1", received=form(PARAMS, signature))
    assert not is_authentic(VALIDATOR, url=URL, received=form(PARAMS, None))
    assert not is_authentic(RequestValidator("another-token"), url=URL, received=form(PARAMS, signature))


def test_hmac_sha256_signatures_named_in_the_settings_header_are_checked_with_sha256() -> None:
    signature = VALIDATOR.compute_signature(URL, PARAMS, HMAC_SHA256)
    header = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    assert is_authentic(VALIDATOR, url=URL, received=form(PARAMS, signature, header))
    assert not is_authentic(VALIDATOR, url=URL, received=form(PARAMS, signature))


def test_a_json_body_needs_its_sha256_in_the_signed_url() -> None:
    body = json.dumps(PARAMS)
    url = f"{URL}?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signature = VALIDATOR.compute_signature(url, {})
    received = Received(body.encode(), "application/json", signature)
    assert is_authentic(VALIDATOR, url=url, received=received)
    assert parameters(received) == PARAMS
    assert not is_authentic(VALIDATOR, url=URL, received=Received(body.encode(), "application/json", signature))


def test_parameters_take_the_first_of_repeated_values_and_keep_blank_ones() -> None:
    received = Received(b"A=1&A=2&Body=&B=x+y", "application/x-www-form-urlencoded", None)
    assert parameters(received) == {"A": "1", "Body": "", "B": "x y"}


def test_undecodable_bodies_are_not_authentic() -> None:
    received = Received(b"Body=%FF%FE\xff", "application/x-www-form-urlencoded", "sig")
    assert not is_authentic(VALIDATOR, url=URL, received=received)
