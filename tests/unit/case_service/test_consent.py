"""What a customer's message says about hearing from us: opting out, and back in once out."""

from __future__ import annotations

import pytest

from case_service.consent import ConsentChange, consent_change, is_opt_in


@pytest.mark.parametrize("text", ["STOP", "Hủy đăng ký", "unsubscribe"])
def test_an_opt_out_counts_whether_or_not_the_customer_is_out_already(text: str) -> None:
    assert consent_change(text, opted_out=False) is ConsentChange.OPTED_OUT
    assert consent_change(text, opted_out=True) is ConsentChange.OPTED_OUT


@pytest.mark.parametrize("text", ["START", " start ", "Unstop", "Đăng ký lại"])
def test_an_opt_in_counts_only_for_a_customer_who_opted_out(text: str) -> None:
    assert is_opt_in(text)
    assert consent_change(text, opted_out=True) is ConsentChange.OPTED_IN
    assert consent_change(text, opted_out=False) is None


@pytest.mark.parametrize("text", ["Please stop sending me broken goods", "start over", "Tôi muốn dừng đơn hàng"])
def test_a_sentence_that_mentions_a_keyword_is_an_ordinary_message(text: str) -> None:
    assert consent_change(text, opted_out=True) is None
