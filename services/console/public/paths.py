"""The paths of the public pages (no session there: their forms carry signed form tokens instead), and those of the
forms that upload files (a larger body limit)."""

from __future__ import annotations

COMPLAIN = "/complain"
SURVEY_PREFIX = "/survey/"
STATUS_PREFIX = "/status/"


def is_public(path: str) -> bool:
    return path == COMPLAIN or path.startswith((COMPLAIN + "/", SURVEY_PREFIX, STATUS_PREFIX))


def takes_uploads(path: str) -> bool:
    """The complaint form and a status page's message box (`POST /complain`, `POST /status/{token}`)."""
    return path == COMPLAIN or (path.startswith(STATUS_PREFIX) and "/" not in path[len(STATUS_PREFIX) :])
