"""What the floor shows, read from the services in one go: the router's supervisor snapshot (queue, agents, offers),
the case service's cases at risk of or past their SLA, and its open recurring-problem alerts; and the cases behind
any of those numbers. Each source that fails is told on its own part of the floor; the rest still shows."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from services.console.services_client import Api, Service, ServiceError, api_path

T = TypeVar("T")

PRIORITIES = ("urgent", "high", "normal", "low")
PRESENCES = ("available", "busy", "away", "offline")
SLA_STATES = ("at_risk", "breached")
OFFER_OUTCOMES = ("declined", "expired")
ENDED = frozenset({"resolved", "closed"})
# Bounds on what one floor read fetches, whatever the platform holds.
SLA_LIST_LIMIT = 200
SHOWN_PER_LIST = 10
NAMED_CUSTOMERS = 5
ALERTS_NAMED = 5
CASES_PER_PAGE = 100
CONCURRENT_CALLS = 8
SNAPSHOT_CASE_IDS = 1000


@dataclass
class Part:
    """One source of the floor: its data, or the error that kept it away."""

    data: Any = None
    error: ServiceError | None = None


@dataclass
class Floor:
    snapshot: Part
    at_risk: Part  # data: SlaList
    breached: Part
    alerts: Part  # data: list of alerts, each with "customers": [(id, name)]
    alerts_version: str = ""
    alerts_unchanged: bool = False


@dataclass(frozen=True)
class SlaList:
    cases: list[dict[str, Any]]  # open cases only, most urgent first
    more: bool  # the service had more than it listed


async def _part(call: Awaitable[T]) -> Part:
    try:
        return Part(data=await call)
    except ServiceError as error:
        return Part(error=error)


async def load_floor(api: Api, *, known_alerts: str = "") -> Floor:
    """Everything on the floor. `known_alerts`: the alerts' version the page already shows; when it is still the
    current one, the alerts' customers are not read again (`alerts_unchanged`)."""
    snapshot, at_risk, breached, alerts = await asyncio.gather(
        _part(api.get(Service.ROUTER, "/v1/supervisor/snapshot")),
        _part(_sla_list(api, "at_risk")),
        _part(_sla_list(api, "breached")),
        _part(api.get(Service.CASES, "/v1/alerts", params={"status": "open"})),
    )
    floor = Floor(snapshot=snapshot, at_risk=at_risk, breached=breached, alerts=alerts)
    if alerts.error is None:
        items = list((alerts.data or {}).get("items") or [])
        floor.alerts_version = alerts_version(items)
        floor.alerts_unchanged = bool(known_alerts) and known_alerts == floor.alerts_version
        try:
            alerts.data = items if floor.alerts_unchanged else await _with_customer_names(api, items)
        except ServiceError as error:  # the names could not be read: the part says so, and is read again next time
            floor.alerts = Part(error=error)
            floor.alerts_version, floor.alerts_unchanged = "", False
    return floor


def unreachable(error: ServiceError) -> Floor:
    """The floor when the services cannot be called at all (no token for the user): every part says why."""
    return Floor(
        snapshot=Part(error=error), at_risk=Part(error=error), breached=Part(error=error), alerts=Part(error=error)
    )


async def _sla_list(api: Api, state: str) -> SlaList:
    answer = await api.get(Service.CASES, "/v1/cases", params={"sla": state, "limit": SLA_LIST_LIMIT})
    items = [item for item in answer.get("items") or [] if item.get("status") not in ENDED]
    items.sort(key=lambda item: _remaining(item))
    return SlaList(cases=items, more=bool(answer.get("next_cursor")))


def _remaining(item: dict[str, Any]) -> float:
    value = item.get("sla_remaining_seconds")
    return float(value) if isinstance(value, int | float) else float("inf")


def alerts_version(items: Sequence[dict[str, Any]]) -> str:
    """Changes whenever an alert is raised, grows or is acknowledged."""
    parts = [f"{a.get('alert_id')}:{a.get('customer_count')}:{len(a.get('case_ids') or [])}" for a in items]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


async def _with_customer_names(api: Api, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts, the first of them with the names of their first customers (the alert's page lists them all)."""
    wanted = {cid for alert in alerts[:ALERTS_NAMED] for cid in (alert.get("customer_ids") or [])[:NAMED_CUSTOMERS]}
    names = await customer_names(api, sorted(wanted))
    return [
        {
            **alert,
            "customers": [(cid, names.get(cid)) for cid in (alert.get("customer_ids") or [])[:NAMED_CUSTOMERS]]
            if index < ALERTS_NAMED
            else [],
        }
        for index, alert in enumerate(alerts)
    ]


async def _bounded(calls: Iterable[Awaitable[T]]) -> list[T | ServiceError]:
    """The calls, a few at a time; each one's answer or its ServiceError, in order."""
    gate = asyncio.Semaphore(CONCURRENT_CALLS)

    async def one(call: Awaitable[T]) -> T | ServiceError:
        async with gate:
            try:
                return await call
            except ServiceError as error:
                return error

    return list(await asyncio.gather(*(one(call) for call in calls)))


def _raise_unless_missing(answers: Sequence[object]) -> None:
    """A failure other than "no such record" fails the whole read."""
    for answer in answers:
        if isinstance(answer, ServiceError) and not answer.not_found:
            raise answer


async def customer_names(api: Api, customer_ids: Sequence[str]) -> dict[str, str | None]:
    """customer id -> display name (None when it has none); unknown customers are left out."""
    answers = await _bounded(
        api.get(Service.CASES, api_path("/v1/customers/{id}", id=cid)) for cid in customer_ids[:CASES_PER_PAGE]
    )
    _raise_unless_missing(answers)
    return {
        cid: answer.get("display_name")
        for cid, answer in zip(customer_ids, answers, strict=False)
        if isinstance(answer, dict)
    }


@dataclass
class CaseRows:
    rows: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # ids the case service does not know
    more: int = 0  # ids beyond the page


async def case_rows(api: Api, case_ids: Sequence[str]) -> CaseRows:
    """The cases with these ids, in this order (a page of them at most)."""
    unique = list(dict.fromkeys(case_ids))
    page = unique[:CASES_PER_PAGE]
    answers = await _bounded(api.get(Service.CASES, api_path("/v1/cases/{id}", id=cid)) for cid in page)
    _raise_unless_missing(answers)
    found = CaseRows(more=len(unique) - len(page))
    for cid, answer in zip(page, answers, strict=True):
        if isinstance(answer, dict):
            found.rows.append(answer)
        else:
            found.missing.append(cid)
    return found


# --- the floor's numbers, shaped for the page (pure)


def queue_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Queue groups most urgent first, deepest first within a priority."""
    rank = {priority: index for index, priority in enumerate(PRIORITIES)}
    groups = list(snapshot.get("queue") or [])
    return sorted(groups, key=lambda g: (rank.get(g.get("priority"), len(rank)), -int(g.get("depth") or 0), g["skill"]))


def agents_by_presence(snapshot: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(presence, agents) in the order available, busy, away, offline; the busiest first within each."""
    groups: dict[str, list[dict[str, Any]]] = {presence: [] for presence in PRESENCES}
    for agent in snapshot.get("agents") or []:
        groups.setdefault(str(agent.get("presence")), []).append(agent)
    for agents in groups.values():
        agents.sort(key=lambda a: (-float(a.get("occupancy") or 0), str(a.get("display_name") or a["agent_id"])))
    return [(presence, agents) for presence, agents in groups.items() if agents]


def channel_loads(agent: dict[str, Any]) -> list[tuple[str, int, int | None]]:
    """(channel, load, limit) for the channels the agent holds cases on."""
    load = agent.get("load") or {}
    limits = agent.get("capacity") or {}
    return [(channel, int(n), limits.get(channel)) for channel, n in sorted(load.items()) if int(n) > 0]


def recent_offers(snapshot: dict[str, Any], outcome: str | None = None) -> list[dict[str, Any]]:
    """Offers declined or expired lately, newest first (of one outcome when given)."""
    offers = [o for o in snapshot.get("offers_recent") or [] if outcome is None or o.get("outcome") == outcome]
    return sorted(offers, key=lambda o: str(o.get("at")), reverse=True)


# --- the cases behind a number


@dataclass(frozen=True)
class Figure:
    """A number on the floor whose cases a supervisor opened: `kind` is one of FIGURES."""

    kind: str
    value: str
    priority: str = ""


FIGURES = ("queue", "agent", "offers", "sla", "alert", "all")
TOTALS = ("waiting", "offered", "assigned")


def figure_from(params: dict[str, str]) -> Figure | None:
    """The figure named by a page's query (`?queue=billing&priority=high`, `?agent=lan`, `?offers=declined`,
    `?sla=at_risk`, `?alert=<id>`, `?all=waiting`), or None when it names none, or one that cannot be."""
    given = [(kind, params[kind]) for kind in FIGURES if params.get(kind)]
    if len(given) != 1:
        return None
    kind, value = given[0]
    if len(value) > 200:
        return None
    priority = params.get("priority", "")
    if kind == "queue" and priority not in PRIORITIES:
        return None
    if (
        (kind == "offers" and value not in OFFER_OUTCOMES)
        or (kind == "sla" and value not in SLA_STATES)
        or (kind == "all" and value not in TOTALS)
    ):
        return None
    return Figure(kind, value, priority if kind == "queue" else "")


async def cases_behind(api: Api, figure: Figure) -> CaseRows:
    """The cases behind the figure as the services see them now."""
    if figure.kind == "sla":
        listed = await _sla_list(api, figure.value)
        return CaseRows(rows=listed.cases[:CASES_PER_PAGE], more=max(0, len(listed.cases) - CASES_PER_PAGE))
    if figure.kind == "alert":
        alerts = await api.get(Service.CASES, "/v1/alerts", params={"status": "all", "limit": 500})
        alert = next((a for a in alerts.get("items") or [] if a.get("alert_id") == figure.value), None)
        return await case_rows(api, list(alert.get("case_ids") or []) if alert else [])
    snapshot = await api.get(Service.ROUTER, "/v1/supervisor/snapshot", params={"case_ids_limit": SNAPSHOT_CASE_IDS})
    return await case_rows(api, ids_in_snapshot(snapshot, figure))


def ids_in_snapshot(snapshot: dict[str, Any], figure: Figure) -> list[str]:
    """The case ids the snapshot gives behind one of its numbers (pure)."""
    queue = snapshot.get("queue") or []
    agents = snapshot.get("agents") or []
    if figure.kind == "queue":
        return [
            cid
            for group in queue
            if group.get("skill") == figure.value and group.get("priority") == figure.priority
            for cid in group.get("case_ids") or []
        ]
    if figure.kind == "agent":
        agent: dict[str, Any] = next((a for a in agents if a.get("agent_id") == figure.value), {})
        return [*(agent.get("case_ids") or []), *(agent.get("offered_case_ids") or [])]
    if figure.kind == "offers":
        return [str(o.get("case_id")) for o in recent_offers(snapshot, figure.value)]
    if figure.value == "waiting":
        return [cid for group in queue_rows(snapshot) for cid in group.get("case_ids") or []]
    held = "offered_case_ids" if figure.value == "offered" else "case_ids"
    return [cid for agent in agents for cid in agent.get(held) or []]
