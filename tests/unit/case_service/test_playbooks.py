"""Playbooks: every default category has practical questions and steps, and a deployment can replace them."""

from __future__ import annotations

from typing import Any

import pytest

from case_service.classify import DEFAULT_CATEGORIES
from case_service.playbooks import DEFAULT_PLAYBOOKS, Playbook, playbook_for, playbooks_with


def test_one_playbook_per_default_category() -> None:
    assert set(DEFAULT_PLAYBOOKS) == set(DEFAULT_CATEGORIES)
    for category, playbook in DEFAULT_PLAYBOOKS.items():
        assert playbook.category == category
        assert 3 <= len(playbook.questions) <= 6, category
        assert 3 <= len(playbook.steps) <= 6, category
        assert all(question.endswith("?") for question in playbook.questions), category
        assert len(set(playbook.steps)) == len(playbook.steps)


def test_playbooks_follow_the_handbook_from_listening_to_prevention() -> None:
    for category, playbook in DEFAULT_PLAYBOOKS.items():
        first, last = playbook.steps[0].lower(), playbook.steps[-1].lower()
        assert "listen" in first or "hear" in first or "let the customer" in first, category
        assert any("follow up" in step.lower() or "check back" in step.lower() for step in playbook.steps), category
        assert any(word in last for word in ("cause", "recur", "again", "source", "operations", "affects")), category


def test_playbook_for_a_category() -> None:
    assert playbook_for("damaged_goods", DEFAULT_PLAYBOOKS) is DEFAULT_PLAYBOOKS["damaged_goods"]
    assert playbook_for("warranty", DEFAULT_PLAYBOOKS) is None


def test_configured_playbooks() -> None:
    playbooks = playbooks_with(
        {
            "billing_refund": {"steps": ["Check the payment", "Refund", "Confirm receipt"]},
            "warranty": {"questions": ["Serial number?"], "steps": [" Book a repair "]},
        }
    )
    billing = playbooks["billing_refund"]
    assert billing.steps == ("Check the payment", "Refund", "Confirm receipt")
    assert billing.questions == DEFAULT_PLAYBOOKS["billing_refund"].questions
    assert playbooks["warranty"] == Playbook(
        category="warranty", questions=("Serial number?",), steps=("Book a repair",)
    )
    assert playbooks["technical"] == DEFAULT_PLAYBOOKS["technical"]
    assert playbooks_with(None) == DEFAULT_PLAYBOOKS


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"technical": {"actions": ["x"]}}, "unknown parts"),
        ({"technical": {"steps": "reboot"}}, "must be a list"),
        ({"technical": {"steps": ["reboot", " "]}}, "empty entry"),
        ({"technical": ["reboot"]}, "must be an object"),
        ({" ": {"steps": ["x"]}}, "category name"),
    ],
)
def test_bad_playbooks_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        playbooks_with(overrides)
