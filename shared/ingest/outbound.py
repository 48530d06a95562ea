"""The outbound consumer of a channel service: a message a case asks for on one of the service's channels is
spooled for the sender once per `outbound_id` (a redelivered request spools nothing), or reported at once when the
service can tell it will not be sent."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic

from sqlalchemy.ext.asyncio import AsyncSession

from shared.cloudevents import CloudEvent
from shared.consumer import Handler
from shared.events import Channel, DeliveryStatus, OutboundMessageRequested
from shared.ingest import spool
from shared.ingest.spool import M

Refusal = tuple[DeliveryStatus, str]


class OutboundSpooler(ABC, Generic[M]):
    """Spools requests on `channels` into `model`; subclasses say what the row holds (`message_for`) and may refuse
    a message at once (`refusal`, reported through `report_refusal`)."""

    def __init__(
        self, *, model: type[M], channels: frozenset[Channel], wake_sender: Callable[[], None] = lambda: None
    ) -> None:
        self._model = model
        self._channels = channels
        self.wake_sender = wake_sender

    @abstractmethod
    def message_for(self, data: OutboundMessageRequested) -> M:
        """The spool row's own columns for the request (the spool's columns are filled in here)."""

    async def refusal(self, session: AsyncSession, data: OutboundMessageRequested, message: M) -> Refusal | None:
        """Why the message will not be sent (reported at once instead of spooled for sending), or None."""
        return None

    async def report_refusal(
        self, session: AsyncSession, event: CloudEvent, message: M, refusal: Refusal, *, now: datetime
    ) -> None:
        raise NotImplementedError("a spooler that refuses messages reports its refusals")

    def mapping(self) -> dict[str, Handler]:
        return {OutboundMessageRequested.event_type: self.on_outbound_requested}

    async def on_outbound_requested(
        self, session: AsyncSession, event: CloudEvent, data: OutboundMessageRequested
    ) -> None:
        """Spool the message for the sender, or report at once why it will not be sent. Other channels are not ours."""
        if data.channel not in self._channels:
            return
        if await spool.spooled(session, self._model, outbound_id=data.outbound_id) is not None:
            return  # a redelivered request: it was spooled (and maybe sent) already
        now = datetime.now(UTC)
        message = self.message_for(data)
        message.outbound_id = data.outbound_id
        message.case_id = data.case_id
        message.status = spool.PENDING
        message.attempts = 0
        message.next_attempt_at = message.requested_at = message.updated_at = now
        message.correlation_id = event.correlationid or event.id
        await spool.add(session, message=message)
        refusal = await self.refusal(session, data, message)
        if refusal is None:
            self.wake_sender()  # it may look before this commits; then it finds the message at its next poll
            return
        await self.report_refusal(session, event, message, refusal, now=now)
