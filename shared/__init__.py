"""Code common to every service: event contract, Kafka bus, database helpers, settings, HTTP edge, logging."""
