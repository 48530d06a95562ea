"""What each channel carries when we send files, and the words a refusal is given in."""

from __future__ import annotations

import pytest

from shared.channel_media import File, cannot_carry
from shared.events import Channel

PDF = File("hoa-don.pdf", "application/pdf", 200_000)
PHOTO = File("anh.jpg", "image/jpeg", 300_000)


@pytest.mark.parametrize(
    ("channel", "files"),
    [
        (Channel.EMAIL, [PDF, PHOTO]),
        (Channel.WEB, [PDF]),
        (Channel.SMS, [PHOTO]),
        (Channel.WHATSAPP, [PDF, PHOTO, File("a.zip", "application/zip", 1_000)]),
        (Channel.MESSENGER, [PDF]),
        (Channel.INSTAGRAM, [PHOTO]),
        (Channel.TELEGRAM, [PDF, File("a.zip", "application/zip", 1_000)]),
        (Channel.ZALO, [PHOTO, PDF]),
        (Channel.X, []),
    ],
)
def test_what_each_channel_carries(channel: Channel, files: list[File]) -> None:
    assert cannot_carry(channel, files) is None


@pytest.mark.parametrize(
    ("channel", "files", "reason"),
    [
        (Channel.X, [PDF], "the x channel cannot carry files"),
        (Channel.PHONE, [PDF], "the phone channel cannot carry files"),
        (Channel.SMS, [PDF], "MMS cannot carry hoa-don.pdf (application/pdf)"),
        (Channel.SMS, [File("a.jpg", "image/jpeg", 3_000_000)] * 2, "MMS carries at most 5000000 bytes"),
        (Channel.INSTAGRAM, [PDF], "Instagram cannot carry hoa-don.pdf"),
        (Channel.ZALO, [File("anh.png", "image/png", 2_000_000)], "Zalo carries image/png files up to 1000000 bytes"),
        (Channel.ZALO, [File("a.zip", "application/zip", 10)], "Zalo cannot carry a.zip"),
        (Channel.TELEGRAM, [PDF] * 11, "at most 10 files"),
    ],
)
def test_what_a_channel_cannot_carry_is_said_in_words(channel: Channel, files: list[File], reason: str) -> None:
    said = cannot_carry(channel, files)
    assert said is not None and reason in said
