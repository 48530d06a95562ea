"""Password hashing with Argon2id (argon2-cffi), and the passwords the console generates."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
# Argon2 reads any length, but a login form is no place for a megabyte: bounded work per attempt.
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # RFC 9106's second recommended profile: argon2id, 64 MiB, 3 passes


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(18))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether `password` matches `stored_hash` (never raises for a wrong or malformed one)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nobody(password: str) -> None:
    """Spend the time of one verification for an account that does not exist, so timing does not tell."""
    verify_password(_dummy_hash(), password)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def generate_password() -> str:
    """A password to hand to a person once: 18 random bytes, 24 URL-safe characters."""
    return secrets.token_urlsafe(18)


def weakness(password: str, *, username: str) -> str | None:
    """Why `password` cannot be chosen (the catalogue key under `password.`), or None."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if password.lower() == username.lower() or username.lower() in password.lower():
        return "has_username"
    if len(set(password)) < 4:
        return "too_simple"
    return None
