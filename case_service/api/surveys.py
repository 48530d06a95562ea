"""The satisfaction survey from the customer's side: the token in the link is their authentication (32 random bytes,
so not guessable), which is why these routes sit outside the authenticated API."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import csat
from case_service.api.deps import Policy, Session, Tenant
from case_service.models import Case, Survey
from case_service.schemas.surveys import SurveyAnswer, SurveyForm, SurveyThanks
from shared.problems import PROBLEM_JSON, Problem
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

router = APIRouter(tags=["surveys"])

Token = Annotated[str, Path(min_length=16, max_length=64, description="The token from the survey link.")]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {}}}


_UNKNOWN = _problem("There is no survey at this link (survey-not-found).")


@router.get("/surveys/{token}", responses={404: _UNKNOWN})
async def survey_form(token: Token, session: Session) -> SurveyForm:
    """The question, for a web form; says whether it was answered already or has expired."""
    survey, case = await _survey(session, token)
    return SurveyForm(
        case_reference=case.reference,
        question=csat.question(reference=case.reference, language=case.language),
        answered=survey.answered_at is not None,
        expired=datetime.now(UTC) >= survey.expires_at,
    )


@router.post(
    "/surveys/{token}",
    responses={
        404: _UNKNOWN,
        409: _problem("The survey was answered already (survey-already-answered)."),
        410: _problem("The survey's validity has passed (survey-expired)."),
    },
)
async def answer_survey(
    token: Token, body: SurveyAnswer, session: Session, policy: Policy, tenant: Tenant, request: Request
) -> SurveyThanks:
    """Record the customer's score (1-5) and comment on the case; a low score puts the case back in the agents'
    hands. Answering twice is 409 survey-already-answered, after the survey's validity 410 survey-expired."""
    comment = (body.comment or "").strip() or None
    try:
        async with session.begin():
            survey, case = await _survey(session, token)
            await csat.record_answer(
                session,
                survey=survey,
                score=body.score,
                comment=comment,
                via=csat.WEB,
                now=datetime.now(UTC),
                policy=policy,
                cause=None,
                tenant=tenant,
            )
    except csat.SurveyAlreadyAnswered as error:
        raise Problem(409, error.kind, "Survey already answered", "This survey has been answered already.") from error
    except csat.SurveyExpired as error:
        raise Problem(410, error.kind, "Survey expired", "This survey can no longer be answered.") from error
    cast(ServiceRuntime, request.app.state.runtime).relay.wake()
    log.info("survey of case %s answered on the web", case.id)
    return SurveyThanks(case_reference=case.reference, score=body.score, thanks=csat.thanks(language=case.language))


async def _survey(session: AsyncSession, token: str) -> tuple[Survey, Case]:
    survey = await session.get(Survey, token)
    case = await session.get(Case, survey.case_id) if survey is not None else None
    if survey is None or case is None:
        raise Problem(404, "survey-not-found", "Survey not found", "There is no survey at this link.")
    return survey, case
