"""Routing settings come from JSON environment values and refuse levels outside 1-4."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from router_service.settings import RouterServiceSettings


def test_defaults_require_higher_levels_for_higher_priorities():
    policy = RouterServiceSettings(_env_file=None).routing_policy()  # type: ignore[call-arg]
    assert policy.min_level_for_priority == {"low": 1, "normal": 1, "high": 2, "urgent": 3}
    assert policy.skill_for_category == {}


def test_maps_are_read_from_json_environment_values(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ROUTER_SERVICE_SKILL_FOR_CATEGORY", '{"Refund": "Billing"}')
    monkeypatch.setenv("ROUTER_SERVICE_MIN_LEVEL_FOR_PRIORITY", '{"urgent": 4}')
    settings = RouterServiceSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.port == 8005
    policy = settings.routing_policy()
    assert policy.skill_for_category == {"refund": "billing"}
    assert policy.min_level_for_priority == {"urgent": 4}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ROUTER_SERVICE_MIN_LEVEL_FOR_PRIORITY", '{"urgent": 5}'),
        ("ROUTER_SERVICE_MIN_LEVEL_FOR_PRIORITY", '{"critical": 2}'),
        ("ROUTER_SERVICE_SKILL_FOR_CATEGORY", '{"refund": " "}'),
    ],
)
def test_invalid_routing_settings_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        RouterServiceSettings(_env_file=None)  # type: ignore[call-arg]


def test_the_strategy_and_offer_timeout_reach_the_policy(monkeypatch: pytest.MonkeyPatch):
    default = RouterServiceSettings(_env_file=None).routing_policy()  # type: ignore[call-arg]
    assert default.strategy == (
        "continuity",
        "preferred_skills",
        "least_overqualified",
        "lowest_occupancy",
        "longest_idle",
    )
    assert default.offer_timeout.total_seconds() == 30
    monkeypatch.setenv("ROUTER_SERVICE_STRATEGY", " Lowest_Occupancy, longest_idle ")
    monkeypatch.setenv("ROUTER_SERVICE_OFFER_TIMEOUT_S", "5")
    policy = RouterServiceSettings(_env_file=None).routing_policy()  # type: ignore[call-arg]
    assert policy.strategy == ("lowest_occupancy", "longest_idle")
    assert policy.offer_timeout.total_seconds() == 5


@pytest.mark.parametrize("value", ["fastest", "continuity,continuity"])
def test_an_unknown_or_repeated_strategy_step_is_refused(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv("ROUTER_SERVICE_STRATEGY", value)
    with pytest.raises(ValidationError, match="strategy"):
        RouterServiceSettings(_env_file=None)  # type: ignore[call-arg]


def test_relaxation_thresholds_are_read_per_priority(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ROUTER_SERVICE_RELAX_AFTER_S", '{"urgent": 30}')
    after = RouterServiceSettings(_env_file=None).relax_after()  # type: ignore[call-arg]
    assert {priority: delta.total_seconds() for priority, delta in after.items()} == {"urgent": 30.0}
