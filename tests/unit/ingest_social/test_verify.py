"""Each platform's webhook check: the genuine request passes; a forged body, a missing signature and a signature
made with another secret do not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest_social.meta import verify as meta
from ingest_social.telegram import verify as telegram
from ingest_social.x import verify as x
from ingest_social.zalo import verify as zalo
from tests.unit.ingest_social.samples import ZALO_APP_ID, zalo_body, zalo_event

BODY = '{"object":"page","entry":[{"id":"1","messaging":[{"message":{"text":"Tôi cần hỗ trợ"}}]}]}'.encode()


def test_meta_signature_matches_the_documented_check_value() -> None:
    assert meta.signature("secret", b"test") == (
        "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
    )


def test_meta_signature_valid_forged_missing_and_wrong_secret() -> None:
    header = meta.signature("app-secret", BODY)
    assert meta.is_authentic("app-secret", body=BODY, header=header)
    assert meta.is_authentic("app-secret", body=BODY, header=header.upper().replace("SHA256=", "sha256="))
    assert not meta.is_authentic("app-secret", body=BODY.replace(b"1", b"2"), header=header)
    assert not meta.is_authentic("app-secret", body=BODY, header=None)
    assert not meta.is_authentic("app-secret", body=BODY, header="")
    assert not meta.is_authentic("app-secret", body=BODY, header=header.removeprefix("sha256="))
    assert not meta.is_authentic("other-secret", body=BODY, header=header)


def test_meta_signature_covers_the_raw_bytes_not_reserialized_json() -> None:
    escaped = json.dumps(json.loads(BODY)).encode()  # \u escapes, as Meta sends non-ASCII
    assert meta.is_authentic("s", body=escaped, header=meta.signature("s", escaped))
    assert not meta.is_authentic("s", body=BODY, header=meta.signature("s", escaped))


def test_meta_verification_handshake() -> None:
    assert meta.challenge_answer(mode="subscribe", token="tok", challenge="1158201444", verify_token="tok") == (
        "1158201444"
    )
    assert meta.challenge_answer(mode="subscribe", token="nope", challenge="1", verify_token="tok") is None
    assert meta.challenge_answer(mode="unsubscribe", token="tok", challenge="1", verify_token="tok") is None
    assert meta.challenge_answer(mode="subscribe", token=None, challenge="1", verify_token="tok") is None


def test_telegram_secret_token() -> None:
    assert telegram.is_authentic("s3cr3t_TOKEN-1", header="s3cr3t_TOKEN-1")
    assert not telegram.is_authentic("s3cr3t_TOKEN-1", header="s3cr3t_TOKEN-2")
    assert not telegram.is_authentic("s3cr3t_TOKEN-1", header=None)
    assert not telegram.is_authentic("s3cr3t_TOKEN-1", header="")


def zalo_mac(body: bytes, secret: str, *, timestamp: str = "1764000000000") -> str:
    """As the protocol notes say: sha256(app_id + raw body + timestamp + OA secret), hex."""
    return hashlib.sha256(ZALO_APP_ID.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def test_zalo_mac_valid_forged_missing_and_wrong_secret() -> None:
    body = zalo_body(zalo_event("user_send_text", {"msg_id": "m1", "text": "Xin chào"}))
    header = f"mac={zalo_mac(body, 'oa-secret')}"
    assert zalo.is_authentic("oa-secret", body=body, header=header, app_id=ZALO_APP_ID)
    assert zalo.is_authentic("oa-secret", body=body, header=header.removeprefix("mac="))
    assert not zalo.is_authentic("oa-secret", body=body.replace(b"Xin", b"Bye"), header=header)
    assert not zalo.is_authentic("oa-secret", body=body, header=None)
    assert not zalo.is_authentic("other-secret", body=body, header=header)
    assert not zalo.is_authentic("oa-secret", body=body, header=header, app_id="another-app")


def test_zalo_mac_with_a_numeric_timestamp_and_another_part_order() -> None:
    event = zalo_event("user_send_text", {"msg_id": "m1", "text": "hi"})
    event["timestamp"] = 1764000000000
    body = zalo_body(event)
    assert zalo.is_authentic("k", body=body, header=zalo_mac(body, "k"))
    reordered = hashlib.sha256(body + b"k").hexdigest()
    assert zalo.is_authentic("k", body=body, header=reordered, parts=("body", "secret"))
    assert not zalo.is_authentic("k", body=body, header=reordered)


def test_zalo_body_without_what_the_mac_needs_is_not_authentic() -> None:
    body = b'{"event_name":"user_send_text"}'
    assert not zalo.is_authentic("k", body=body, header=hashlib.sha256(body + b"k").hexdigest())
    assert not zalo.is_authentic("k", body=b"not json", header="mac=00")


def test_x_crc_answer() -> None:
    expected = base64.b64encode(hmac.new(b"consumer", b"crc-123", hashlib.sha256).digest()).decode()
    assert x.crc_response("consumer", "crc-123") == {"response_token": f"sha256={expected}"}


@pytest.mark.parametrize(
    ("secret", "body", "valid"),
    [("consumer", BODY, True), ("other", BODY, False), ("consumer", BODY + b" ", False)],
)
def test_x_signature(secret: str, body: bytes, valid: bool) -> None:
    header = x.signature("consumer", BODY)
    assert x.is_authentic(secret, body=body, header=header) is valid


def test_x_missing_signature() -> None:
    assert not x.is_authentic("consumer", body=BODY, header=None)
    assert not x.is_authentic("consumer", body=BODY, header=x.signature("consumer", BODY).removeprefix("sha256="))


@given(st.text(max_size=300))
def test_no_string_the_x_crc_answers_is_a_body_the_x_post_checks(token: str) -> None:
    body = token.encode("utf-8", "surrogatepass")
    assert not (x.is_crc_token(token) and x.is_signable_body(body))


def test_the_x_crc_refuses_a_token_that_could_be_a_body() -> None:
    body = b'{"for_user_id":"1","direct_message_events":[]}'
    with pytest.raises(ValueError):
        x.crc_response("secret", body.decode())
    assert not x.is_authentic("secret", body=b"abc", header=x.signature("secret", b"abc"))
    assert x.is_authentic("secret", body=b' \n{"a":1}', header=x.signature("secret", b' \n{"a":1}'))


@pytest.mark.parametrize("header", ["sha256=é", "mac=ß" + "0" * 60, "\u00ff" * 64])
def test_non_ascii_signatures_are_simply_wrong(header: str) -> None:
    body = zalo_body(zalo_event("user_send_text", {"msg_id": "m1", "text": "Xin chào"}))
    assert not meta.is_authentic("app-secret", body=BODY, header=header)
    assert not x.is_authentic("s", body=BODY, header=header)
    assert not telegram.is_authentic("s3cr3t", header=header)
    assert not zalo.is_authentic("oa-secret", body=body, header=header)
    assert meta.challenge_answer(mode="subscribe", token=header, challenge="1", verify_token="tok") is None
