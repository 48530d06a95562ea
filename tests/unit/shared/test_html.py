"""The one HTML policy: what a reader's browser may still do with a customer's HTML is show it, nothing more."""

from __future__ import annotations

import pytest

from shared.html import LINK_REL, sanitize_html


def test_scripts_styles_and_event_handlers_are_gone_and_the_words_stay() -> None:
    safe = sanitize_html(
        '<p onclick="steal()">Đơn hàng <b>bị trễ</b></p><script>alert(1)</script><style>p{}</style>'
        '<img src="cid:logo@shop" onerror="alert(2)"><svg onload="alert(3)"><a href="x">y</a></svg>'
        '<iframe src="https://evil.example/"></iframe><form action="https://evil.example/"><input></form>'
    ).html
    for gone in ("script", "alert", "style", "onclick", "onerror", "onload", "iframe", "form", "input", "svg"):
        assert gone not in safe
    assert "<p>Đơn hàng <b>bị trễ</b></p>" in safe


def test_no_id_class_or_style_attributes_survive() -> None:
    safe = sanitize_html(
        '<div id="divRplyFwdMsg" class="gmail_quote" style="position:fixed;inset:0">'
        '<span class="x" style="background:url(https://t.example/p.gif)">hi</span>'
        '<table style="x" class="y"><tr><td id="z" colspan="2">cell</td></tr></table></div>'
    ).html
    assert " id=" not in safe and " class=" not in safe and " style=" not in safe and "t.example" not in safe
    assert 'colspan="2"' in safe and "hi" in safe and "cell" in safe


@pytest.mark.parametrize(
    "remote",
    [
        "https://t.example/open.gif?u=42",
        "http://t.example/open.gif",
        "//t.example/open.gif",
        "/open.gif",
        "open.gif",
        "HTTPS://T.EXAMPLE/OPEN.GIF",
    ],
)
def test_a_remote_image_is_blocked_and_counted_its_alt_text_kept(remote: str) -> None:
    safe = sanitize_html(f'<p>Hi<img src="{remote}" alt="Shop logo" width="1" height="1"></p>')
    assert "t.example" not in safe.html.lower() and "open.gif" not in safe.html.lower()
    assert 'alt="Shop logo"' in safe.html
    assert safe.remote_images_blocked == 1


def test_inline_images_from_the_message_itself_stay() -> None:
    safe = sanitize_html('<img src="cid:photo1@khach.vn" alt="photo"><img src="CID:two@khach.vn">')
    assert 'src="cid:photo1@khach.vn"' in safe.html and 'src="CID:two@khach.vn"' in safe.html
    assert safe.remote_images_blocked == 0


def test_data_and_script_image_sources_never_load() -> None:
    safe = sanitize_html('<img src="data:image/svg+xml;base64,PHN2Zz4="><img src="javascript:alert(1)">').html
    assert "data:" not in safe and "javascript" not in safe


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(document.cookie)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java&#x09;script:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//evil.example/login",
        "/relative/login",
    ],
)
def test_a_link_keeps_only_an_http_https_mailto_or_cid_target(href: str) -> None:
    safe = sanitize_html(f'<a href="{href}">Xem đơn hàng</a>').html
    assert "href" not in safe and "Xem đơn hàng" in safe


def test_links_that_stay_open_nothing_behind_the_readers_back() -> None:
    safe = sanitize_html(
        '<a href="https://shop.example/order/1" target="_blank" rel="opener">order</a>'
        '<a href="mailto:care@shop.example">mail</a><a href="cid:part1@khach.vn">part</a>'
    ).html
    assert safe.count(f'rel="{LINK_REL}"') == 3
    assert 'href="https://shop.example/order/1"' in safe and 'href="mailto:care@shop.example"' in safe
    assert "target" not in safe and '"opener"' not in safe
    assert LINK_REL == "noopener noreferrer nofollow"


def test_page_level_tags_that_load_or_redirect_are_gone() -> None:
    safe = sanitize_html(
        '<base href="https://evil.example/"><link rel="stylesheet" href="https://t.example/s.css">'
        '<meta http-equiv="refresh" content="0;url=https://evil.example/"><video poster="https://t.example/p.gif">'
        '</video><audio src="https://t.example/a.mp3"></audio><object data="https://t.example/o"></object>'
        '<table background="https://t.example/bg.gif"><tr><td background="https://t.example/bg2.gif">t</td></tr>'
        "</table>"
    ).html
    assert "example" not in safe and "t" in safe
