"""Accepting what Twilio or a CTI system sends, durably (see shared.ingest.intake).

Twilio does not retry an SMS webhook, so the intake's write deadline stays well inside Twilio's 15 s.
"""

from __future__ import annotations

from shared.ingest.intake import Accepted, Intake, StorageUnavailable, Write, event_id_for

__all__ = ["Accepted", "Intake", "StorageUnavailable", "Write", "event_id_for"]
