"""Kafka topic names: one constant per topic, versioned in the name."""

from typing import Final

COMPLAINTS_INBOUND: Final = "complaints.inbound.v1"
CASES_EVENTS: Final = "cases.events.v1"
ROUTING_EVENTS: Final = "routing.events.v1"
OUTBOUND_MESSAGES: Final = "outbound.messages.v1"
DEADLETTER: Final = "deadletter.v1"

ALL_TOPICS: Final = (COMPLAINTS_INBOUND, CASES_EVENTS, ROUTING_EVENTS, OUTBOUND_MESSAGES, DEADLETTER)
