"""No setting holding a secret is ever printed, valid or not: `python -m <service> check` and the launcher name an
invalid setting and what is wrong with it, never a value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RAW_KEY = "sk-live-RAWKEY-0123456789abcdef0123456789"
BASIC_AUTH = "sendgrid-only-PASSWORD-without-a-colon"
SHORT_SIGNING_KEY = "tiny-SIGNINGKEY"
DATABASE_PASSWORD = "db-PASSWORD-9f8e7d"
TWILIO_TOKEN = "twilio-AUTHTOKEN-0123456789abcdef"


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python <args>` in an empty directory (no .env of the repo) with only `env` set besides the basics."""
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "SYSTEMROOT") if name in os.environ}
    environment = {**base, "PYTHONPATH": str(REPO), "DATA_DIR": str(cwd / "var"), **env}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def assert_refused_without(result: subprocess.CompletedProcess[str], secrets: tuple[str, ...], names: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    for name in names.split():
        assert f"invalid setting {name}" in output, output
    for secret in secrets:
        assert secret not in output, f"{secret!r} was printed"
    assert "input_value" not in output and "Traceback" not in output, output


@pytest.mark.parametrize("module", ["services.gateway", "case_service", "router_service"])
def test_a_raw_key_pasted_as_api_key_hashes_is_not_printed(module: str, tmp_path: Path) -> None:
    result = run(["-m", module, "check"], tmp_path, API_KEY_HASHES=RAW_KEY)
    assert_refused_without(result, (RAW_KEY, RAW_KEY[:12]), "API_KEY_HASHES")


def test_ingest_email_basic_auth_and_signing_key_are_not_printed(tmp_path: Path) -> None:
    result = run(
        ["-m", "ingest_email", "check"],
        tmp_path,
        INGEST_EMAIL_WEBHOOK_BASIC_AUTH=BASIC_AUTH,
        TOKEN_SIGNING_KEY=SHORT_SIGNING_KEY,
        INGEST_EMAIL_DATABASE_URL=f"postgresql+asyncpg://complaints:{DATABASE_PASSWORD}@127.0.0.1:1/x",
    )
    assert_refused_without(
        result,
        (BASIC_AUTH, SHORT_SIGNING_KEY, DATABASE_PASSWORD),
        "INGEST_EMAIL_WEBHOOK_BASIC_AUTH TOKEN_SIGNING_KEY",
    )


def test_a_secret_pasted_into_an_ordinary_setting_is_not_printed(tmp_path: Path) -> None:
    result = run(
        ["-m", "ingest_sms", "check"],
        tmp_path,
        INGEST_SMS_DATABASE_URL=f"postgresql+asyncpg://complaints:{DATABASE_PASSWORD}@127.0.0.1:1/x",
        INGEST_SMS_PORT=TWILIO_TOKEN,  # the token, pasted into the variable below the right one
    )
    assert_refused_without(result, (TWILIO_TOKEN, DATABASE_PASSWORD), "INGEST_SMS_PORT")


def test_a_setting_that_is_not_json_is_named_without_its_value(tmp_path: Path) -> None:
    result = run(["-m", "case_service", "check"], tmp_path, CASE_SERVICE_CATEGORY_KEYWORDS=f'{{"a": [{RAW_KEY}')
    assert_refused_without(result, (RAW_KEY,), "CASE_SERVICE_CATEGORY_KEYWORDS")


def test_the_launcher_refuses_a_raw_key_without_printing_it(tmp_path: Path) -> None:
    result = run(["-m", "services", "run"], tmp_path, API_KEY_HASHES=RAW_KEY, PLATFORM_SERVICES="gateway,ingest_sms")
    assert_refused_without(result, (RAW_KEY, RAW_KEY[:12]), "API_KEY_HASHES")
    assert not (tmp_path / "var").exists(), "a refused start-up leaves nothing behind"
