"""What the customer's status page shows of a case: its reference, status and the messages exchanged (never a note,
an agent's id, an address, or the survey, whose link is a page of its own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.acknowledge import WITHHELD_STATUS_LINK
from case_service.domain import CaseStatus
from case_service.downloads import FIELD as DOWNLOAD_FIELD
from case_service.downloads import DownloadLinks
from case_service.models import Case, Message, StatusLink
from case_service.outbound import INBOUND, OUTBOUND
from case_service.schemas.status import CaseStatusView, StatusAttachment, StatusMessage
from shared.db import as_utc
from shared.events import OutboundPurpose

MAX_MESSAGES = 200
# Not shown: a survey (answered on its own page), a message that was never sent.
_HIDDEN_PURPOSES = (OutboundPurpose.SURVEY.value,)
_UNSENT = ("skipped",)


async def view_of(
    session: AsyncSession, *, link: StatusLink, case: Case, links: DownloadLinks, now: datetime
) -> CaseStatusView:
    rows = await session.scalars(
        select(Message)
        .where(Message.case_id == case.id, Message.direction.in_((INBOUND, OUTBOUND)))
        .order_by(Message.received_at.desc(), Message.created_at.desc())
        .limit(MAX_MESSAGES * 2)
    )
    shown = sorted((message for message in rows if _shown(message)), key=_order, reverse=True)[:MAX_MESSAGES]
    return CaseStatusView(
        case_reference=case.reference,
        status=CaseStatus(case.status),
        subject=case.subject,
        language=case.language,
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        resolved_at=case.resolved_at,
        can_write=case.status != CaseStatus.CLOSED.value,
        link_expires_at=link.expires_at,
        messages=[
            _message(message, links.with_links(case.id, message.attachments or [], now=now))
            for message in reversed(shown)
        ],
    )


def _order(message: Message) -> tuple[datetime, int, datetime]:
    """In time; what the customer wrote before what we answered at the same instant (an acknowledgement)."""
    return (as_utc(message.received_at), 0 if message.direction == INBOUND else 1, as_utc(message.created_at))


def _shown(message: Message) -> bool:
    if message.direction == INBOUND:
        return True
    return message.purpose not in _HIDDEN_PURPOSES and message.delivery_status not in _UNSENT


def _message(message: Message, attachments: list[dict[str, Any]]) -> StatusMessage:
    return StatusMessage(
        id=message.id,
        author="customer" if message.direction == INBOUND else "us",
        channel=message.channel,
        text=message.text if message.direction == INBOUND else _without_withheld_link(message.text),
        at=_at(message),
        attachments=[
            StatusAttachment(
                filename=_text_or_none(item.get("filename")),
                content_type=_text_or_none(item.get("content_type")),
                size=item.get("size") if isinstance(item.get("size"), int) else None,
                download_url=_text_or_none(item.get(DOWNLOAD_FIELD)),
            )
            for item in attachments
            if isinstance(item, dict)
        ],
    )


def _without_withheld_link(text: str) -> str:
    """Our message without the paragraph that pointed at this page (the case keeps `[status link]` there)."""
    paragraphs = text.split("\n\n")
    kept = [paragraph for paragraph in paragraphs if WITHHELD_STATUS_LINK not in paragraph]
    return "\n\n".join(kept) if kept else text


def _at(message: Message) -> datetime:
    return message.received_at


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
