"""HTTP request and response bodies of the gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from shared.auth import Role
from shared.db import as_utc
from shared.events import Channel
from shared.text import CleanInput
from shared.tokens import MAX_LIFETIME

# Primary language subtag and optional subtags ("vi", "en-US", "zh-Hant-TW"): enough to route, not a full BCP 47 parser.
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


# A hard bound on the list whatever the settings say; GATEWAY_MAX_ATTACHMENTS (at most this) is the real limit.
MAX_ATTACHMENTS_LISTED = 20

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class AttachmentIn(CleanInput):
    """A file of the message, its bytes in base64 (standard alphabet, padded; line breaks are ignored; at most
    GATEWAY_MAX_ATTACHMENT_BYTES once decoded). Programs are refused (422, type `attachment-refused`), whatever
    their name says."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filename: str = Field(min_length=1, max_length=255, examples=["hoa-don.pdf"])
    content_type: str = Field(min_length=3, max_length=255, examples=["application/pdf"])
    content_base64: str = Field(min_length=1, description="The file's bytes, base64-encoded.")


class MessageRequest(CleanInput):
    """A complaint from an integrator. Unknown fields are refused: a misspelt field must not vanish silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Channel
    status_token: str | None = Field(
        None,
        min_length=16,
        max_length=128,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="For channel web: the token of the customer's status link the message was written with. The "
        "message then joins that link's case as a message of its customer (so `sender_address` is omitted); the "
        "event carries only the token's SHA-256.",
    )
    sender_address: str | None = Field(
        None,
        min_length=1,
        max_length=320,
        validate_default=True,
        description="Email, phone number or platform user id. Required, except with `status_token` (then omitted).",
    )
    sender_name: str | None = Field(None, max_length=200)
    subject: str | None = Field(None, max_length=998)
    text: str = Field(min_length=1, max_length=20_000)
    external_id: str | None = Field(
        None, min_length=1, max_length=200, description="Your id of the message; the dedup key downstream."
    )
    language: str | None = Field(None, max_length=35, pattern=LANGUAGE_PATTERN, examples=["vi", "en"])
    customer_ref: str | None = Field(None, min_length=1, max_length=200)
    attachments: tuple[AttachmentIn, ...] = Field(
        (), max_length=MAX_ATTACHMENTS_LISTED, description="Files of the message: at most GATEWAY_MAX_ATTACHMENTS."
    )

    @field_validator("sender_address", "text")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("sender_address")
    @classmethod
    def _sender_unless_status_token(cls, value: str | None, info: ValidationInfo) -> str | None:
        """`status_token` (validated before) names the sender: then there is none to give; otherwise one is needed."""
        has_token = info.data.get("status_token") is not None
        if value is None and not has_token:
            raise ValueError("required (unless a status_token is given)")
        if value is not None and has_token:
            raise ValueError("must be left out with a status_token: the status link names the sender")
        return value

    @model_validator(mode="after")
    def _status_token_only_on_the_web(self) -> MessageRequest:
        if self.status_token is not None and self.channel is not Channel.WEB:
            raise ValueError("status_token is only for the web channel")
        return self


class MessageAccepted(BaseModel):
    event_id: str
    status: Literal["accepted"] = "accepted"


class DeadLetterView(BaseModel):
    """A dead letter as stored. `value` is the raw record value, UTF-8 text or base64 as `value_encoding` says."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    source_topic: str
    partition: int
    offset: int
    consumer_group: str
    reason: str
    failed_at: UtcDatetime
    recorded_at: UtcDatetime
    replayed_at: UtcDatetime | None
    replay_count: int
    key: str | None
    headers: list[tuple[str, str]]
    value: str
    value_encoding: str


class DeadLetterPage(BaseModel):
    items: list[DeadLetterView]
    total: int
    limit: int
    offset: int


class DeadLetterCount(BaseModel):
    source_topic: str
    consumer_group: str
    count: int
    not_replayed: int


class DeadLetterStats(BaseModel):
    total: int
    by_source: list[DeadLetterCount]


class TokenRequest(CleanInput):
    """What an access token grants: a role and, for the agent role only, the agent it acts as."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    agent_id: str | None = Field(None, min_length=1, max_length=200, description="Required iff role is agent.")
    subject: str | None = Field(None, max_length=200, description="Who the token is for (free text, for audit).")
    ttl_seconds: int = Field(
        28_800, ge=60, le=int(MAX_LIFETIME.total_seconds()), description="Lifetime: a minute to 30 days; 8 h default."
    )

    @model_validator(mode="after")
    def _agent_id_iff_agent(self) -> TokenRequest:
        if self.role is Role.AGENT and self.agent_id is None:
            raise ValueError("agent_id is required for the agent role")
        if self.role is not Role.AGENT and self.agent_id is not None:
            raise ValueError("agent_id is only for the agent role")
        return self


class TokenIssued(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    role: Role
    agent_id: str | None
    expires_at: datetime
