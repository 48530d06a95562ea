"""The services the launcher knows how to start, and where each one listens."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import topics


@dataclass(frozen=True)
class ServiceSpec:
    """One service: its module (`python -m <module> serve|migrate|check`), env prefix and default port."""

    name: str
    module: str
    env_prefix: str
    default_port: int
    has_database: bool
    verifies_tokens: bool  # whether any route takes an access token: only then is it given TOKEN_SIGNING_KEY
    consumes: tuple[str, ...] = ()
    """The topics its consumer group (named after the service) reads."""
    uses_broker: bool = True
    """Whether it publishes or consumes events (then it recovers after a broker restart)."""
    api_docs: bool = True
    """Whether it serves its OpenAPI documentation at /docs."""
    stores_attachments: bool = False
    """Whether it keeps files and serves them by signed link (shared.attachment_links): only then is it given
    ATTACHMENT_LINK_KEY, and case_service is told its address. case_service also signs the links."""

    @property
    def recovers(self) -> bool:
        """Whether it keeps an outbox journal to replay into a restarted broker (shared.recovery)."""
        return self.has_database and self.uses_broker

    @property
    def port_setting(self) -> str:
        return f"{self.env_prefix}PORT"


_OUTBOUND = (topics.OUTBOUND_MESSAGES,)
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "gateway", "services.gateway", "GATEWAY_", 8000, True, True, (topics.DEADLETTER,), stores_attachments=True
    ),
    ServiceSpec("ingest_email", "ingest_email", "INGEST_EMAIL_", 8001, True, True, _OUTBOUND, stores_attachments=True),
    ServiceSpec("ingest_sms", "ingest_sms", "INGEST_SMS_", 8002, True, True, _OUTBOUND, stores_attachments=True),
    # Webhooks signed by their providers and the admin key: no route of ingest_social takes an access token.
    ServiceSpec(
        "ingest_social", "ingest_social", "INGEST_SOCIAL_", 8003, True, False, _OUTBOUND, stores_attachments=True
    ),
    ServiceSpec(
        "case_service",
        "case_service",
        "CASE_SERVICE_",
        8004,
        True,
        True,
        (topics.COMPLAINTS_INBOUND, topics.ROUTING_EVENTS),
        stores_attachments=True,
    ),
    ServiceSpec("router_service", "router_service", "ROUTER_SERVICE_", 8005, True, True, (topics.CASES_EVENTS,)),
    # A client of the others' HTTP APIs: its own database (users, sessions), no events, tokens it only forwards.
    ServiceSpec("console", "services.console", "CONSOLE_", 8006, True, False, uses_broker=False, api_docs=False),
)

SERVICE_NAMES: tuple[str, ...] = tuple(spec.name for spec in SERVICES)


def select(names: tuple[str, ...]) -> tuple[ServiceSpec, ...]:
    """The named services in catalog order; every service when `names` is empty."""
    if not names:
        return SERVICES
    return tuple(spec for spec in SERVICES if spec.name in names)


@dataclass(frozen=True)
class Address:
    """Where a service listens, and the host a client on this machine should connect to."""

    host: str
    port: int

    @property
    def base_url(self) -> str:
        # A wildcard bind address is not something to connect to; loopback reaches it.
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


class _Listen(BaseSettings):
    """The two settings of a service the launcher needs to reach it (the service validates all of them)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int | None = None


def address_of(spec: ServiceSpec) -> Address:
    """Read `<PREFIX>HOST` and `<PREFIX>PORT` the way the service itself will (environment, then `.env`)."""
    listen = _Listen(_env_prefix=spec.env_prefix)
    return Address(host=listen.host, port=listen.port or spec.default_port)
