"""Settings: a blank secret is unset (its platform off, and the start-up notes say so); base URLs and Zalo's
signature parts are checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ingest_social.app import startup_notes
from ingest_social.settings import IngestSocialSettings
from ingest_social.window import is_open, outside_window_error


def test_blank_secrets_are_unset_and_the_notes_name_every_missing_setting() -> None:
    settings = IngestSocialSettings(meta_app_secret="  ", telegram_secret_token="tg", telegram_bot_token="")
    assert (settings.meta_enabled, settings.telegram_enabled, settings.zalo_enabled, settings.x_enabled) == (
        False,
        True,
        False,
        False,
    )
    notes = "\n".join(startup_notes(settings))
    for missing in (
        "INGEST_SOCIAL_META_APP_SECRET",
        "INGEST_SOCIAL_ZALO_OA_SECRET",
        "INGEST_SOCIAL_X_CONSUMER_SECRET",
        "INGEST_SOCIAL_TELEGRAM_BOT_TOKEN",
    ):
        assert missing in notes
    assert "TELEGRAM_SECRET_TOKEN" not in notes
    assert "META_ACCESS_TOKEN" not in notes  # Meta is off altogether: one note says so


def test_base_urls_lose_their_trailing_slash_and_must_be_http() -> None:
    settings = IngestSocialSettings(meta_graph_url="http://127.0.0.1:9/graph/")
    assert settings.meta_graph_url == "http://127.0.0.1:9/graph"
    with pytest.raises(ValidationError):
        IngestSocialSettings(telegram_api_url="ftp://example.com")


def test_zalo_signature_parts() -> None:
    assert IngestSocialSettings(zalo_signature_parts=" body, secret ").zalo_parts() == ("body", "secret")
    with pytest.raises(ValidationError):
        IngestSocialSettings(zalo_signature_parts="app_id,timestamp")
    with pytest.raises(ValidationError):
        IngestSocialSettings(zalo_signature_parts="body,secret,nonce")


def test_the_whatsapp_window() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert is_open(now - timedelta(hours=23, minutes=59), now=now, hours=24)
    assert not is_open(now - timedelta(hours=24), now=now, hours=24)
    assert not is_open(None, now=now, hours=24)
    assert outside_window_error(24) == "outside the 24-hour window: a template message is needed"
