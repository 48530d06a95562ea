"""What the desk shows, worked out without I/O: filters, the unread marker, durations, and a case's timeline in words
(threading rule, classification evidence, routing decisions) in both languages, every label in the catalogue."""

from __future__ import annotations

from services.console.i18n import Translator
from services.console.messages import MESSAGES
from services.console.screens import desk_views
from services.console.screens.desk_views import CaseFilters, Labels, duration_text, is_unread
from services.console.screens.desk_wording import OUTCOMES, PLAIN, TRIGGERS, timeline_lines


def test_filters_keep_only_values_the_services_know_and_a_bounded_search() -> None:
    filters = CaseFilters.of(status="open", sla="melting", channel="zalo", q="  hàng   bị vỡ " + "x" * 500)
    assert filters.status == "open" and filters.sla == "" and filters.channel == "zalo"
    assert filters.q.startswith("hàng bị vỡ x") and len(filters.q) == 200
    assert filters.params() == {"status": "open", "channel": "zalo", "q": filters.q}
    assert filters.next_page("abc")["cursor"] == "abc"
    assert not CaseFilters.of(status="", sla="", channel="", q=" ").any


def test_a_case_is_unread_when_the_customer_wrote_after_the_agent_last_opened_it() -> None:
    assert is_unread("2025-01-10T10:00:00Z", None)
    assert is_unread("2025-01-10T10:00:01+00:00", "2025-01-10T10:00:00+00:00")
    assert not is_unread("2025-01-10T10:00:00Z", "2025-01-10T10:00:00+00:00")
    assert not is_unread(None, None), "no customer message: nothing to read"
    assert is_unread("2025-01-10T10:00:00Z", "not a time")


def test_durations_read_the_same_as_the_pages_countdown() -> None:
    assert duration_text(7) == "7 s"
    assert duration_text(249) == "4 min 09 s"
    assert duration_text(-3900) == "1 h 05 min"
    assert duration_text(2 * 86_400 + 3 * 3_600 + 5) == "2 d 3 h"


def test_every_label_of_a_known_value_is_in_both_languages() -> None:
    families = {
        "desk.status.": desk_views.STATUSES,
        "desk.sla.": desk_views.SLA_STATES,
        "desk.channel.": desk_views.CHANNELS,
        "desk.priority.": desk_views.PRIORITIES,
        "desk.presence.": desk_views.PRESENCES,
        "desk.category.": desk_views.CATEGORIES,
        "desk.marker.": desk_views.MARKERS,
        "desk.delivery.": desk_views.DELIVERY_STATUSES,
        "desk.reason.": desk_views.DECLINE_REASONS,
        "casepage.direction.": desk_views.DIRECTIONS,
        "casepage.purpose.": desk_views.PURPOSES,
        "casepage.clock.": desk_views.CLOCKS,
        "casetl.rule.": desk_views.THREAD_RULES,
        "casetl.trigger.": TRIGGERS,
        "casetl.outcome.": OUTCOMES,
        "casetl.": PLAIN,
    }
    missing = [
        prefix + value for prefix, values in families.items() for value in values if prefix + value not in MESSAGES
    ]
    assert missing == []
    labels = Labels(Translator("vi"))
    assert labels.status("pending_customer") == "Chờ khách hàng"
    assert labels.category("a_deployments_own") == "a_deployments_own", "an unknown code shows as it is"
    assert labels.time_left(-90) == "quá 1 min 30 s"


def test_the_timeline_merges_entries_and_routing_decisions_in_time_order_with_their_reasons() -> None:
    entries = [
        {
            "at": "2025-01-10T10:00:00Z",
            "kind": "case_opened",
            "actor_kind": "customer",
            "actor_id": "c-1",
            "detail": {"rule": "new_case", "reason": "no reference", "channel": "email"},
        },
        {
            "at": "2025-01-10T10:00:00Z",
            "kind": "classified",
            "actor_kind": "system",
            "detail": {
                "category": "damaged_goods",
                "priority": "high",
                "markers": ["angry"],
                "evidence": {"category": ["bị vỡ"], "marker:angry": ["bực mình"]},
            },
        },
        {"at": "2025-01-10T10:05:00Z", "kind": "sla_at_risk", "detail": {"target": "first_response"}},
        {"at": "2025-01-10T10:06:00Z", "kind": "something_new", "detail": None},
    ]
    decisions = [
        {
            "decided_at": "2025-01-10T10:00:01Z",
            "trigger": "case_opened",
            "outcome": "offered",
            "agent_id": "lan",
            "requirement": {"skill": "damaged_goods", "min_level": 2, "language": "vi", "channel": "email"},
            "candidates": [{"agent_id": "lan", "summary": "lan: ranked 1, chosen."}],
            "summary": "New case: offered to lan.",
        }
    ]
    lines = timeline_lines(entries, decisions, t=Translator("vi"), labels=Labels(Translator("vi")))
    assert [line.text for line in lines] == [
        "Ca được mở từ tin nhắn Email: no reference",
        "Phân loại: Hàng bị hư hỏng, ưu tiên Cao · Dấu hiệu: bức xúc",
        "Phân công: ca mới → mời lan nhận",
        "SLA sắp trễ: Phản hồi đầu tiên, hạn —",
        "something_new",
    ]
    assert lines[1].details == ("Căn cứ: category: bị vỡ; marker:angry: bực mình",)
    assert lines[2].details == ("Cần kỹ năng damaged_goods mức 2 trở lên, vi, Email", "Bạn: lan: ranked 1, chosen.")
    assert lines[2].router_words == "New case: offered to lan."
    assert lines[0].actor == "Khách hàng" and lines[2].actor == "Phân công"
    english = timeline_lines(entries[:1], [], t=Translator("en"), labels=Labels(Translator("en")))
    assert english[0].text == "Case opened by a message on Email: no reference"
