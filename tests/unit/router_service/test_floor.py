"""The supervisor's floor from plain rows: queue groups, agents by presence with load and occupancy, counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from router_service.floor import (
    AgentRow,
    ChannelLoad,
    EndedOffer,
    HeldCase,
    WaitingRow,
    agents_on_floor,
    build_snapshot,
    occupancy,
    presence_counts,
    queue_groups,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def waiting(
    case_id: str, skill: str, priority: str, *, minutes_ago: float, depth: int, reserved: int = 0
) -> WaitingRow:
    rank = {"urgent": 0, "high": 1, "normal": 2, "low": 3}[priority]
    at = NOW - timedelta(minutes=minutes_ago)
    return WaitingRow(skill, priority, rank, case_id, at, depth, reserved)


def agent(agent_id: str, presence: str = "available", *, active: int = 0, total: int = 2, **kw: object) -> AgentRow:
    values: dict[str, object] = {
        "agent_id": agent_id,
        "display_name": f"Agent {agent_id}",
        "presence": presence,
        "team": None,
        "supervisor": False,
        "channels": ("email", "sms"),
        "max_total": total,
        "active_cases": active,
        "presence_since": NOW,
    }
    values.update(kw)
    return AgentRow(**values)  # type: ignore[arg-type]


def test_the_queue_groups_by_skill_and_priority_most_pressing_first_oldest_first():
    rows = [
        waiting("b-2", "billing", "normal", minutes_ago=1, depth=2),
        waiting("l-1", "legal", "urgent", minutes_ago=0.5, depth=1, reserved=1),
        waiting("b-1", "billing", "normal", minutes_ago=3, depth=2),
        waiting("a-1", "account", "normal", minutes_ago=2, depth=1),
        waiting("bh-1", "billing", "high", minutes_ago=0.25, depth=1),
    ]
    groups = queue_groups(rows, now=NOW)
    assert [(g.skill, g.priority, g.case_ids) for g in groups] == [
        ("legal", "urgent", ["l-1"]),
        ("billing", "high", ["bh-1"]),
        ("account", "normal", ["a-1"]),
        ("billing", "normal", ["b-1", "b-2"]),
    ]
    billing = groups[-1]
    assert (billing.depth, billing.oldest_case_id, billing.oldest_waiting_seconds) == (2, "b-1", 180.0)
    assert groups[0].reserved == 1


def test_a_group_read_only_in_part_keeps_its_full_depth():
    [group] = queue_groups([waiting("b-1", "billing", "normal", minutes_ago=5, depth=40)], now=NOW)
    assert (group.depth, group.case_ids) == (40, ["b-1"])


def test_an_age_never_goes_negative_when_clocks_differ():
    [group] = queue_groups([waiting("b-1", "billing", "normal", minutes_ago=-1, depth=1)], now=NOW)
    assert group.oldest_waiting_seconds == 0.0


def test_agents_are_listed_by_presence_with_their_load_limits_and_cases():
    agents = [agent("z", "offline"), agent("m", "busy", active=2), agent("b"), agent("a", "away"), agent("c", active=1)]
    loads = [
        ChannelLoad("m", "email", 1, 1),
        ChannelLoad("m", "sms", 2, 1),
        ChannelLoad("m", "voice", 0, 0),  # no longer served, holds nothing: not shown
        ChannelLoad("c", "email", 2, 1),
        ChannelLoad("c", "voice", 0, 1),  # no longer served but still holds a case: load shown, no limit
    ]
    held = [
        HeldCase("m", "k-1", offered=False),
        HeldCase("m", "k-2", offered=True),
        HeldCase("c", "k-3", offered=False),
    ]
    on_floor = agents_on_floor(agents, loads, held)
    assert [(a.agent_id, a.presence) for a in on_floor] == [
        ("b", "available"),
        ("c", "available"),
        ("m", "busy"),
        ("a", "away"),
        ("z", "offline"),
    ]
    m = next(a for a in on_floor if a.agent_id == "m")
    assert (m.load, m.capacity, m.occupancy) == ({"email": 1, "sms": 1}, {"email": 1, "sms": 2}, 1.0)
    assert (m.case_ids, m.offered_case_ids) == (["k-1"], ["k-2"])
    c = next(a for a in on_floor if a.agent_id == "c")
    assert (c.load, c.capacity, c.occupancy) == ({"email": 1, "voice": 1}, {"email": 2}, 0.5)


def test_occupancy_stays_between_zero_and_one():
    assert [occupancy(0, 3), occupancy(1, 3), occupancy(5, 3), occupancy(1, 0)] == [0.0, 0.3333, 1.0, 0.0]


def test_presence_counts_list_every_presence():
    assert presence_counts(["busy", "busy", "available"]) == {"available": 1, "busy": 2, "away": 0, "offline": 0}


def test_the_snapshot_adds_up_the_floor():
    ended = [
        EndedOffer("o-1", "k-1", "m", "declined", "not mine", NOW - timedelta(minutes=3), "email"),
        EndedOffer("o-2", "k-2", "m", "expired", None, NOW - timedelta(minutes=1), "sms"),
    ]
    snapshot = build_snapshot(
        now=NOW,
        window=timedelta(minutes=15),
        waiting=[
            waiting("b-1", "billing", "normal", minutes_ago=5, depth=7),
            waiting("l-1", "legal", "high", minutes_ago=1, depth=2),
        ],
        agents=[agent("m", "busy", active=2), agent("n", "offline")],
        loads=[],
        held=[HeldCase("m", "k-3", offered=False), HeldCase("m", "k-4", offered=True)],
        ended_offers=ended,
        ended_counts={"declined": 4, "expired": 1},
    )
    assert (snapshot.generated_at, snapshot.window_minutes) == (NOW, 15)
    assert [o.offer_id for o in snapshot.offers_recent] == ["o-2", "o-1"], "newest first"
    assert snapshot.offers_recent_counts == {"declined": 4, "expired": 1}
    assert snapshot.presence_counts == {"available": 0, "busy": 1, "away": 0, "offline": 1}
    assert (snapshot.totals.waiting, snapshot.totals.offered, snapshot.totals.assigned) == (9, 1, 1)
    assert build_snapshot(
        now=NOW, window=timedelta(minutes=5), waiting=[], agents=[], loads=[], held=[], ended_offers=[], ended_counts={}
    ).offers_recent_counts == {"declined": 0, "expired": 0}
