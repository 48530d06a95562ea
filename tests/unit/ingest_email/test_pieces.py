"""Message-ID tokenizing, VISCII, quote stripping, and the composed outbound mail, header by header."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.policy import default

from ingest_email import viscii
from ingest_email.charsets import decode_bytes
from ingest_email.compose import compose
from ingest_email.headers import decode_words
from ingest_email.models import SentEmail
from ingest_email.msgids import first_id, message_ids
from ingest_email.quotes import strip_reply


def test_references_are_tokenized_through_comments_commas_folding_and_missing_brackets() -> None:
    value = "<a@x.vn> (comment <no@no>)\r\n\t<b@y.vn>,<c@z.vn> <a@x.vn>"
    assert message_ids(value) == ("<a@x.vn>", "<b@y.vn>", "<c@z.vn>")
    assert message_ids("bare@host.vn other@host.vn") == ("<bare@host.vn>", "<other@host.vn>")
    assert first_id("  < spaced@host >  ") == "<spaced@host>"
    assert message_ids("") == () and first_id(None) is None


def test_viscii_decodes_every_vietnamese_letter_and_round_trips() -> None:
    viscii.register()
    table = viscii.DECODING_TABLE
    letters = set(table[0x80:]) | {table[byte] for byte in (0x02, 0x05, 0x06, 0x14, 0x19, 0x1E)}
    assert len(letters) == 134
    text = "Người Việt dùng chữ Quốc ngữ: Ỵ ỵ Ỹ ỹ Ỷ ỷ"
    assert text.encode("viscii").decode("viscii") == text
    assert decode_bytes(text.encode("viscii"), "VISCII").text == text


def test_encoded_words_split_inside_a_character_and_broken_base64_decode() -> None:
    import base64

    word = "Khiếu nại".encode()
    first, second = word[:5], word[5:]
    value = f"=?utf-8?B?{base64.b64encode(first).decode()}?= =?utf-8?B?{base64.b64encode(second).decode()}?="
    assert decode_words(value) == "Khiếu nại"
    assert decode_words("=?utf-8?B?@@@?= ok").endswith(" ok")


def test_quoted_history_and_signatures_are_cut() -> None:
    gmail = "Vẫn chưa nhận.\n\nVào Th 2, 24 thg 11, 2026 lúc 09:00 Support <support@example.com> đã viết:\n> old"
    outlook = "Đã gửi ảnh.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: x\n\nold"
    signature = "Cảm ơn.\n-- \nAn Nguyen\n0912 345 678"
    forward = "---------- Forwarded message ---------\nFrom: x@y\n\ntext"
    assert strip_reply(gmail) == "Vẫn chưa nhận."
    assert strip_reply(outlook) == "Đã gửi ảnh."
    assert strip_reply(signature) == "Cảm ơn."
    assert strip_reply(forward) == forward


def _sent(purpose: str) -> SentEmail:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    return SentEmail(
        outbound_id="0b5e7c7a-4f0e-4d8e-9a53-2f6a1c3b9d10",
        case_id="case-1",
        channel="email",
        purpose=purpose,
        to_address="an.nguyen@khach.vn",
        from_address="support@example.com",
        subject="Re: Hàng bị vỡ [#C-2026-000123]",
        body="Xin chào,\n\nChúng tôi đã nhận được phản ánh <của bạn>.",
        language="vi",
        message_id="<0b5e7c7a-4f0e-4d8e-9a53-2f6a1c3b9d10@example.com>",
        in_reply_to="<first@khach.vn>",
        references="<first@khach.vn>",
        status="pending",
        attempts=0,
        next_attempt_at=now,
        requested_at=now,
        updated_at=now,
    )


def test_an_acknowledgement_is_composed_header_by_header() -> None:
    mail = email.message_from_bytes(compose(_sent("acknowledgement")).as_bytes(), policy=default)
    assert mail["From"] == "support@example.com" and mail["To"] == "an.nguyen@khach.vn"
    assert mail["Subject"] == "Re: Hàng bị vỡ [#C-2026-000123]"
    assert mail["Message-ID"] == "<0b5e7c7a-4f0e-4d8e-9a53-2f6a1c3b9d10@example.com>"
    assert (mail["In-Reply-To"], mail["References"]) == ("<first@khach.vn>", "<first@khach.vn>")
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["Content-Language"] == "vi"
    plain, html = mail.iter_parts()
    words = "Xin chào,\n\nChúng tôi đã nhận được phản ánh <của bạn>."
    assert plain.get_content().replace("\r\n", "\n").strip() == words
    assert "&lt;của bạn&gt;" in html.get_content()


def test_an_agents_reply_is_not_marked_automatic() -> None:
    mail = email.message_from_bytes(compose(_sent("reply")).as_bytes(), policy=default)
    assert mail["Auto-Submitted"] is None
