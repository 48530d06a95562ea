"""The outbound consumer: replies a case asks for on a social channel are spooled for the sender, once per
`outbound_id` (the sender checks configuration and WhatsApp's window when it claims them)."""

from __future__ import annotations

from collections.abc import Callable

from ingest_social.delivery import SOCIAL_CHANNELS
from ingest_social.models import SocialMessage
from shared.events import OutboundMessageRequested
from shared.ingest.outbound import OutboundSpooler


class OutboundHandlers(OutboundSpooler[SocialMessage]):
    def __init__(self, *, wake_sender: Callable[[], None] = lambda: None) -> None:
        super().__init__(model=SocialMessage, channels=SOCIAL_CHANNELS, wake_sender=wake_sender)

    def message_for(self, data: OutboundMessageRequested) -> SocialMessage:
        return SocialMessage(
            channel=data.channel.value,
            recipient=data.to.address[:200],
            sender=(data.from_address or None) and data.from_address[:200],
            conversation_id=data.thread.conversation_id and data.thread.conversation_id[:200],
            body=data.text,
            attachments=[item.model_dump(mode="json") for item in data.attachments] or None,
        )
