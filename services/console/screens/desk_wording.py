"""A case's timeline in words, in the reader's language: the case service's entries (threading rule, classification
evidence, status changes, SLA signals...) and the router's decisions, merged in time order. Pure: it reads what the
services answered and returns sentences (escaped by the templates like any other value)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.console.screens.desk_views import Labels, local_time, parse_time

TRIGGERS = (
    "case_opened",
    "queue_drain",
    "offer_accepted",
    "offer_declined",
    "offer_expired",
    "offer_rescinded",
    "relaxation",
    "case_resolved",
    "case_closed",
    "sla_at_risk",
    "sla_breached",
    "case_reopened",
    "reclassified",
    "escalation_request",
)
OUTCOMES = (
    "offered",
    "assigned",
    "accepted",
    "declined",
    "expired",
    "rescinded",
    "queued",
    "relaxed",
    "resolved",
    "closed",
    "escalated",
    "reserved",
)
ACTORS = ("customer", "agent", "supervisor", "admin", "system", "router", "channel")
# Kinds whose sentence needs nothing from the entry's detail.
PLAIN = (
    "acknowledgement_sent",
    "reply_sent",
    "survey_sent",
    "note_added",
    "follow_up_due",
    "identity_conflict",
    "customer_opted_out",
    "customer_opted_in",
    "customer_merged",
    "customer_merge_undone",
)
MAX_TEXT = 500
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Line:
    at: str
    actor: str
    text: str
    details: tuple[str, ...] = ()
    router_words: str = ""  # the router's own sentence (English), for a routing decision

    @property
    def when(self) -> str:
        return local_time(self.at)


Translate = Callable[..., str]


def timeline_lines(
    entries: Sequence[Mapping[str, Any]], decisions: Sequence[Mapping[str, Any]], *, t: Translate, labels: Labels
) -> list[Line]:
    """Every entry and decision as a line, oldest first (entries before decisions of the same instant)."""
    words = _Words(t, labels)
    lines = [(parse_time(e.get("at")) or _EARLIEST, 0, i, words.entry(e)) for i, e in enumerate(entries)]
    lines += [(parse_time(d.get("decided_at")) or _EARLIEST, 1, i, words.decision(d)) for i, d in enumerate(decisions)]
    return [line for *_, line in sorted(lines, key=lambda item: item[:3])]


class _Words:
    def __init__(self, t: Translate, labels: Labels) -> None:
        self.t = t
        self.labels = labels

    def entry(self, entry: Mapping[str, Any]) -> Line:
        kind = str(entry.get("kind") or "")
        text, details = self._sentence(kind, _mapping(entry.get("detail")))
        return Line(at=str(entry.get("at") or ""), actor=self.actor(entry), text=text, details=details)

    def actor(self, entry: Mapping[str, Any]) -> str:
        kind = str(entry.get("actor_kind") or "system")
        if kind not in ACTORS:
            return kind
        return self.t(f"casetl.actor.{kind}", id=str(entry.get("actor_id") or ""))

    def decision(self, decision: Mapping[str, Any]) -> Line:
        trigger = str(decision.get("trigger") or "")
        outcome = str(decision.get("outcome") or "")
        agent = str(decision.get("agent_id") or "—")
        outcome_text = self.t(f"casetl.outcome.{outcome}", agent=agent) if outcome in OUTCOMES else outcome
        text = self.t("casetl.routing", trigger=self._code("casetl.trigger.", trigger, TRIGGERS), outcome=outcome_text)
        details = []
        needs = self._needs(decision.get("requirement"))
        if needs:
            details.append(needs)
        for candidate in decision.get("candidates") or ():
            if isinstance(candidate, Mapping) and candidate.get("summary"):
                details.append(self.t("casetl.my_place", summary=_short(candidate["summary"])))
        return Line(
            at=str(decision.get("decided_at") or ""),
            actor=self.t("casetl.actor.router", id=""),
            text=text,
            details=tuple(details),
            router_words=_short(decision.get("summary")),
        )

    def _sentence(self, kind: str, d: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        t, labels = self.t, self.labels
        if kind in ("case_opened", "message_threaded"):
            rule = labels.thread_rule(d.get("rule"))
            channel = labels.channel(d.get("channel"))
            return t(f"casetl.{kind}", channel=channel, rule=rule, reason=_short(d.get("reason"))), ()
        if kind == "classified":
            return self._classified(d)
        if kind == "reclassified":
            before, after = _mapping(d.get("from")), _mapping(d.get("to"))
            text = t(
                "casetl.reclassified",
                from_category=labels.category(before.get("category")),
                from_priority=labels.priority(before.get("priority")),
                to_category=labels.category(after.get("category")),
                to_priority=labels.priority(after.get("priority")),
            )
            return text, ()
        if kind == "status_changed":
            text = t(
                "casetl.status_changed",
                from_status=labels.status(d.get("from")),
                to_status=labels.status(d.get("to")),
            )
            return text, self._reason(d)
        if kind == "assigned":
            return t("casetl.assigned", agent=str(d.get("agent_id") or "—")), ()
        if kind in ("acknowledgement_skipped", "survey_skipped"):
            return t(f"casetl.{kind}", reason=_short(d.get("reason")) or "—"), ()
        if kind in ("message_split_out", "message_split_in", "message_moved_out", "message_moved_in"):
            reference = d.get("to_reference") or d.get("from_reference") or "—"
            return t(f"casetl.{kind}", reference=str(reference)), ()
        if kind in ("escalation_requested", "thread_refused"):
            return t(f"casetl.{kind}", reason=_short(d.get("reason"))), ()
        if kind == "escalated":
            supervisor = str(d.get("supervisor_id") or "—")
            return t("casetl.escalated", supervisor=supervisor, reason=_short(d.get("reason"))), ()
        if kind in ("sla_at_risk", "sla_breached"):
            target = labels.clock(d.get("target"))
            return t(f"casetl.{kind}", target=target, due=local_time(d.get("due_at")) or "—"), ()
        if kind == "csat_recorded":
            return t("casetl.csat_recorded", score=str(d.get("score") or "")), _texts(d.get("comment"))
        if kind == "follow_up_done":
            return t("casetl.follow_up_done"), _texts(d.get("note"))
        if kind in ("delivery_failed", "delivery_skipped"):
            return t(f"casetl.{kind}", error=_short(d.get("error")) or "—"), ()
        if kind in PLAIN:
            return t(f"casetl.{kind}"), ()
        return t("casetl.other", kind=kind), ()

    def _classified(self, d: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        markers = [self.labels.marker(m) for m in d.get("markers") or ()]
        marker_text = f" · {self.t('desk.marker.label')}: {', '.join(markers)}" if markers else ""
        text = self.t(
            "casetl.classified",
            category=self.labels.category(d.get("category")),
            priority=self.labels.priority(d.get("priority")),
            markers=marker_text,
        )
        evidence = _mapping(d.get("evidence"))
        found = [f"{name}: {', '.join(str(w) for w in words)}" for name, words in evidence.items() if words]
        return text, (self.t("casetl.evidence", evidence=_short("; ".join(found))),) if found else ()

    def _needs(self, requirement: Any) -> str:
        if not isinstance(requirement, Mapping) or not requirement.get("skill"):
            return ""
        language = f", {requirement['language']}" if requirement.get("language") else ""
        channel = f", {self.labels.channel(requirement['channel'])}" if requirement.get("channel") else ""
        return self.t(
            "casetl.needs",
            skill=str(requirement["skill"]),
            level=str(requirement.get("min_level") or 1),
            language=language,
            channel=channel,
        )

    def _reason(self, d: Mapping[str, Any]) -> tuple[str, ...]:
        return (self.t("casetl.reason", reason=_short(d["reason"])),) if d.get("reason") else ()

    def _code(self, prefix: str, value: Any, known: tuple[str, ...]) -> str:
        text = str(value or "")
        return self.t(f"{prefix}{text}") if text in known else text


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _short(value: Any) -> str:
    text = str(value or "")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _texts(value: Any) -> tuple[str, ...]:
    return (_short(value),) if value else ()
