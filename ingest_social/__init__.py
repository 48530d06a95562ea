"""Social channels ingest: normalizes provider messages into complaint.message.received.v1 events."""
