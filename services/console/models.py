"""The console's own tables: users, browser sessions, failed logins (for throttling) and per-user preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class User(Base):
    """A person who signs in. `username_key` (the name in lower case) makes usernames unique without regard to case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    team: Mapped[str | None] = mapped_column(String(100))
    agent_id: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BrowserSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's value is kept: a copy of the database opens no session."""

    __tablename__ = "sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class FailedLogin(Base):
    """A refused login, by the SHA-256 of the account name tried and of the client's address (no personal data)."""

    __tablename__ = "failed_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_sha256: Mapped[str] = mapped_column(String(64), index=True)
    address_sha256: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class Preference(Base):
    """A user's own setting or marker (e.g. when a case was last seen), as JSON under a key."""

    __tablename__ = "preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PublicSubmission(Base):
    """A form a customer sent from the public pages (a complaint, or a message on a status page) that the gateway
    accepted: kept for the rate limits and so that the same form sent again answers with the same receipt. Only
    SHA-256 digests of the addresses are kept (no personal data)."""

    __tablename__ = "public_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # complaint or status_message
    address_sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # the email or phone given
    client_sha256: Mapped[str] = mapped_column(String(64), index=True)  # the client's network address
    link_sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # the status link written with
    event_id: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
