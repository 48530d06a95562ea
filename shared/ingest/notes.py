"""Start-up notes: what configuration switched off, logged when the service starts and served on
`GET /startup-notes`, which the launcher prints under its start-up table."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from shared.background import BackgroundTask
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class NotesAtStart(BackgroundTask):
    """Logs the notes once the service starts (not when the app is merely built, e.g. for its docs)."""

    task_name = "startup-notes"

    def __init__(self, notes: list[str]) -> None:
        super().__init__()
        self._notes = notes

    async def run(self) -> None:
        for note in self._notes:
            log.warning("%s", note)


def serve_startup_notes(app: FastAPI, runtime: ServiceRuntime, notes: list[str]) -> None:
    """Log `notes` at start and answer them on GET /startup-notes."""
    runtime.add_task(NotesAtStart(notes))

    @app.get("/startup-notes", include_in_schema=False)
    async def _startup_notes() -> dict[str, list[str]]:
        """What is switched off by configuration; the launcher prints it under its start-up table."""
        return {"notes": notes}
