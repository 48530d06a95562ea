"""The integrator gateway: accepts complaints over REST with an Idempotency-Key, and keeps the dead letters."""
