"""Folding: Vietnamese and English text compares alike whatever its accents, case and punctuation."""

from __future__ import annotations

import unicodedata

import pytest

from case_service.folding import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đơn hàng giao chậm quá", "don hang giao cham qua"),
        ("ĐƠN HÀNG GIAO CHẬM!!!", "don hang giao cham"),
        ("nhân viên thái độ lồi lõm", "nhan vien thai do loi lom"),
        ("Hủy đăng ký", "huy dang ky"),
        ("Crème brûlée, naïve café", "creme brulee naive cafe"),
        ("Straße", "strasse"),
        ("  many\t\nspaces   here ", "many spaces here"),
        ("e-mail: an.nguyen@example.com", "e mail an nguyen example com"),
        ("Tệ quá 😡😡", "te qua"),
        ("Order #12345 (late)", "order 12345 late"),
        ("", ""),
        ("?!...", ""),
    ],
)
def test_fold_drops_case_accents_and_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_decomposed_and_composed_text_fold_alike() -> None:
    composed = "Nguyễn Thị Hằng"
    assert fold(unicodedata.normalize("NFD", composed)) == fold(composed) == "nguyen thi hang"


def test_folding_is_idempotent() -> None:
    once = fold("Khiếu nại: hàng bị vỡ, ĐÃ chờ 3 ngày!")
    assert fold(once) == once == "khieu nai hang bi vo da cho 3 ngay"
