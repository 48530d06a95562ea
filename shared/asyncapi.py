"""The AsyncAPI 3.0 document of the event contract, built from the topic names and the payload models."""

from __future__ import annotations

from typing import Any

from shared import topics
from shared.cloudevents import CloudEvent, EventData
from shared.events import (
    CaseAssigned,
    CaseClosed,
    CaseEscalated,
    CaseEscalationRequested,
    CaseFollowUpDue,
    CaseMessageAdded,
    CaseOffered,
    CaseOfferEnded,
    CaseOpened,
    CaseProblemRecurring,
    CaseReclassified,
    CaseReopened,
    CaseResolved,
    CaseSlaAtRisk,
    CaseSlaBreached,
    ComplaintMessageReceived,
    DeadLetterRecorded,
    OutboundDeliveryReported,
    OutboundMessageRequested,
)

TOPIC_EVENTS: dict[str, tuple[type[EventData], ...]] = {
    topics.COMPLAINTS_INBOUND: (ComplaintMessageReceived, OutboundDeliveryReported),
    topics.CASES_EVENTS: (
        CaseOpened,
        CaseMessageAdded,
        CaseReopened,
        CaseReclassified,
        CaseEscalationRequested,
        CaseResolved,
        CaseClosed,
        CaseSlaAtRisk,
        CaseSlaBreached,
        CaseFollowUpDue,
        CaseProblemRecurring,
    ),
    topics.ROUTING_EVENTS: (CaseAssigned, CaseOffered, CaseOfferEnded, CaseEscalated),
    topics.OUTBOUND_MESSAGES: (OutboundMessageRequested,),
    topics.DEADLETTER: (DeadLetterRecorded,),
}

TOPIC_KEYS = {
    topics.COMPLAINTS_INBOUND: "the sender's normalized contact address (delivery reports: case id)",
    topics.CASES_EVENTS: "case id",
    topics.ROUTING_EVENTS: "case id",
    topics.OUTBOUND_MESSAGES: "case id",
    topics.DEADLETTER: "source topic/partition/offset",
}


def asyncapi_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"CloudEvent": CloudEvent.model_json_schema()}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for topic, models in TOPIC_EVENTS.items():
        channel_messages = {}
        for model in models:
            name = model.event_type
            schemas[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for nested, schema in schemas[name].pop("$defs", {}).items():
                schemas[nested] = schema
            messages[name] = {
                "name": name,
                "contentType": "application/cloudevents+json",
                "summary": (model.__doc__ or name).strip().splitlines()[0],
                "payload": {"$ref": f"#/components/schemas/{name}"},
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[topic] = {"address": topic, "description": f"Key: {TOPIC_KEYS[topic]}.", "messages": channel_messages}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Complaint platform events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in structured JSON mode; the schemas below describe the `data` member.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    }
