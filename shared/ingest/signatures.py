"""Comparing a presented secret or signature with the expected one, whatever characters it holds."""

from __future__ import annotations

import hmac


def same_text(presented: str, expected: str) -> bool:
    """Constant-time equality of two texts. hmac.compare_digest raises TypeError for a str with non-ASCII
    characters (a header can carry them: Starlette decodes headers as Latin-1), so both are compared as bytes."""
    return hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))
