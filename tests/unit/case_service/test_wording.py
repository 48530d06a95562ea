"""What we say to customers and how we read their short answers: language, robots, templates, survey scores and
opt-outs."""

from __future__ import annotations

import pytest

from case_service.wording import (
    DEFAULT_ACKNOWLEDGEMENTS,
    DEFAULT_SURVEYS,
    detect_language,
    is_automated_sender,
    is_opt_out,
    parse_survey_answer,
    render,
)


@pytest.mark.parametrize(
    ("declared", "subject", "text", "language"),
    [
        ("vi", None, "Hello", "vi"),
        ("vi-VN", None, "Hello", "vi"),
        ("en", None, "Đơn hàng giao chậm", "en"),
        ("en_GB", None, "", "en"),
        (None, None, "Đơn hàng giao chậm quá", "vi"),
        (None, "Hàng bị vỡ", "see attachment", "vi"),
        (None, None, "don hang giao cham qua, toi chua nhan duoc", "vi"),
        (None, None, "shop oi, sao giao lau vay", "vi"),
        (None, None, "My order is late and nobody answers", "en"),
        (None, None, "Hello shop, what day will it ship?", "en"),
        (None, None, "Crème brûlée was cold, très décevant", "en"),
        ("fr", None, "Where is my order?", "en"),
        (None, None, "", "en"),
    ],
)
def test_detect_language(declared: str | None, subject: str | None, text: str, language: str) -> None:
    assert detect_language(declared=declared, text=text, subject=subject) == language


@pytest.mark.parametrize(
    ("address", "auto_submitted", "automated"),
    [
        ("an.nguyen@example.vn", True, True),
        ("MAILER-DAEMON@mx.example.com", False, True),
        ("postmaster@example.com", False, True),
        ("no-reply@shop.vn", False, True),
        ("noreply@shop.vn", False, True),
        ("donotreply@bank.vn", False, True),
        ("do-not-reply@bank.vn", False, True),
        ("bounces+12345@mailer.example.com", False, True),
        ("<bounce-abc@lists.example.com>", False, True),
        ("an.nguyen@example.vn", False, False),
        ("reply@example.vn", False, False),
        ("+84912345678", False, False),
    ],
)
def test_automated_senders(address: str, auto_submitted: bool, automated: bool) -> None:
    assert is_automated_sender(address=address, auto_submitted=auto_submitted) is automated


@pytest.mark.parametrize("language", ["vi", "en"])
def test_default_templates_carry_the_reference(language: str) -> None:
    acknowledgement = render(
        DEFAULT_ACKNOWLEDGEMENTS[language], reference="C-2026-000123", customer_name="Lan", subject="Hàng bị vỡ"
    )
    assert "C-2026-000123" in acknowledgement and "Lan" in acknowledgement and "Hàng bị vỡ" in acknowledgement
    assert "{" not in acknowledgement

    survey = render(
        DEFAULT_SURVEYS[language], reference="C-2026-000123", survey_url="https://x.test/s/abc", customer_name="Lan"
    )
    assert "C-2026-000123" in survey and "https://x.test/s/abc" in survey
    assert "1" in survey and "5" in survey
    assert "{" not in survey


def test_render_leaves_unknown_placeholders_alone() -> None:
    template = "Case {reference} for {customer_name} ({unknown}) {0} {{literal}} {not valid}"
    assert render(template, reference="C-2026-000001") == (
        "Case C-2026-000001 for {customer_name} ({unknown}) {0} {{literal}} {not valid}"
    )
    assert render("{reference}", reference="{customer_name}", customer_name="x") == "{customer_name}"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("5", (5, None)),
        (" 1 ", (1, None)),
        ("4 - good", (4, "good")),
        ("4 – nhân viên nhiệt tình", (4, "nhân viên nhiệt tình")),
        ("3/5 slow delivery", (3, "slow delivery")),
        ("2 / 5", (2, None)),
        ("5 sao", (5, None)),
        ("4 điểm, cảm ơn shop", (4, "cảm ơn shop")),
        ("3 out of 5: ok", (3, "ok")),
        ("5!", (5, None)),
        ("Tôi chấm 2 điểm vì giao chậm", (2, "Tôi chấm 2 điểm vì giao chậm")),
        ("toi cham 2 diem vi giao cham", (2, "toi cham 2 diem vi giao cham")),
        ("I'd give it 4/5, thanks", (4, "I'd give it 4/5, thanks")),
        ("Rating: 1. Terrible.", (1, "Rating: 1. Terrible.")),
        ("4 good service", (4, "good service")),
    ],
)
def test_survey_answers(text: str, answer: tuple[int, str | None]) -> None:
    assert parse_survey_answer(text) == answer


@pytest.mark.parametrize(
    "text",
    [
        "",
        "thanks!",
        "0",
        "6",
        "10",
        "10/10",
        "12 - great",
        "4.5",
        "Order 12345 still late",
        "rất tốt",
        "2.5 stars",
        "5 days late and nobody called",
        "3 lần gọi không ai nghe",
        "2 ngày rồi vẫn chưa giao",
    ],
)
def test_answers_without_a_score_from_1_to_5(text: str) -> None:
    assert parse_survey_answer(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop.",
        "UNSUBSCRIBE",
        "STOPALL",
        "huỷ",
        "Hủy",
        "hủy đăng ký",
        "HUỶ ĐĂNG KÍ",
        "huy dang ky",
        "dừng",
        "Dừng lại!",
        "ngừng nhận",
        "ngung nhan tin",
    ],
)
def test_opt_out(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "Please stop sending me the wrong size",
        "Đúng",  # "right": folds like dừng, but is an answer, not an opt-out
        "dung",
        "dùng",
        "tôi muốn hủy đơn hàng",
        "stop it now I want a refund",
        "",
    ],
)
def test_not_an_opt_out(text: str) -> None:
    assert not is_opt_out(text)
