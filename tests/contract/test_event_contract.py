"""The event contract: every registered type has a stored v1 payload that still parses, and round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.cloudevents import decode, new_event
from shared.events import EVENT_TYPES, payload

PAYLOADS = Path(__file__).parent / "payloads"


def test_every_registered_event_type_has_a_stored_payload():
    stored = {path.stem for path in PAYLOADS.glob("*.json")}
    assert set(EVENT_TYPES) == stored, "add a payload example for each new event type (never edit old ones)"


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.json")), ids=lambda p: p.stem)
def test_stored_payload_still_parses_and_round_trips(path: Path):
    event = decode(path.read_bytes())
    data = payload(event)
    assert event.type == path.stem
    again = decode(new_event(data, source=event.source, event_id=event.id, time=event.time).to_json_bytes())
    assert payload(again) == data
    original = json.loads(path.read_text())["data"]
    dumped = data.model_dump(mode="json")
    for field, value in original.items():
        assert field in dumped, f"{path.stem}: field {field} was dropped"
        if isinstance(value, str) and not field.endswith("_at"):
            assert dumped[field] == value, f"{path.stem}: field {field} changed meaning"
