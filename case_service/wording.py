"""What the service says to customers and how it reads their short answers: language, automated senders,
acknowledgement and survey templates, survey scores, and opt-outs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from case_service.folding import fold

# Combining marks only Vietnamese uses among the languages we meet: hook above (ả), dot below (ạ), horn (ơ, ư),
# and breve (ă). Acute, grave and tilde alone are shared with French, Spanish and Portuguese.
_VIETNAMESE_MARKS = frozenset({"\u0309", "\u0323", "\u031b", "\u0306"})
# Common Vietnamese words written without accents, none of them an English word.
_VIETNAMESE_WORDS = frozenset(
    {
        "khong",
        "toi",
        "duoc",
        "cua",
        "roi",
        "chua",
        "nhung",
        "nhe",
        "minh",
        "xin",
        "vui",
        "giup",
        "giao",
        "nhan",
        "tien",
        "ngay",
        "mua",
        "voi",
        "nua",
        "cham",
        "qua",
        "bi",
        "hoan",
        "cho",
        "lam",
        "nhieu",
        "dung",
        "sao",
        "vay",
        "oi",
    }
)


def detect_language(*, declared: str | None, text: str, subject: str | None) -> str:
    """`vi` or `en`: the declared language when it is one of them (`vi-VN`, `en_GB`...); else `vi` when the text has
    Vietnamese diacritics (or `đ`) or mostly reads as unaccented Vietnamese; else `en`."""
    if declared:
        code = declared.strip().lower()
        if code.startswith("vi"):
            return "vi"
        if code.startswith("en"):
            return "en"
    content = f"{subject or ''} {text}"
    if "đ" in content.lower():
        return "vi"
    if any(ch in _VIETNAMESE_MARKS for ch in unicodedata.normalize("NFD", content)):
        return "vi"
    words = fold(content).split()
    hits = [word for word in words if word in _VIETNAMESE_WORDS]
    # One word may be a name or a loanword: it takes two different Vietnamese words and a good share of the text.
    if len(set(hits)) >= 2 and len(hits) * 4 >= len(words):
        return "vi"
    return "en"


_AUTOMATED_LOCAL_PARTS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "no-reply",
        "noreply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
    }
)


def is_automated_sender(*, address: str, auto_submitted: bool) -> bool:
    """A robot (bounce, auto-reply, notification) that must not get an acknowledgement: an `Auto-Submitted` message,
    or an address such as mailer-daemon@, postmaster@, no-reply@, donotreply@ or bounce...@."""
    if auto_submitted:
        return True
    local = address.strip().strip("<>").strip().lower().rpartition("@")[0] or address.strip().lower()
    local = local.split("+", 1)[0]
    return local in _AUTOMATED_LOCAL_PARTS or local.startswith("bounce")


# Placeholders: {reference}, {customer_name} (the caller passes a polite fallback when it has no name), {subject}.
DEFAULT_ACKNOWLEDGEMENTS: Mapping[str, str] = {
    "vi": (
        "Xin chào {customer_name},\n\n"
        "Chúng tôi đã nhận được phản ánh của bạn ({subject}) và đã ghi nhận với mã hồ sơ {reference}. "
        "Nhân viên chăm sóc khách hàng sẽ liên hệ với bạn sớm nhất có thể. "
        "Khi trao đổi thêm, bạn vui lòng giữ mã {reference} để chúng tôi hỗ trợ nhanh hơn.\n\n"
        "Xin cảm ơn bạn đã kiên nhẫn."
    ),
    "en": (
        "Hello {customer_name},\n\n"
        "We have received your message ({subject}) and opened case {reference} for it. "
        "A member of our customer care team will get back to you as soon as possible. "
        "Please keep {reference} in any further messages so we can help you faster.\n\n"
        "Thank you for your patience."
    ),
}

# Placeholders: {reference}, {survey_url}, {customer_name}.
DEFAULT_SURVEYS: Mapping[str, str] = {
    "vi": (
        "Xin chào {customer_name}, hồ sơ {reference} của bạn đã được xử lý. "
        "Bạn hài lòng thế nào với cách chúng tôi hỗ trợ? Vui lòng trả lời tin nhắn này bằng một số từ 1 (rất không "
        "hài lòng) đến 5 (rất hài lòng), kèm góp ý nếu có, hoặc đánh giá tại {survey_url}. Xin cảm ơn!"
    ),
    "en": (
        "Hello {customer_name}, your case {reference} has been resolved. "
        "How satisfied are you with our help? Please reply with a number from 1 (very unhappy) to 5 (very happy), "
        "with a comment if you like, or answer at {survey_url}. Thank you!"
    ),
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def render(template: str, **values: str) -> str:
    """`template` with its `{name}` placeholders filled in; a placeholder without a value is left as it is."""
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template)


_OUT_OF_FIVE = r"(?:\s*(?:/|trên|tren|out\s+of)\s*5(?!\d))?"
_UNIT = r"(?:\s*(?:điểm|diem|sao|stars?|points?)\b)?"
# A number counting something ("5 days late", "2 lần") is not a score.
_QUANTITY = (
    r"(?!\s*(?:days?|ngày|ngay|hours?|hrs?|giờ|gio|tiếng|tieng|weeks?|tuần|tuan|months?|tháng|thang|minutes?|mins?"
    r"|phút|phut|times?|lần|lan|items?|món|mon|cái|cai|pieces?|orders?|đơn|don|boxes?|hộp|hop)\b)"
)
# The score leading the answer: "5", "4 - good", "3/5 slow delivery", "4 sao".
_LEADING_SCORE = re.compile(rf"^\s*([1-5])(?!\d)(?![.,]\d){_QUANTITY}{_OUT_OF_FIVE}{_UNIT}", re.IGNORECASE)
# A score inside a sentence, said to be one: "Tôi chấm 2 điểm vì...", "I'd give it 4/5", "rate 3".
_SCORE_IN_SENTENCE = re.compile(
    r"(?<![\d.,])([1-5])(?!\d)(?![.,]\d)(?:\s*(?:/|trên|tren|out\s+of)\s*5(?!\d)|\s*(?:điểm|diem|sao|stars?|points?)\b)"
    # `\s*(?::\s*)?`, not `\s*:?\s*`: two adjacent runs over the same spaces backtrack quadratically.
    r"|(?:chấm|cham|rate|rating|score|give\s+it|give\s+you)\s*(?::\s*)?([1-5])(?!\d)(?![.,]\d)",
    re.IGNORECASE,
)
_SEPARATORS = " \t\r\n-–—:;,.!)/|"
# A score is said near the start of an answer; the patterns read no further (the comment is the whole text).
MAX_SCORE_SCAN = 2_000


def parse_survey_answer(text: str) -> tuple[int, str | None] | None:
    """(score, comment) from a customer's answer to a survey, or None when it gives no score from 1 to 5.

    A leading score takes the rest as the comment (`4 - good` -> (4, "good")); a score said inside a sentence
    (`Tôi chấm 2 điểm vì giao chậm`) keeps the whole sentence as the comment.
    """
    value = unicodedata.normalize("NFC", text).strip()
    scanned = value[:MAX_SCORE_SCAN]
    leading = _LEADING_SCORE.match(scanned)
    if leading is not None:
        comment = value[leading.end() :].lstrip(_SEPARATORS).strip()
        return int(leading[1]), comment or None
    inside = _SCORE_IN_SENTENCE.search(scanned)
    if inside is not None:
        return int(inside[1] or inside[2]), value
    return None


# Compared with diacritics: unaccented `dung` may be đúng ("right"), dùng ("use") or dừng ("stop").
_OPT_OUT_ACCENTED = frozenset(
    {
        "dừng",
        "dừng lại",
        "ngừng",
        "ngưng",
        "ngừng nhận",
        "ngừng nhận tin",
        "hủy",
        "huỷ",
        "hủy đăng ký",
        "huỷ đăng ký",
        "hủy đăng kí",
        "huỷ đăng kí",
    }
)
# Compared folded: unambiguous whatever the accents (and the carriers' standard English keywords).
_OPT_OUT_FOLDED = frozenset(
    {
        "stop",
        "stopall",
        "stop all",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "opt out",
        "optout",
        "huy",
        "huy dang ky",
        "huy dang ki",
        "ngung nhan",
        "ngung nhan tin",
    }
)


def is_opt_out(text: str) -> bool:
    """The whole message asks to stop receiving messages: STOP, UNSUBSCRIBE, huỷ, hủy đăng ký, dừng, ngừng nhận..."""
    plain = " ".join(
        "".join(ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " " for ch in text)
        .casefold()
        .split()
    )
    return unicodedata.normalize("NFC", plain) in _OPT_OUT_ACCENTED or fold(text) in _OPT_OUT_FOLDED
