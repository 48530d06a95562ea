"""Is a mail from a robot? (PROTOCOLS.md, loops): such mail is flagged `auto_submitted`, so the case service
sends it no acknowledgement, and an acknowledgement never answers an auto-reply."""

from __future__ import annotations

from collections.abc import Callable, Collection

_AUTOMATED_LOCAL_PARTS = frozenset(
    {"mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply", "bounce", "bounces"}
)
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
# Our own outbound mail carries this, so it is recognized when it comes back (a forwarding loop, an echo).
OUTBOUND_ID_HEADER = "X-Complaints-Outbound-Id"

Header = Callable[[str], str | None]


def automated_reason(
    header: Header,
    *,
    sender: str | None,
    content_type: str,
    our_addresses: Collection[str] = (),
) -> str | None:
    """Why the mail is automated, or None for a person's mail. `header(name)` answers a decoded header or None."""
    auto_submitted = (header("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted[:50]}"
    if header(OUTBOUND_ID_HEADER):
        return "our own outbound mail came back"
    for name in ("X-Autoreply", "X-Autorespond", "X-Loop", "X-Auto-Response-Suppress", "List-Id"):
        if header(name) is not None:
            return f"{name} header"
    precedence = (header("Precedence") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    return_path = header("Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "empty Return-Path"
    if content_type == "multipart/report":
        return "a delivery or disposition report"
    if sender:
        address = sender.lower()
        local = address.rpartition("@")[0].split("+", 1)[0]
        if local in _AUTOMATED_LOCAL_PARTS or local.startswith("bounce"):
            return f"sender {local}@"
        if address in our_addresses:
            return "sent from our own support address"
    return None
