"""HTTP models of the follow-up tasks: the check-backs with customers after a resolution."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from shared.text import CleanInput


class FollowUpState(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUpOut(BaseModel):
    id: str
    case_id: str
    case_reference: str
    agent_id: str | None
    state: FollowUpState
    due_at: datetime
    created_at: datetime
    fired_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    note: str | None


class FollowUpList(BaseModel):
    items: list[FollowUpOut]


class FollowUpDoneIn(CleanInput):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)] | None = None
