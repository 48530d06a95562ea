"""Customer satisfaction: the survey sent when a follow-up falls due, and the customer's answer (from the web link or
on the channel) recorded on the survey and the case; a low score puts the case back in the agents' hands."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import outbound, threads, timeline, wording
from case_service.domain import CaseStatus
from case_service.emit import emit
from case_service.lifecycle import CaseAction
from case_service.models import Case, Customer, FollowUp, Survey
from case_service.policy import CasePolicy
from case_service.transitions import change_status
from shared.cloudevents import CloudEvent
from shared.db import as_utc
from shared.events import CaseFollowUpDue, Channel, ComplaintMessageReceived, OutboundPurpose

WEB = "web"
CHANNEL = "channel"
DUE = "due"
MIN_SCORE, MAX_SCORE = 1, 5
FALLBACK_LANGUAGE = "en"

# How the templates greet a customer whose name we do not know.
_NAMELESS = {"vi": "quý khách", "en": "there"}
QUESTIONS = {
    "vi": (
        "Bạn hài lòng thế nào với cách chúng tôi hỗ trợ hồ sơ {reference}? (1 = rất không hài lòng, 5 = rất hài lòng)"
    ),
    "en": "How satisfied are you with our help on case {reference}? (1 = very unhappy, 5 = very happy)",
}
THANKS = {
    "vi": "Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp chúng tôi phục vụ tốt hơn.",
    "en": "Thank you for your answer. It helps us serve you better.",
}


# What agents read where a survey link was: the token in the link answers the survey, so it goes to the customer's
# channel only (outbound.messages.v1), never into the case's stored messages.
WITHHELD_LINK = "[survey link]"
# A survey or status link's token wherever a copy of it turns up (a customer's reply quoting our survey or our
# acknowledgement): at least 16 URL-safe characters after the route (the API's, or the customers' pages').
_LINK_TOKEN = re.compile(r"(/v1/surveys/|/survey/|/status/)[A-Za-z0-9_-]{16,}")


def without_survey_tokens(text: str) -> str:
    """`text` with every survey (and status) link's token replaced, so a quoted survey or acknowledgement is no
    credential for whoever reads it."""
    return _LINK_TOKEN.sub(
        lambda match: match[1] + ("[status link]" if match[1] == "/status/" else WITHHELD_LINK), text
    )


class SurveyClosed(Exception):
    """The survey takes no more answers; `kind` names why (survey-already-answered or survey-expired)."""

    kind = "survey-closed"


class SurveyAlreadyAnswered(SurveyClosed):
    kind = "survey-already-answered"


class SurveyExpired(SurveyClosed):
    kind = "survey-expired"


def may_answer(data: ComplaintMessageReceived) -> bool:
    """Whether the message may answer a survey by its text: not a mail whose sender failed authentication (anyone
    can forge a From; the link's token or a genuine sender answers)."""
    return threads.authentication_failure(data.metadata) is None


def language_of(wanted: str | None, wording_of: Mapping[str, str]) -> str:
    """The language to speak: the case's when there is wording for it, else English."""
    return wanted if wanted and wanted in wording_of else FALLBACK_LANGUAGE


def question(*, reference: str, language: str | None) -> str:
    return wording.render(QUESTIONS[language_of(language, QUESTIONS)], reference=reference)


def thanks(*, language: str | None) -> str:
    return THANKS[language_of(language, THANKS)]


async def record_answer(
    session: AsyncSession,
    *,
    survey: Survey,
    score: int,
    comment: str | None,
    via: str,
    now: datetime,
    policy: CasePolicy,
    cause: CloudEvent | None,
    tenant: str,
) -> None:
    """Store the score on the survey and the case; below `policy.csat_reopen_below` a resolved case reopens and a
    closed one (final) gets a follow-up task for its agent instead. Raises SurveyAlreadyAnswered or SurveyExpired."""
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise ValueError(f"a satisfaction score is {MIN_SCORE} to {MAX_SCORE}, got {score}")
    if survey.answered_at is not None:
        raise SurveyAlreadyAnswered(f"the survey of case {survey.case_id} is already answered")
    if as_utc(now) >= survey.expires_at:
        raise SurveyExpired(f"the survey of case {survey.case_id} expired at {survey.expires_at.isoformat()}")
    # Claimed by a conditional update: of two answers arriving together (web and channel) only one counts.
    claimed = await session.execute(
        update(Survey)
        .where(Survey.token == survey.token, Survey.answered_at.is_(None))
        .values(answered_at=now, score=score, comment=comment, answered_via=via)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(claimed, CursorResult)
    if claimed.rowcount != 1:
        raise SurveyAlreadyAnswered(f"the survey of case {survey.case_id} is already answered")
    survey.answered_at, survey.score, survey.comment, survey.answered_via = now, score, comment, via
    case = await session.get(Case, survey.case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise LookupError(f"case {survey.case_id} of a survey does not exist")
    case.csat_score = score
    case.csat_comment = comment
    case.updated_at = now
    actor = timeline.customer(survey.customer_id)
    timeline.record(
        session,
        case_id=case.id,
        kind="csat_recorded",
        actor=actor,
        at=now,
        detail={"score": score, "comment": comment, "via": via},
    )
    if score >= policy.csat_reopen_below:
        return
    reason = f"low satisfaction score {score}"
    if case.status == CaseStatus.RESOLVED.value:
        await change_status(
            session,
            case=case,
            action=CaseAction.REOPEN,
            actor=actor,
            policy=policy,
            now=now,
            reason=reason,
            detail={"score": score},
            cause=cause,
            tenant=tenant,
        )
    elif case.status == CaseStatus.CLOSED.value:
        await _follow_up_closed_case(session, case=case, reason=reason, now=now, cause=cause, tenant=tenant)


async def _follow_up_closed_case(
    session: AsyncSession, *, case: Case, reason: str, now: datetime, cause: CloudEvent | None, tenant: str
) -> None:
    """A closed case is final: its agent gets a task to call the unhappy customer back instead of a reopen."""
    follow_up = FollowUp(
        id=str(uuid.uuid4()),
        case_id=case.id,
        agent_id=case.assignee_agent_id,
        due_at=now,
        state=DUE,
        created_at=now,
        fired_at=now,
        note=f"{reason} on a closed case: contact the customer",
    )
    session.add(follow_up)
    await announce_due(
        session, case=case, follow_up=follow_up, now=now, cause=cause, tenant=tenant, reason=follow_up.note
    )


async def announce_due(
    session: AsyncSession,
    *,
    case: Case,
    follow_up: FollowUp,
    now: datetime,
    cause: CloudEvent | None,
    tenant: str,
    reason: str | None = None,
) -> None:
    """The follow-up's agent is told it is due (case.follow_up_due.v1) and the timeline says so (with `reason`)."""
    data = CaseFollowUpDue(
        case_id=case.id,
        case_reference=case.reference,
        follow_up_id=follow_up.id,
        agent_id=follow_up.agent_id,
        due_at=follow_up.due_at,
    )
    await emit(session, data, case_id=case.id, cause=cause, tenant=tenant)
    detail = {"follow_up_id": follow_up.id, "agent_id": follow_up.agent_id}
    if reason is not None:
        detail["reason"] = reason
    timeline.record(session, case_id=case.id, kind="follow_up_due", actor=timeline.SYSTEM, at=now, detail=detail)


async def send_survey(
    session: AsyncSession, *, case: Case, follow_up: FollowUp, now: datetime, policy: CasePolicy, tenant: str
) -> Survey | None:
    """Ask the customer for a 1-5 score on the case's channel, with a web link valid `policy.survey_validity`.

    Skipped (None, and the timeline says why) for an opted-out customer, a phone-note case (nobody to message) and
    a case with no address to write to.
    """
    customer = await session.get(Customer, case.customer_id)
    token = secrets.token_urlsafe(32)
    language = language_of(case.language or (customer.language if customer else None), policy.surveys)

    def text(survey_url: str) -> str:
        name = (customer.display_name if customer else None) or _NAMELESS.get(language, _NAMELESS["en"])
        return wording.render(
            policy.surveys[language], reference=case.reference, survey_url=survey_url, customer_name=name
        )

    sent = await outbound.send_automatic(
        session,
        case=case,
        purpose=OutboundPurpose.SURVEY,
        why_not=_why_not(case, customer),
        # The case keeps the message without the link's token (agents read it); only the channel gets the link.
        text=lambda: text(WITHHELD_LINK),
        delivered=lambda: text(policy.survey_url(token)),
        now=now,
        language=language,
        skipped="survey_skipped",
        detail={"follow_up_id": follow_up.id},
        tenant=tenant,
    )
    if sent is None:
        return None
    survey = Survey(
        token=token,
        case_id=case.id,
        customer_id=case.customer_id,
        channel=case.channel,
        follow_up_id=follow_up.id,
        sent_at=now,
        expires_at=now + policy.survey_validity,
    )
    session.add(survey)
    return survey


def _why_not(case: Case, customer: Customer | None) -> str | None:
    if customer is not None and customer.opted_out:
        return "the customer opted out of messages"
    if case.channel == Channel.PHONE.value:
        return "a phone note: there is no channel to send a survey on"
    return None
