"""Settings of case_service, read from CASE_SERVICE_* environment variables (shared ones unprefixed).

The taxonomy, keyword rules, SLA targets, business hours, templates and playbooks are JSON values; left unset they
are the built-in defaults (see `case_service.policy`), so a fresh install works without any of them.
"""

import re
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.attachments import DEFAULT_MAX_BYTES, base64_length
from shared.settings import DatabaseSettings, blank_is_unset, strong_key

ENV_PREFIX = "CASE_SERVICE_"
SERVICE_NAME = "case_service"

JsonMap = dict[str, Any]
_STORE_ENTRY = re.compile(r"^([a-z][a-z0-9_]{0,39})=(https?://[^\s/?#]+(?:/[^\s?#]*)?)$")
# Files an agent's reply may carry, in base64 (4 characters per 3 bytes), with the text of the reply.
REPLY_TEXT_ALLOWANCE_BYTES = 262_144


def parse_stores(value: str) -> dict[str, str]:
    """`name=base URL,...` (CASE_SERVICE_ATTACHMENT_STORES) as {name: URL without a trailing slash}."""
    stores = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        found = _STORE_ENTRY.match(entry)
        if found is None:
            raise ValueError("each entry is service=http(s)://host[:port][/path], e.g. gateway=http://127.0.0.1:8000")
        stores[found.group(1)] = found.group(2).rstrip("/")
    return stores


class CaseServiceSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8004, ge=1, le=65535)
    default_region: str = Field(
        "VN", pattern="^[A-Z]{2}$", description="ISO region of phone numbers written without a country code."
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8004", description="Where this service is reached (the files it stores are served here)."
    )
    customer_pages_url: str = Field(
        "http://127.0.0.1:8006",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="Where customers open their pages (the console): survey and status links point here.",
    )

    # Attachments (case_service.downloads, case_service.reply_files)
    attachment_stores: str = Field(
        "",
        description="Where each service that stores files serves them: name=base URL, comma-separated (the "
        "launcher sets it), e.g. gateway=http://127.0.0.1:8000,ingest_email=http://127.0.0.1:8001.",
    )
    attachment_link_ttl_seconds: int = Field(
        1800, ge=30, le=7 * 24 * 3600, description="How long a signed download link handed out is valid."
    )
    max_attachments: int = Field(5, ge=0, le=20, description="Files one reply may carry.")
    max_attachment_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1024, le=100 * 1024 * 1024)
    # Unset: room for a reply with max_attachments files of max_attachment_bytes (about 67 MiB by default).
    max_body_bytes: int = Field(REPLY_TEXT_ALLOWANCE_BYTES, ge=1024)

    # Threading and lifecycle
    reopen_window_hours: float = Field(
        168, ge=0, description="A customer writing within this time after a resolution reopens the case."
    )

    # Classification (JSON; unset = built-in taxonomy and Vietnamese/English keyword rules)
    categories: list[str] | None = Field(None, description='The category taxonomy, e.g. ["billing_refund", ...].')
    category_keywords: dict[str, list[str]] | None = Field(None, description="category -> keywords")
    priority_keywords: dict[str, list[str]] | None = Field(None, description="priority -> keywords")
    marker_keywords: dict[str, list[str]] | None = Field(None, description="marker (angry, urgent...) -> keywords")

    # SLA
    sla_targets: dict[str, dict[str, float]] | None = Field(
        None, description='priority -> {"first_response_minutes": .., "resolution_minutes": ..}'
    )
    business_hours: JsonMap | None = Field(
        None,
        description='{"timezone": "Asia/Ho_Chi_Minh", "hours": {"mon": ["08:00-17:30"], ...}, "holidays": [...]};'
        " unset = SLA clocks run around the clock.",
    )
    sla_at_risk_fraction: float = Field(0.8, gt=0, lt=1, description="A target is at risk once this much is used.")
    scheduler_interval_seconds: float = Field(2.0, gt=0, le=300, description="How often due SLA and follow-ups run.")

    # Acknowledgement, follow-up and CSAT
    acknowledgement_templates: dict[str, str] | None = Field(None, description="language -> template ({reference})")
    survey_templates: dict[str, str] | None = Field(None, description="language -> template ({survey_url})")
    follow_up_delay_hours: float = Field(72, ge=0, description="Check back with the customer this long after resolve.")
    survey_valid_days: float = Field(14, gt=0)
    csat_reopen_below: int = Field(3, ge=1, le=6, description="A score below this reopens the case.")

    # Status links: the customer's own page of their case (case_service.status_links)
    status_link_days: float = Field(90, gt=0, le=3650, description="A status link works this long after it is made.")
    status_link_channels: str = Field(
        "web,email", description="Comma-separated channels whose acknowledgement carries a status link."
    )
    status_link_key: SecretStr | None = Field(
        None, description="Key status link tokens are derived with; unset, one derived from TOKEN_SIGNING_KEY."
    )

    # Playbooks (JSON; unset = built-in)
    playbooks: dict[str, dict[str, list[str]]] | None = Field(
        None, description='category -> {"questions": [...], "steps": [...]}'
    )

    # Recurring problems: a category or root cause rising across customers raises an alert (case_service.alerts)
    recurring_window_minutes: float = Field(
        60, gt=0, le=7 * 24 * 60, description="The recent window whose distinct customers are counted."
    )
    recurring_baseline_hours: float = Field(
        24, gt=0, le=90 * 24, description="The period before the window whose average per window is the baseline."
    )
    recurring_min_customers: int = Field(
        5, ge=2, le=10_000, description="At least this many distinct customers in the window raise an alert."
    )
    recurring_factor: float = Field(
        3.0, ge=1, le=1000, description="...and at least this many times the baseline's customers per window."
    )

    # The live stream (GET /v1/stream)
    stream_heartbeat_seconds: float = Field(15, gt=0, le=300, description="A `: ping` comment this often.")
    stream_queue_size: int = Field(
        100, ge=1, le=10_000, description="Events waiting for one listener; a listener this far behind is dropped."
    )

    @model_validator(mode="after")
    def _body_fits_the_attachments(self) -> "CaseServiceSettings":
        if "max_body_bytes" not in self.model_fields_set:
            self.max_body_bytes = REPLY_TEXT_ALLOWANCE_BYTES + self.max_attachments * base64_length(
                self.max_attachment_bytes
            )
        return self

    @field_validator("attachment_stores")
    @classmethod
    def _stores(cls, value: str) -> str:
        parse_stores(value)
        return value

    def attachment_store_urls(self) -> dict[str, str]:
        """{store name: base URL}; case_service's own files are served here unless the setting says elsewhere."""
        return {SERVICE_NAME: self.public_base_url.rstrip("/"), **parse_stores(self.attachment_stores)}

    @field_validator("customer_pages_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("status_link_key", mode="before")
    @classmethod
    def _blank_key_is_unset(cls, value: Any) -> Any:
        return blank_is_unset(value)

    @field_validator("status_link_key")
    @classmethod
    def _key_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        return strong_key(value)
