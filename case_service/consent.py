"""Whether a customer's message changes their consent to hear from us: an opt-out (STOP, huỷ...) or, once opted out,
an opt-in (START). Such a message is a keyword, not a complaint."""

from __future__ import annotations

from enum import StrEnum

from case_service import wording
from case_service.folding import fold

# The carriers' standard English keywords and their Vietnamese counterparts, compared folded as a whole message.
_OPT_IN = frozenset({"start", "unstop", "subscribe", "resubscribe", "opt in", "optin", "dang ky lai", "dang ki lai"})


class ConsentChange(StrEnum):
    OPTED_OUT = "customer_opted_out"
    OPTED_IN = "customer_opted_in"


def is_opt_in(text: str) -> bool:
    """The whole message asks to receive messages again: START, UNSTOP, SUBSCRIBE, đăng ký lại..."""
    return fold(text) in _OPT_IN


def consent_change(text: str, *, opted_out: bool, signal: object = None) -> ConsentChange | None:
    """What the message says about consent on the address it came from: an opt-out (again, even when already out),
    an opt-in of an address that is out, or nothing. `START` from a customer who never left is an ordinary message.
    `signal` is what the channel itself recognised (ingest_sms puts "stop" or "start" in the event's metadata, after
    the carrier's keyword list), which wins over our reading of the text."""
    if signal == "stop" or wording.is_opt_out(text):
        return ConsentChange.OPTED_OUT
    if opted_out and (signal == "start" or is_opt_in(text)):
        return ConsentChange.OPTED_IN
    return None
