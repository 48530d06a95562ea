"""Settings of ingest_email, read from INGEST_EMAIL_* environment variables (shared ones unprefixed)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import DatabaseSettings

ENV_PREFIX = "INGEST_EMAIL_"
SERVICE_NAME = "ingest_email"
MIB = 1024 * 1024


class IngestEmailSettings(DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True)

    port: int = Field(8001, ge=1, le=65535)
    # Webhooks carry whole mails (base64 grows them by a third): room for a message of max_bytes.
    max_body_bytes: int = Field(36 * MIB, ge=1024)
    smtp_host: str = Field("127.0.0.1", description="Where the SMTP listener binds.")
    smtp_port: int = Field(2525, ge=0, le=65535, description="SMTP listener port (0: any free port).")
    domains: str = Field("example.com,localhost", description="Comma-separated domains mail is accepted for.")
    max_bytes: int = Field(25 * MIB, ge=1024, description="Largest message accepted (SMTP 552 above it).")
    attachment_max_bytes: int = Field(10 * MIB, ge=0, description="Larger attachments are not stored.")
    tls_cert: Path | None = Field(None, description="PEM certificate: STARTTLS is offered when set with the key.")
    tls_key: Path | None = None
    mailgun_signing_key: SecretStr | None = Field(None, description="Mailgun's webhook signing key.")
    webhook_basic_auth: SecretStr | None = Field(None, description="user:password SendGrid and Postmark post with.")
    relay_host: str | None = Field(None, description="SMTP relay outbound mail goes through; unset: not sent.")
    relay_port: int = Field(25, ge=1, le=65535)
    from_address: str = Field("support@example.com", description="The support address replies come from.")

    # Sender authentication (see ingest_email/authresults.py): the verdict threading trusts
    trusted_authserv_ids: str = Field(
        "",
        description="Comma-separated authserv-ids of receiving hosts whose Authentication-Results headers are "
        "believed (the MX or relay in front of us); empty: none is, any such header may be the sender's own.",
    )
    smtp_check_sender: bool = Field(
        True,
        description="The SMTP listener checks SPF, DKIM and DMARC itself (it is the receiving server); turn off only "
        "behind a relay that adds Authentication-Results, and list that relay in TRUSTED_AUTHSERV_IDS.",
    )
    dns_servers: str = Field(
        "", description="Resolvers for those checks, host or host:port, comma-separated; empty: the system's."
    )
    dns_timeout_seconds: float = Field(5.0, gt=0, le=30, description="Bound on each DNS lookup of those checks.")

    @field_validator("tls_cert", "tls_key", "mailgun_signing_key", "webhook_basic_auth", "relay_host", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_basic_auth")
    @classmethod
    def _user_colon_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("must be user:password")
        return value

    @field_validator("dns_servers")
    @classmethod
    def _resolver_addresses(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            host, port = item, "53"
            if item.startswith("["):
                host, _, port = item[1:].partition("]:")
            elif item.count(":") == 1:
                host, _, port = item.partition(":")
            try:
                ipaddress.ip_address(host)
                valid_port = 1 <= int(port) <= 65535
            except ValueError:
                valid_port = False
            if not valid_port:
                raise ValueError("each resolver is an IP address, optionally with :port ([v6]:port)")
        return value

    @field_validator("from_address")
    @classmethod
    def _an_address(cls, value: str) -> str:
        value = value.strip()
        if value.count("@") != 1 or not all(value.split("@")):
            raise ValueError("must be an email address")
        return value

    @model_validator(mode="after")
    def _cert_with_key(self) -> IngestEmailSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("INGEST_EMAIL_TLS_CERT and INGEST_EMAIL_TLS_KEY must be set together")
        return self

    @property
    def accepted_domains(self) -> frozenset[str]:
        return frozenset(part.strip().lower() for part in self.domains.split(",") if part.strip())

    @property
    def trusted_authserv(self) -> frozenset[str]:
        return frozenset(part.strip().lower() for part in self.trusted_authserv_ids.split(",") if part.strip())

    @property
    def our_addresses(self) -> frozenset[str]:
        return frozenset({self.from_address.lower()})

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def raw_dir(self) -> Path:
        """Where mails that became dead letters are kept whole (the dead letter holds at most a prefix)."""
        return self.data_dir / "deadletter-mail"

    @property
    def sending_enabled(self) -> bool:
        return self.relay_host is not None

    def basic_auth(self) -> tuple[str, str] | None:
        if self.webhook_basic_auth is None:
            return None
        user, _, password = self.webhook_basic_auth.get_secret_value().partition(":")
        return user, password
