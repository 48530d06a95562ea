"""Classifying a complaint on arrival: its category, priority and markers (angry, urgent, legal threat...) from keyword
rules in Vietnamese and English.

Keywords and the text are both folded (`case_service.folding.fold`): lower case, no diacritics, punctuation as spaces.
So `Đơn hàng giao chậm quá`, `don hang giao cham qua` and `ĐƠN HÀNG GIAO CHẬM!!!` read alike. A keyword matches on
word boundaries only (`late` is not found in `chocolate`), and a keyword found only inside a longer keyword of the same
kind that also matched there does not count: `not urgent` (low) hides the `urgent` within it, and `hàng bị vỡ`
counts once even though `bị vỡ` is a keyword too. Categories compete among themselves; priorities and markers
compete together, so `not urgent` also hides an `urgent` marker keyword.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from case_service.folding import fold
from shared.events import Priority

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "delivery_delay",
    "damaged_goods",
    "product_quality",
    "billing_refund",
    "staff_attitude",
    "technical",
    "other",
)

_PRIORITY_ORDER: tuple[Priority, ...] = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
# Markers that say the customer is upset enough that a normal or low complaint deserves attention sooner.
_RAISING_MARKERS: tuple[str, ...] = ("angry", "legal_threat")


@dataclass(frozen=True)
class ClassificationRules:
    categories: tuple[str, ...]
    category_keywords: Mapping[str, tuple[str, ...]]
    priority_keywords: Mapping[Priority, tuple[str, ...]]
    marker_keywords: Mapping[str, tuple[str, ...]]
    fallback_category: str = "other"


@dataclass(frozen=True)
class Classification:
    category: str
    priority: Priority
    markers: tuple[str, ...]
    # "category" / "priority" / "marker:<name>" -> the keywords (as configured) that decided it
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# Vietnamese keywords are written as people write them, with diacritics; folding covers the unaccented forms. Short
# Vietnamese words that fold onto common other words (gấp/gặp, vỡ/vợ, hỏng/hồng, hỗn/hơn) only appear within phrases.
_DEFAULT_CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "delivery_delay": (
        "giao chậm",
        "giao hàng chậm",
        "chậm giao",
        "giao trễ",
        "trễ hẹn",
        "giao muộn",
        "chưa giao",
        "chưa nhận được hàng",
        "chưa nhận được đơn",
        "chưa thấy hàng",
        "hàng chưa về",
        "hàng chưa tới",
        "đơn hàng chưa tới",
        "chờ hàng",
        "đợi hàng",
        "shipper không giao",
        "late delivery",
        "delivery delay",
        "delayed",
        "not delivered",
        "not arrived",
        "hasn't arrived",
        "still waiting for my order",
        "where is my order",
        "where is my package",
    ),
    "damaged_goods": (
        "hàng bị vỡ",
        "bị vỡ",
        "vỡ nát",
        "bị bể",
        "hàng bể",
        "bị móp",
        "móp méo",
        "bị hỏng",
        "hư hỏng",
        "bị hư",
        "bị rách",
        "bị trầy",
        "trầy xước",
        "bị ướt",
        "bị dập",
        "dập nát",
        "bao bì rách",
        "broken",
        "damaged",
        "cracked",
        "shattered",
        "smashed",
        "dented",
        "crushed",
        "arrived broken",
    ),
    "product_quality": (
        "chất lượng kém",
        "kém chất lượng",
        "chất lượng tệ",
        "hàng giả",
        "hàng nhái",
        "không giống hình",
        "không giống mô tả",
        "sai mẫu",
        "khác màu",
        "sai size",
        "hết hạn sử dụng",
        "hàng lỗi",
        "sản phẩm lỗi",
        "sản phẩm bị lỗi",
        "hàng bị lỗi",
        "nhanh hỏng",
        "poor quality",
        "low quality",
        "bad quality",
        "defective",
        "fake",
        "counterfeit",
        "expired",
        "not as described",
        "faulty",
    ),
    "billing_refund": (
        "hoàn tiền",
        "hoàn lại tiền",
        "trả lại tiền",
        "chưa hoàn tiền",
        "bị trừ tiền",
        "trừ tiền hai lần",
        "tính tiền sai",
        "tính sai tiền",
        "hóa đơn",
        "thanh toán",
        "chuyển khoản",
        "thu phí",
        "phí vận chuyển",
        "refund",
        "refunded",
        "money back",
        "overcharged",
        "charged twice",
        "double charged",
        "invoice",
        "billing",
        "payment",
        "chargeback",
    ),
    "staff_attitude": (
        "thái độ",
        "thái độ kém",
        "thái độ phục vụ",
        "lồi lõm",
        "hỗn láo",
        "vô lễ",
        "bất lịch sự",
        "thiếu lịch sự",
        "cáu gắt",
        "quát tháo",
        "quát khách",
        "chửi khách",
        "chửi bới",
        "thô lỗ",
        "coi thường khách",
        "không tôn trọng",
        "rude",
        "impolite",
        "disrespectful",
        "unprofessional",
        "yelled at",
        "shouted at",
        "attitude",
        "hung up on me",
        "arrogant",
    ),
    "technical": (
        "không đăng nhập được",
        "đăng nhập",
        "lỗi ứng dụng",
        "app bị lỗi",
        "ứng dụng bị lỗi",
        "web bị lỗi",
        "không vào được",
        "trang web",
        "mật khẩu",
        "lỗi hệ thống",
        "bị treo",
        "bị văng",
        "mã otp",
        "otp",
        "login",
        "log in",
        "password",
        "crash",
        "crashes",
        "crashed",
        "error message",
        "bug",
        "website down",
        "app",
    ),
}

_DEFAULT_PRIORITY_KEYWORDS: dict[Priority, tuple[str, ...]] = {
    Priority.URGENT: (
        "khẩn cấp",
        "cực kỳ gấp",
        "ngay lập tức",
        "càng sớm càng tốt",
        "cấp cứu",
        "nguy hiểm",
        "cháy nổ",
        "bị thương",
        "ngộ độc",
        "urgent",
        "asap",
        "as soon as possible",
        "emergency",
        "immediately",
        "right now",
        "dangerous",
        "injured",
        "food poisoning",
    ),
    Priority.HIGH: (
        "rất gấp",
        "gấp lắm",
        "xử lý gấp",
        "giải quyết gấp",
        "gấp rút",
        "quan trọng",
        "lần thứ hai",
        "lần thứ ba",
        "nhiều lần",
        "vẫn chưa",
        "important",
        "high priority",
        "second time",
        "third time",
        "again and again",
        "still not",
    ),
    Priority.LOW: (
        "góp ý",
        "đề xuất",
        "không cần gấp",
        "không gấp lắm",
        "khi nào rảnh",
        "không khẩn cấp",
        "just a suggestion",
        "suggestion",
        "feedback",
        "not urgent",
        "no rush",
        "when you have time",
        "low priority",
    ),
}

_DEFAULT_MARKER_KEYWORDS: dict[str, tuple[str, ...]] = {
    "angry": (
        "bực mình",
        "bực bội",
        "tức giận",
        "bức xúc",
        "phát điên",
        "quá tệ",
        "tệ hại",
        "tồi tệ",
        "thất vọng",
        "quá đáng",
        "không chấp nhận được",
        "lừa đảo",
        "angry",
        "furious",
        "unacceptable",
        "terrible",
        "worst",
        "disgusting",
        "ridiculous",
        "scam",
        "fed up",
        "outraged",
    ),
    "urgent": (
        "khẩn cấp",
        "rất gấp",
        "gấp lắm",
        "ngay lập tức",
        "urgent",
        "urgently",
        "asap",
        "immediately",
        "hurry",
    ),
    "legal_threat": (
        "khởi kiện",
        "kiện ra tòa",
        "đi kiện",
        "sẽ kiện",
        "luật sư",
        "báo công an",
        "cơ quan chức năng",
        "bảo vệ người tiêu dùng",
        "lawyer",
        "attorney",
        "sue",
        "lawsuit",
        "legal action",
        "court",
        "consumer protection",
    ),
    "vip": (
        "khách vip",
        "vip",
        "thành viên kim cương",
        "khách hàng thân thiết",
        "premium member",
        "gold member",
        "platinum member",
    ),
    "churn_risk": (
        "hủy tài khoản",
        "không bao giờ mua",
        "không mua nữa",
        "chuyển sang bên khác",
        "tẩy chay",
        "cancel my account",
        "close my account",
        "never buy",
        "never again",
        "switch to another",
        "boycott",
    ),
}

DEFAULT_RULES = ClassificationRules(
    categories=DEFAULT_CATEGORIES,
    category_keywords=_DEFAULT_CATEGORY_KEYWORDS,
    priority_keywords=_DEFAULT_PRIORITY_KEYWORDS,
    marker_keywords=_DEFAULT_MARKER_KEYWORDS,
)


def rules_with(
    *,
    categories: Sequence[str] | None = None,
    category_keywords: Mapping[str, Sequence[str]] | None = None,
    priority_keywords: Mapping[str, Sequence[str]] | None = None,
    marker_keywords: Mapping[str, Sequence[str]] | None = None,
) -> ClassificationRules:
    """The default rules with the configured parts replaced (None keeps a default).

    `categories` replaces the taxonomy (default keywords of categories no longer in it are dropped). The keyword
    mappings replace the keywords of the categories, priorities or markers they name and keep the others' defaults
    (an empty list removes a default). The fallback category is `other` when the taxonomy has it, else its last one.
    Raises ValueError when a category or priority is unknown or a keyword is empty.
    """
    taxonomy = DEFAULT_CATEGORIES if categories is None else _checked_categories(categories)

    by_category = {name: words for name, words in _DEFAULT_CATEGORY_KEYWORDS.items() if name in taxonomy}
    for name, words in (category_keywords or {}).items():
        if name not in taxonomy:
            raise ValueError(f"keywords given for category {name!r}, which is not in the taxonomy {list(taxonomy)}")
        by_category[name] = _checked_keywords(f"category {name!r}", words)

    by_priority = dict(_DEFAULT_PRIORITY_KEYWORDS)
    for name, words in (priority_keywords or {}).items():
        try:
            priority = Priority(name)
        except ValueError:
            raise ValueError(
                f"keywords given for priority {name!r}; priorities are {[p.value for p in Priority]}"
            ) from None
        by_priority[priority] = _checked_keywords(f"priority {name!r}", words)

    by_marker = dict(_DEFAULT_MARKER_KEYWORDS)
    for name, words in (marker_keywords or {}).items():
        if not name.strip():
            raise ValueError("a marker needs a name")
        by_marker[name] = _checked_keywords(f"marker {name!r}", words)

    return ClassificationRules(
        categories=taxonomy,
        category_keywords=by_category,
        priority_keywords=by_priority,
        marker_keywords=by_marker,
        fallback_category="other" if "other" in taxonomy else taxonomy[-1],
    )


def classify(*, subject: str | None, text: str, rules: ClassificationRules = DEFAULT_RULES) -> Classification:
    """Category, priority and markers of a complaint, with the keywords behind each.

    - Category: the one with the most distinct keywords found (ties go to the earlier category in the taxonomy);
      none found: the fallback category.
    - Priority: the highest priority with a keyword found, else normal. Then an `angry` or `legal_threat` marker
      raises low or normal to high, and an `urgent` marker raises anything below high to high.
    - Markers: every marker with a keyword found, in the order the rules list them.
    """
    folded = fold(f"{subject or ''} {text}")
    evidence: dict[str, tuple[str, ...]] = {}

    category_hits = _hits(folded, [(name, rules.category_keywords.get(name, ())) for name in rules.categories])
    category = rules.fallback_category
    best = 0
    for name in rules.categories:
        if len(category_hits.get(name, ())) > best:
            category, best = name, len(category_hits[name])
    if best:
        evidence["category"] = category_hits[category]

    urgency_groups: list[tuple[str, Iterable[str]]] = [
        (f"priority:{priority.value}", words) for priority, words in rules.priority_keywords.items()
    ]
    urgency_groups += [(f"marker:{name}", words) for name, words in rules.marker_keywords.items()]
    urgency_hits = _hits(folded, urgency_groups)

    markers = tuple(name for name in rules.marker_keywords if f"marker:{name}" in urgency_hits)
    for name in markers:
        evidence[f"marker:{name}"] = urgency_hits[f"marker:{name}"]

    priority = Priority.NORMAL
    for candidate in reversed(_PRIORITY_ORDER):
        if f"priority:{candidate.value}" in urgency_hits:
            priority = candidate
            evidence["priority"] = urgency_hits[f"priority:{candidate.value}"]
            break
    raising = [name for name in (*_RAISING_MARKERS, "urgent") if name in markers]
    if raising and _rank(priority) < _rank(Priority.HIGH):
        priority = Priority.HIGH
        evidence["priority"] = tuple(word for name in raising for word in urgency_hits[f"marker:{name}"])
    return Classification(category=category, priority=priority, markers=markers, evidence=evidence)


_folded = lru_cache(maxsize=8192)(fold)  # keywords fold the same every time


def _rank(priority: Priority) -> int:
    return _PRIORITY_ORDER.index(priority)


def _hits(folded_text: str, groups: Sequence[tuple[str, Iterable[str]]]) -> dict[str, tuple[str, ...]]:
    """label -> the keywords (as configured, one per folded form) found in `folded_text`, in order of appearance.

    A keyword occurrence lying strictly inside a longer occurrence of another keyword of these groups is ignored.
    """
    haystack = f" {folded_text} "
    found: list[tuple[int, int, str, str]] = []  # start, end, label, keyword
    for label, words in groups:
        seen: set[str] = set()
        for word in words:
            needle = _folded(word)
            if not needle or needle in seen:
                continue
            seen.add(needle)
            start = haystack.find(f" {needle} ")
            while start != -1:
                found.append((start + 1, start + 1 + len(needle), label, word))
                start = haystack.find(f" {needle} ", start + 1)
    kept: dict[str, list[str]] = {}
    # Sorted by start, longest first: a match is inside a longer one when an earlier-starting match ends at or after
    # its end, or one starting at the same place ends later. Identical spans (the same words in two groups) both count.
    found.sort(key=lambda match: (match[0], -match[1]))
    reach_before = -1  # the furthest end of the matches starting before the current start
    group_start, group_end = -1, -1
    for start, end, label, word in found:
        if start != group_start:
            reach_before = max(reach_before, group_end)
            group_start, group_end = start, end
        if reach_before >= end or group_end > end:
            continue
        if word not in kept.setdefault(label, []):
            kept[label].append(word)
    return {label: tuple(words) for label, words in kept.items() if words}


def _checked_categories(categories: Sequence[str]) -> tuple[str, ...]:
    if isinstance(categories, str):
        raise ValueError("categories must be a list of names, not one string")
    names = tuple(name.strip() for name in categories)
    if not names:
        raise ValueError("the taxonomy needs at least one category")
    if any(not name for name in names):
        raise ValueError("a category name is empty")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"categories listed twice: {duplicates}")
    return names


def _checked_keywords(owner: str, words: Sequence[str]) -> tuple[str, ...]:
    if isinstance(words, str):
        raise ValueError(f"keywords of {owner} must be a list, not one string")
    for word in words:
        if not isinstance(word, str) or not fold(word):
            raise ValueError(f"keyword {word!r} of {owner} has no letters or digits")
    return tuple(words)
