"""What each channel can carry when we send a customer files: which types, how large, how many.

One table for case_service (which refuses a reply it knows cannot go, 422) and the channel services (which fail a
delivery with the same words if one gets through anyway). A file matches the first rule whose type prefix starts its
media type; a file matching none cannot go on that channel.

- email and web (answered by email): any type, MIME parts, 20 MiB in all;
- SMS: MMS through Twilio (a link Twilio fetches: INGEST_SMS_PUBLIC_URL must be set), JPEG, PNG and GIF, 5 MB in all;
- WhatsApp: JPEG and PNG images up to 5 MB, audio and MP4/3GPP video up to 16 MB, any other file as a document;
- Messenger: any type up to 25 MB; Instagram: images (8 MB), video and audio (25 MB);
- Telegram: any type as a document up to 50 MB;
- Zalo: JPEG and PNG images up to 1 MB, PDF and Word documents up to 5 MB;
- X, phone, API: no files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.events import Channel

MB = 1000 * 1000
MIB = 1024 * 1024
MAX_FILES = 10


@dataclass(frozen=True)
class Carriage:
    """`rules`: (type prefix, largest file) in order; `total`: largest sum, when the channel has one."""

    rules: tuple[tuple[str, int], ...] = ()
    total: int | None = None
    how: str = ""

    def rule_for(self, content_type: str) -> tuple[str, int] | None:
        return next((rule for rule in self.rules if content_type.startswith(rule[0])), None)


_EMAIL = Carriage(rules=(("", 20 * MIB),), total=20 * MIB, how="email")
_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CARRIAGE: dict[Channel, Carriage] = {
    Channel.EMAIL: _EMAIL,
    Channel.WEB: _EMAIL,
    Channel.SMS: Carriage(
        rules=(("image/jpeg", 5 * MB), ("image/png", 5 * MB), ("image/gif", 5 * MB)), total=5 * MB, how="MMS"
    ),
    Channel.WHATSAPP: Carriage(
        rules=(
            ("image/jpeg", 5 * MB),
            ("image/png", 5 * MB),
            ("audio/", 16 * MB),
            ("video/mp4", 16 * MB),
            ("video/3gpp", 16 * MB),
            ("", 100 * MB),
        ),
        how="WhatsApp",
    ),
    Channel.MESSENGER: Carriage(rules=(("", 25 * MB),), how="Messenger"),
    Channel.INSTAGRAM: Carriage(
        rules=(("image/jpeg", 8 * MB), ("image/png", 8 * MB), ("video/", 25 * MB), ("audio/", 25 * MB)),
        how="Instagram",
    ),
    Channel.TELEGRAM: Carriage(rules=(("", 50 * MB),), how="Telegram"),
    Channel.ZALO: Carriage(
        rules=(
            ("image/jpeg", 1 * MB),
            ("image/png", 1 * MB),
            ("application/pdf", 5 * MB),
            ("application/msword", 5 * MB),
            (_WORD, 5 * MB),
        ),
        how="Zalo",
    ),
}


@dataclass(frozen=True)
class File:
    filename: str | None
    content_type: str
    size: int


def cannot_carry(channel: Channel, files: Sequence[File]) -> str | None:
    """Why `files` cannot be sent on `channel` (naming the first file that cannot), or None when they can."""
    if not files:
        return None
    carriage = CARRIAGE.get(channel)
    if carriage is None or not carriage.rules:
        return f"the {channel.value} channel cannot carry files"
    if len(files) > MAX_FILES:
        return f"{carriage.how} carries at most {MAX_FILES} files in one reply"
    for file in files:
        name = file.filename or "a file"
        rule = carriage.rule_for(file.content_type)
        if rule is None:
            return f"{carriage.how} cannot carry {name} ({file.content_type})"
        if file.size > rule[1]:
            return f"{carriage.how} carries {file.content_type} files up to {rule[1]} bytes; {name} has {file.size}"
    if carriage.total is not None and sum(file.size for file in files) > carriage.total:
        return f"{carriage.how} carries at most {carriage.total} bytes of files in one message"
    return None
