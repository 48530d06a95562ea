"""The live stream's fan-out: scoped to the agent, everything for staff, and a listener too far behind dropped."""

from __future__ import annotations

from case_service.live import Broadcaster, Notice


def notice(case_id: str, agent_id: str | None) -> Notice:
    return Notice("case.updated", {"case_id": case_id}, agent_id)


async def test_an_agent_hears_of_their_cases_and_staff_of_everything() -> None:
    broadcaster = Broadcaster(queue_size=10)
    async with (
        broadcaster.subscribe("lan") as lan,
        broadcaster.subscribe("minh") as minh,
        broadcaster.subscribe(None) as staff,
    ):
        for sent in (notice("a", "lan"), notice("b", "minh"), notice("c", None)):
            broadcaster.publish(sent)
        assert [lan.queue.get_nowait().data["case_id"]] == ["a"] and lan.queue.empty()
        assert [minh.queue.get_nowait().data["case_id"]] == ["b"] and minh.queue.empty()
        assert [staff.queue.get_nowait().data["case_id"] for _ in range(3)] == ["a", "b", "c"]
    assert broadcaster.listening() == 0


async def test_a_listener_too_far_behind_is_dropped_without_growing() -> None:
    broadcaster = Broadcaster(queue_size=2)
    async with broadcaster.subscribe("lan") as slow, broadcaster.subscribe("lan") as reading:
        for n in range(5):
            broadcaster.publish(notice(f"case-{n}", "lan"))
            if not reading.queue.empty():
                reading.queue.get_nowait()
        assert slow.queue.qsize() == 2
        kept = [slow.queue.get_nowait(), slow.queue.get_nowait()]
        assert kept[0] is not None and kept[0].data["case_id"] == "case-1"
        assert kept[1] is None, "told it was dropped, in place of the oldest notice"
        assert broadcaster.listening() == 1, "the reading listener stays"
        broadcaster.publish(notice("later", "lan"))
        assert slow.queue.empty()
        assert reading.queue.get_nowait() is not None
