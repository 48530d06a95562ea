"""Classification on arrival: category, priority and markers from Vietnamese (with or without accents) and English
keyword rules, with the evidence an agent sees, and rules a deployment configures."""

from __future__ import annotations

import pytest

from case_service.classify import DEFAULT_CATEGORIES, DEFAULT_RULES, classify, rules_with
from case_service.folding import fold
from shared.events import Priority


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Đơn hàng giao chậm quá, đã 5 ngày rồi", "delivery_delay"),
        ("don hang giao cham qua, da 5 ngay roi", "delivery_delay"),
        ("Tôi vẫn chưa nhận được hàng", "delivery_delay"),
        ("Where is my order? It was due last week and is still not delivered.", "delivery_delay"),
        ("Mở hộp ra thì hàng bị vỡ", "damaged_goods"),
        ("mo hop ra thi hang bi vo", "damaged_goods"),
        ("The vase arrived broken and the box was crushed", "damaged_goods"),
        ("Áo kém chất lượng, không giống hình trên web", "product_quality"),
        ("This is a fake, counterfeit product and it is faulty", "product_quality"),
        ("Tôi bị trừ tiền hai lần, muốn hoàn tiền", "billing_refund"),
        ("toi bi tru tien hai lan, muon hoan tien", "billing_refund"),
        ("I was charged twice and want my money back", "billing_refund"),
        ("nhân viên thái độ lồi lõm", "staff_attitude"),
        ("nhan vien thai do loi lom", "staff_attitude"),
        ("The cashier was rude and disrespectful", "staff_attitude"),
        ("Không đăng nhập được, quên mật khẩu", "technical"),
        ("khong dang nhap duoc, quen mat khau", "technical"),
        ("I can't log in, the password reset shows an error message", "technical"),
    ],
)
def test_category_from_vietnamese_and_english_keywords(text: str, category: str) -> None:
    assert classify(subject=None, text=text).category == category


def test_accents_case_and_punctuation_do_not_matter() -> None:
    variants = ["Đơn hàng GIAO CHẬM!!!", "don hang giao cham", "Đơn hàng giao-chậm...", "ĐƠN HÀNG GIAO CHẬM"]
    assert {classify(subject=None, text=text).category for text in variants} == {"delivery_delay"}


def test_subject_counts_too() -> None:
    result = classify(subject="Hàng bị vỡ", text="Xem ảnh đính kèm")
    assert result.category == "damaged_goods"
    assert result.evidence["category"] == ("hàng bị vỡ",)


def test_nothing_recognised_falls_back_to_other_with_normal_priority() -> None:
    result = classify(subject="Hello", text="Tôi cần gặp quản lý để hỏi về chương trình khuyến mãi")
    assert result.category == "other"
    assert result.priority is Priority.NORMAL
    assert result.markers == ()
    assert result.evidence == {}


def test_keywords_match_whole_words_only() -> None:
    assert classify(subject=None, text="I love chocolate and the apple pie").category == "other"
    assert classify(subject=None, text="the appliance is fine").category == "other"


def test_most_distinct_keywords_win() -> None:
    text = "Giao chậm một chút cũng được, nhưng hàng bị vỡ, móp méo và trầy xước"
    result = classify(subject=None, text=text)
    assert result.category == "damaged_goods"
    assert set(result.evidence["category"]) == {"hàng bị vỡ", "móp méo", "trầy xước"}


def test_repeating_one_keyword_counts_once() -> None:
    text = "refund refund refund refund, and it arrived broken and dented"
    assert classify(subject=None, text=text).category == "damaged_goods"


def test_a_tie_goes_to_the_earlier_category_of_the_taxonomy() -> None:
    text = "giao chậm và bị vỡ"  # one delivery keyword, one damage keyword
    assert classify(subject=None, text=text).category == "delivery_delay"
    reordered = rules_with(categories=["damaged_goods", "delivery_delay", "other"])
    assert classify(subject=None, text=text, rules=reordered).category == "damaged_goods"


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("Khẩn cấp! Bị trừ tiền hai lần", Priority.URGENT),
        ("khan cap! bi tru tien hai lan", Priority.URGENT),
        ("Hoàn tiền cho tôi ngay lập tức", Priority.URGENT),
        ("Please refund me ASAP", Priority.URGENT),
        ("Child injured by the broken toy", Priority.URGENT),
        ("Đây là lần thứ hai tôi phản ánh mà vẫn chưa giao", Priority.HIGH),
        ("Second time I write about this late delivery", Priority.HIGH),
        ("Góp ý nhỏ về ứng dụng, không cần gấp", Priority.LOW),
        ("Just a suggestion, no rush: the app colours are hard to read", Priority.LOW),
        ("Đơn hàng giao chậm", Priority.NORMAL),
    ],
)
def test_priority_from_keywords(text: str, priority: Priority) -> None:
    assert classify(subject=None, text=text).priority is priority


def test_highest_matching_priority_wins() -> None:
    result = classify(subject=None, text="Góp ý thôi nhưng mà khẩn cấp")
    assert result.priority is Priority.URGENT
    assert result.evidence["priority"] == ("khẩn cấp",)


def test_a_longer_keyword_hides_the_shorter_one_inside_it() -> None:
    result = classify(subject=None, text="This is not urgent, the login page is slow")
    assert result.priority is Priority.LOW
    assert "urgent" not in result.markers
    assert result.evidence["priority"] == ("not urgent",)


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Tôi rất bực mình, hàng bị vỡ", "angry"),
        ("toi rat buc minh, hang bi vo", "angry"),
        ("This is unacceptable, the worst service ever", "angry"),
        ("Tôi sẽ khởi kiện nếu không hoàn tiền", "legal_threat"),
        ("toi se khoi kien neu khong hoan tien", "legal_threat"),
        ("My lawyer will contact you about the refund", "legal_threat"),
        ("Tôi là khách VIP, thành viên kim cương", "vip"),
        ("Tôi sẽ không bao giờ mua ở đây nữa", "churn_risk"),
        ("Please cancel my account, I will switch to another shop", "churn_risk"),
        ("Gấp lắm, xử lý giúp tôi", "urgent"),
    ],
)
def test_markers(text: str, marker: str) -> None:
    result = classify(subject=None, text=text)
    assert marker in result.markers
    assert result.evidence[f"marker:{marker}"]


@pytest.mark.parametrize("text", ["Hàng bị vỡ, tôi rất bực mình", "Hàng bị vỡ, tôi sẽ khởi kiện", "Góp ý: thật tồi tệ"])
def test_anger_or_a_legal_threat_raises_normal_and_low_to_high(text: str) -> None:
    result = classify(subject=None, text=text)
    assert result.priority is Priority.HIGH
    assert result.evidence["priority"]


def test_an_urgent_marker_raises_to_at_least_high_but_never_lowers() -> None:
    assert classify(subject=None, text="Gấp lắm nhé, đơn giao chậm").priority is Priority.HIGH
    assert classify(subject=None, text="Khẩn cấp, bực mình quá").priority is Priority.URGENT


def test_markers_follow_the_order_of_the_rules() -> None:
    text = "Unacceptable! My lawyer says I should sue. Cancel my account. Urgent."
    assert classify(subject=None, text=text).markers == ("angry", "urgent", "legal_threat", "churn_risk")


def test_default_rules_cover_every_default_category_richly() -> None:
    assert DEFAULT_RULES.categories == DEFAULT_CATEGORIES
    assert DEFAULT_RULES.fallback_category == "other"
    for category in DEFAULT_CATEGORIES[:-1]:
        keywords = DEFAULT_RULES.category_keywords[category]
        assert 8 <= len(keywords) <= 25, category
        assert len({fold(word) for word in keywords}) == len(keywords), f"{category} repeats a keyword"
        assert any(word != fold(word) for word in keywords), f"{category} has no Vietnamese keyword"
    assert set(DEFAULT_RULES.priority_keywords) == {Priority.URGENT, Priority.HIGH, Priority.LOW}
    assert {"angry", "urgent", "legal_threat", "vip", "churn_risk"} <= set(DEFAULT_RULES.marker_keywords)


def test_configured_taxonomy_and_keywords() -> None:
    rules = rules_with(
        categories=["warranty", "delivery_delay", "misc"],
        category_keywords={"warranty": ["bảo hành", "warranty"]},
        priority_keywords={"urgent": ["cháy"]},
        marker_keywords={"vip": ["khách quen"]},
    )
    assert rules.categories == ("warranty", "delivery_delay", "misc")
    assert rules.fallback_category == "misc"  # no "other": the last category
    assert "damaged_goods" not in rules.category_keywords
    assert rules.category_keywords["delivery_delay"] == DEFAULT_RULES.category_keywords["delivery_delay"]

    result = classify(subject=None, text="Khách quen đây: máy hết bao hanh rồi mà bị cháy", rules=rules)
    assert result.category == "warranty"
    assert result.priority is Priority.URGENT
    assert result.markers == ("vip",)
    assert classify(subject=None, text="hàng bị vỡ", rules=rules).category == "misc"


def test_configured_keywords_replace_only_what_they_name() -> None:
    rules = rules_with(category_keywords={"technical": []}, priority_keywords={"low": ["không vội"]})
    assert classify(subject=None, text="Không đăng nhập được", rules=rules).category == "other"
    assert classify(subject=None, text="không vội đâu", rules=rules).priority is Priority.LOW
    assert classify(subject=None, text="not urgent at all", rules=rules).priority is Priority.URGENT
    assert rules.priority_keywords[Priority.HIGH] == DEFAULT_RULES.priority_keywords[Priority.HIGH]


def test_nothing_configured_is_the_default() -> None:
    assert rules_with() == DEFAULT_RULES


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"category_keywords": {"warranty": ["bảo hành"]}}, "not in the taxonomy"),
        ({"priority_keywords": {"critical": ["cháy"]}}, "priority 'critical'"),
        ({"categories": []}, "at least one category"),
        ({"categories": ["a", "b", "a"]}, "listed twice"),
        ({"categories": ["a", " "]}, "empty"),
        ({"category_keywords": {"technical": ["!!!"]}}, "no letters"),
        ({"marker_keywords": {"angry": "grr"}}, "must be a list"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules_with(**kwargs)  # type: ignore[arg-type]
