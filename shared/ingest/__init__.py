"""What every ingest service repeats: its composition (service), durable intake, the outbound consumer that spools
requests (outbound), the spool and its sender, delivery reports, dead letters for input that cannot be understood,
and the start-up notes the launcher prints."""
