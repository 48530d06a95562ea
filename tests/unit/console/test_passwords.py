"""Passwords: Argon2id hashes that verify only the password they were made from; generated ones are long and random."""

from __future__ import annotations

from services.console import passwords


def test_a_hash_verifies_its_password_and_no_other() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse batterY")
    assert not passwords.verify_password(stored, "")


def test_the_same_password_hashes_differently_each_time() -> None:
    assert passwords.hash_password("same password here") != passwords.hash_password("same password here")


def test_a_malformed_hash_or_an_overlong_password_is_a_plain_no() -> None:
    assert not passwords.verify_password("not-a-hash", "anything")
    stored = passwords.hash_password("x" * passwords.MAX_LENGTH)
    assert passwords.verify_password(stored, "x" * passwords.MAX_LENGTH)
    assert not passwords.verify_password(stored, "x" * (passwords.MAX_LENGTH + 1))


def test_generated_passwords_are_long_and_never_repeat() -> None:
    generated = {passwords.generate_password() for _ in range(50)}
    assert len(generated) == 50
    assert all(len(password) >= 24 and passwords.weakness(password, username="admin") is None for password in generated)


def test_weak_choices_are_refused_with_their_reason() -> None:
    assert passwords.weakness("short", username="lan") == "too_short"
    assert passwords.weakness("x" * 300, username="lan") == "too_long"
    assert passwords.weakness("my-name-is-Lan.Pham", username="lan.pham") == "has_username"
    assert passwords.weakness("aaaaaaaaaaaa", username="lan") == "too_simple"
    assert passwords.weakness("Mưa rơi trên phố cổ", username="lan") is None
