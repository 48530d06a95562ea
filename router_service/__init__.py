"""Skills-based routing: agents with levels and capacity per channel, offers with timeouts, the waiting queue with
relaxation, atomic capacity claims, recorded and explainable decisions, live agent streams and statistics."""
