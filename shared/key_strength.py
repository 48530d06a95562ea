"""Whether a secret is fit to sign with: long enough, not a pattern a person typed, not a placeholder from `deploy/`.

Entropy cannot be measured from one value, only estimated: the estimate here (the character frequencies of the key,
over its shortest repeating unit) is generous to random keys and hard on typed ones. `secrets.token_urlsafe(32)`
(what the launcher generates) scores about 200 bits; 'a' * 32 scores 0, a repeated phrase the bits of one phrase.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# RFC 7518 section 3.2: an HS256 key is at least as long as the hash output, 256 bits.
MIN_KEY_BYTES = 32
MIN_ESTIMATED_BITS = 128
# The values `deploy/production.env.example` ships with, and the usual stand-ins for a secret; compared without case,
# separators or digits, so `CHANGE_ME`, `change-me-2` and `ChangeMe` are all the same placeholder.
PLACEHOLDERS = ("changeme", "changethis", "replaceme", "placeholder", "yoursecret", "notasecret", "secretkey")
GENERATE_HINT = "use 32 random bytes, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def weakness(key: str) -> str | None:
    """Why `key` must not sign anything (in words that never quote it), or None when it is fit."""
    if len(key.encode()) < MIN_KEY_BYTES:
        return f"must be at least {MIN_KEY_BYTES} bytes long ({GENERATE_HINT})"
    if is_placeholder(key):
        return f"is a placeholder, not a secret ({GENERATE_HINT})"
    unit = _repeating_unit(key)
    if len(unit) < len(key):
        return f"repeats a shorter pattern ({GENERATE_HINT})"
    if _predictable_steps(key) * 2 > len(key) - 1:
        return f"is mostly runs of repeated or consecutive characters ({GENERATE_HINT})"
    if estimated_bits(key) < MIN_ESTIMATED_BITS:
        return f"has too little variety to be random ({GENERATE_HINT})"
    return None


def is_placeholder(secret: str) -> bool:
    """Whether `secret` is one of the stand-ins people leave in an example file."""
    folded = re.sub(r"[^a-z]", "", secret.lower())
    return any(placeholder in folded for placeholder in PLACEHOLDERS)


def estimated_bits(key: str) -> float:
    """Length times the Shannon entropy of the key's own character frequencies, over its shortest repeating unit."""
    unit = _repeating_unit(key)
    counts = Counter(unit)
    per_character = -sum(n / len(unit) * math.log2(n / len(unit)) for n in counts.values())
    return per_character * len(unit)


def _repeating_unit(key: str) -> str:
    """The shortest prefix that `key` is a repetition of (a trailing partial copy allowed), at most half the key."""
    for length in range(1, len(key) // 2 + 1):
        if all(key[i] == key[i % length] for i in range(length, len(key))):
            return key[:length]
    return key


def _predictable_steps(key: str) -> int:
    """How many neighbouring characters repeat or count up or down (`aaaa`, `abcd`, `4321`)."""
    return sum(1 for a, b in zip(key, key[1:], strict=False) if abs(ord(a) - ord(b)) <= 1)
