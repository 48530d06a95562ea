"""HTTP models of the satisfaction survey a customer answers from the link we sent (no case internals)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.text import CleanInput


class SurveyForm(BaseModel):
    """What a web form needs to ask the question."""

    case_reference: str
    question: str
    answered: bool
    expired: bool


class SurveyAnswer(CleanInput):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy).")
    comment: str | None = Field(None, max_length=4000)


class SurveyThanks(BaseModel):
    case_reference: str
    score: int
    thanks: str
