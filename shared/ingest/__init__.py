"""What every ingest service repeats: durable intake, the outbound spool and its sender, delivery reports, dead
letters for input that cannot be understood, and the start-up notes the launcher prints."""
