"""Pure: who sent a mail, as far as a receiving server vouches for it. SPF, DKIM and DMARC results read from the
`Authentication-Results` headers (RFC 8601) of hosts we trust, from a webhook provider's own headers, or checked by
our SMTP listener (`sender_checks`), and the verdict on the sender's domain that goes into the event's
`metadata["authentication"]`.

Trust: a sender can write any header, so only results a trusted host added count.
- `Authentication-Results` only with an authserv-id listed in INGEST_EMAIL_TRUSTED_AUTHSERV_IDS (default none): a
  receiving host adds its header on top, so for each method the topmost trusted header's results count and any lower
  copy (written by the sender, below it) is ignored. RFC 8601 section 5 has that host remove copies claiming its id.
- Mailgun's `X-Mailgun-Spf` / `X-Mailgun-Dkim-Check-Result` and Postmark's `Received-SPF`: the topmost one, and only
  on mail that provider posted (signed or behind basic auth). SendGrid's `SPF` and `dkim` form fields: `from_sendgrid`.

Verdict, about the domain of the sender address the case service identifies the customer by:
- pass: a DMARC pass, or an SPF or DKIM pass for that domain (equal, or one a subdomain of the other: DMARC's relaxed
  alignment without the public suffix list);
- fail: a DMARC fail, or an SPF fail (not softfail) or DKIM fail for that domain, with no pass;
- none: nothing says either (no results, only results for other domains, softfail, neutral, errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PASS, FAIL, NONE = "pass", "fail", "none"
METHODS = ("spf", "dkim", "dmarc")
RESULTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"})
# A header longer than this is not one a receiving host wrote; it is not read.
MAX_HEADER = 4000
MAX_RESULTS = 20


@dataclass(frozen=True)
class MethodResult:
    method: str  # spf, dkim or dmarc
    result: str  # pass, fail, softfail, neutral, none, temperror, permerror, policy
    domain: str | None = None  # the identity checked: the MAIL FROM's (or HELO's) domain, DKIM d=, DMARC From domain


@dataclass(frozen=True)
class Checked:
    """The results one trusted source gave: `source` is smtp (our listener), authentication-results, mailgun,
    postmark or sendgrid."""

    source: str
    results: tuple[MethodResult, ...] = ()
    authserv_id: str | None = None


def domain_of(identity: str | None) -> str | None:
    """The domain of an address or of a bare domain, lower case, without angle brackets or a trailing dot."""
    if not identity:
        return None
    value = identity.strip().strip("<>").rpartition("@")[2].strip().rstrip(".").lower()
    return value or None


def aligned(identity: str | None, domain: str | None) -> bool:
    if not identity or not domain:
        return False
    return identity == domain or identity.endswith("." + domain) or domain.endswith("." + identity)


def verdict(checked: Checked | None, *, sender_domain: str | None) -> dict[str, Any]:
    """The `metadata["authentication"]` of a mail from `sender_domain`: each method's result (None: not checked),
    the verdict (pass, fail or none) and where the results came from."""
    results = checked.results if checked is not None else ()
    counted = [item for item in results if _counts(item, sender_domain)]
    by_method = {method: _summary(item.result for item in counted if item.method == method) for method in METHODS}
    dmarc = by_method["dmarc"]
    if dmarc == FAIL:
        outcome = FAIL
    elif dmarc == PASS or any(item.result == PASS for item in counted):
        outcome = PASS
    elif any(item.result == FAIL for item in counted):
        outcome = FAIL
    else:
        outcome = NONE
    return {
        **by_method,
        "verdict": outcome,
        "source": checked.source if checked is not None else None,
        "authserv_id": checked.authserv_id if checked is not None else None,
        "results": [{"method": item.method, "result": item.result, "domain": item.domain} for item in results],
    }


def _counts(item: MethodResult, sender_domain: str | None) -> bool:
    """A result about the sender's domain; one about an unknown identity only as a DMARC result or a failure (a pass
    of an unknown identity proves nothing of the sender)."""
    if item.domain is None:
        return item.method == "dmarc" or item.result != PASS
    return aligned(item.domain, sender_domain)


def _summary(results: Iterable[str]) -> str | None:
    """One method's result: pass when any (of several DKIM signatures) passed, else the first given."""
    found = list(results)
    if not found:
        return None
    return PASS if PASS in found else found[0]


def from_authentication_results(headers: Sequence[str], *, trusted: frozenset[str]) -> Checked | None:
    """The results of the `Authentication-Results` headers (topmost first) whose authserv-id is trusted: for each
    method, those of the topmost header that reports it. None when no trusted header is there."""
    taken: dict[str, list[MethodResult]] = {}
    authserv_id = None
    for value in headers:
        if len(value) > MAX_HEADER:
            continue
        parsed = parse_authentication_results(value)
        if parsed is None or parsed[0] not in trusted:
            continue
        authserv_id = authserv_id or parsed[0]
        fresh: dict[str, list[MethodResult]] = {}
        for item in parsed[1]:
            if item.method not in taken:
                fresh.setdefault(item.method, []).append(item)
        taken.update(fresh)
    if authserv_id is None:
        return None
    return Checked("authentication-results", tuple(item for items in taken.values() for item in items), authserv_id)


def parse_authentication_results(value: str) -> tuple[str, list[MethodResult]] | None:
    """(authserv-id, the spf/dkim/dmarc results) of one header value, or None when it is not one. Linear in the
    length: comments and quotes are dropped in one pass, then the value is split on `;` and blanks."""
    parts = _uncommented(value).split(";")
    head = parts[0].split()
    if not head:
        return None
    authserv_id = head[0].lower()
    results = []
    for part in parts[1:]:
        tokens = part.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        method, result = method.split("/")[0].lower(), result.lower()
        if method not in METHODS or result not in RESULTS:
            continue
        properties = dict(token.partition("=")[::2] for token in tokens[1:] if "=" in token)
        results.append(MethodResult(method, result, _identity(method, {k.lower(): v for k, v in properties.items()})))
        if len(results) >= MAX_RESULTS:
            break
    return authserv_id, results


def _identity(method: str, properties: Mapping[str, str]) -> str | None:
    if method == "spf":
        return domain_of(properties.get("smtp.mailfrom") or properties.get("smtp.helo"))
    if method == "dkim":
        return domain_of(properties.get("header.d") or properties.get("header.i"))
    return domain_of(properties.get("header.from"))


def _uncommented(value: str) -> str:
    """`value` without (comments), nested ones too, and with "quoted strings" unquoted (a `;` in them dropped)."""
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char if char != ";" else " ")
        elif char == "\\":
            escaped = True
        elif quoted:
            if char == '"':
                quoted = False
            else:
                out.append(char if char != ";" else " ")
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth:
            continue
        elif char == '"':
            quoted = True
        else:
            out.append(char)
    return "".join(out)


# Providers' own words for a result, lower-cased.
_PROVIDER_RESULTS = {"pass": PASS, "fail": FAIL, "hardfail": FAIL, "softfail": "softfail", "neutral": "neutral"}


def _provider_result(value: str | None) -> str | None:
    words = (value or "").split()
    return _PROVIDER_RESULTS.get(words[0].lower(), NONE) if words else None


def from_provider_headers(
    provider: str, first: Mapping[str, str], *, mail_from: str | None, dkim_domains: Sequence[str]
) -> Checked | None:
    """Mailgun's or Postmark's results from the topmost of their headers (`first`: name lower-cased -> value);
    SPF is about the envelope sender, DKIM about the mail's (only) signing domain."""
    results = []
    if provider == "mailgun":
        spf = _provider_result(first.get("x-mailgun-spf"))
        dkim = _provider_result(first.get("x-mailgun-dkim-check-result"))
    elif provider == "postmark":
        received_spf = first.get("received-spf")
        spf, dkim = _provider_result(received_spf), None
        mail_from = _envelope_from(received_spf) or mail_from
    else:
        return None
    if spf is not None:
        results.append(MethodResult("spf", spf, domain_of(mail_from)))
    if dkim is not None:
        results.append(MethodResult("dkim", dkim, dkim_domains[0] if len(dkim_domains) == 1 else None))
    return Checked(provider, tuple(results)) if results else None


def _envelope_from(received_spf: str | None) -> str | None:
    """`envelope-from=` of a Received-SPF header (RFC 7208 section 9.1)."""
    for part in _uncommented(received_spf or "").replace(";", " ").split():
        key, _, value = part.partition("=")
        if key.lower() == "envelope-from" and value:
            return value.strip('"')
    return None


def from_sendgrid(*, spf: str, dkim: str, mail_from: str | None) -> Checked | None:
    """SendGrid Inbound Parse's `SPF` field (`pass`) and `dkim` field (`{@example.com : pass}`, one per signature)."""
    results = []
    spf_result = _provider_result(spf)
    if spf_result is not None:
        results.append(MethodResult("spf", spf_result, domain_of(mail_from)))
    for entry in dkim.strip().strip("{}").split(",")[:MAX_RESULTS]:
        domain, _, result = entry.partition(":")
        dkim_result = _provider_result(result)
        if domain.strip() and dkim_result is not None:
            results.append(MethodResult("dkim", dkim_result, domain_of(domain.strip().lstrip("@"))))
    return Checked("sendgrid", tuple(results)) if results else None


def reason(authentication: Mapping[str, Any]) -> str:
    """`spf=fail, dkim=none`: the results a verdict rests on, for people to read."""
    return ", ".join(f"{method}={authentication.get(method) or NONE}" for method in METHODS)
