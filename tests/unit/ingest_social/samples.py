"""Webhook bodies written from the platforms' documentation, for what the shared corpus lacks (Instagram, Zalo, X,
page feeds, multi-entry batches, Vietnamese text). The corpus's own Messenger, Telegram and WhatsApp captures are
read from ../shared/corpus/webhooks/ by the tests (see corpus_json)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.corpus import CORPUS as SHARED_CORPUS

CORPUS = SHARED_CORPUS / "webhooks"

PAGE_ID = "104857392011234"
IG_ACCOUNT = "17841400000000001"
PSID_LAN = "6745123409876543"
PSID_MINH = "7012398765432109"
IGSID = "5512349876543210"
PHONE_NUMBER_ID = "109876543210987"
WA_ID = "84912345678"
ZALO_APP_ID = "360846524940903967"
ZALO_OA_ID = "579745863508352884"
ZALO_USER = "8562000080395427070"  # beyond 2^53: must stay text
X_ACCOUNT = "1453000000000000000"
X_USER = "1587000000000000123"


def corpus_json(folder: str, name: str) -> Any:
    return json.loads((CORPUS / folder / name).read_text(encoding="utf-8"))


def messenger_batch() -> dict[str, Any]:
    """Two entries (Meta batches them) with a text, a quick reply, a reply-to with an image, an echo and a read."""
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1764000000000,
                "messaging": [
                    {
                        "sender": {"id": PSID_LAN},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1764000000100,
                        "message": {
                            "mid": "m_lan-1",
                            "text": "Đơn hàng #A1234 giao thiếu 2 sản phẩm, tôi cần hoàn tiền",
                        },
                    },
                    {
                        "sender": {"id": PSID_LAN},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1764000000200,
                        "message": {
                            "mid": "m_lan-2",
                            "text": "Hoàn tiền",
                            "quick_reply": {"payload": "REFUND"},
                        },
                    },
                    {
                        "sender": {"id": PAGE_ID},
                        "recipient": {"id": PSID_LAN},
                        "timestamp": 1764000000300,
                        "message": {"mid": "m_page-1", "is_echo": True, "app_id": 1517776481860111, "text": "Dạ"},
                    },
                ],
            },
            {
                "id": PAGE_ID,
                "time": 1764000000500,
                "messaging": [
                    {
                        "sender": {"id": PSID_MINH},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1764000000400,
                        "message": {
                            "mid": "m_minh-1",
                            "text": "Ảnh sản phẩm bị vỡ đây ạ",
                            "reply_to": {"mid": "m_page-0"},
                            "attachments": [
                                {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/broken.jpg"}}
                            ],
                        },
                    },
                    {
                        "sender": {"id": PSID_MINH},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1764000000450,
                        "read": {"watermark": 1764000000000},
                    },
                ],
            },
        ],
    }


def instagram_dm() -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ACCOUNT,
                "time": 1764000001000,
                "messaging": [
                    {
                        "sender": {"id": IGSID},
                        "recipient": {"id": IG_ACCOUNT},
                        "timestamp": 1764000000900,
                        "message": {
                            "mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw",
                            "text": "Áo nhận được sai size, đổi giúp mình với",
                            "reply_to": {"story": {"url": "https://lookaside.fbsbx.com/story.jpg", "id": "1790"}},
                        },
                    },
                    {
                        "sender": {"id": IGSID},
                        "recipient": {"id": IG_ACCOUNT},
                        "timestamp": 1764000000950,
                        "message": {"mid": "aWdfZAG1faXRlbToxOkRlbGV0ZWQ", "is_deleted": True},
                    },
                ],
            }
        ],
    }


def page_feed_comment(*, verb: str = "add", author: str = "3001234567890") -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1764000002,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": author, "name": "Trần Thị Hoa"},
                            "post_id": f"{PAGE_ID}_900001",
                            "comment_id": "900001_700002",
                            "parent_id": f"{PAGE_ID}_900001",
                            "item": "comment",
                            "verb": verb,
                            "created_time": 1764000002,
                            "message": "Shop lừa đảo, đặt hàng 2 tuần chưa thấy giao!",
                        },
                    }
                ],
            }
        ],
    }


def instagram_comment() -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ACCOUNT,
                "time": 1764000003,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": IGSID, "username": "hoa.tran"},
                            "media": {"id": "18000000000000001", "media_product_type": "FEED"},
                            "id": "18000000000000099",
                            "text": "Chất lượng tệ quá @shop",
                        },
                    }
                ],
            }
        ],
    }


def whatsapp_text(
    wamid: str, text: str, *, timestamp: int, wa_id: str = WA_ID, name: str = "Nguyễn Văn An"
) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "842812345678", "phone_number_id": PHONE_NUMBER_ID},
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": wamid,
                                    "timestamp": str(timestamp),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def whatsapp_status(wamid: str, status: str, *, timestamp: int, wa_id: str = WA_ID) -> dict[str, Any]:
    entry_status: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(timestamp), "recipient_id": wa_id}
    if status == "failed":
        entry_status["errors"] = [
            {
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have passed"},
            }
        ]
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "842812345678", "phone_number_id": PHONE_NUMBER_ID},
                            "statuses": [entry_status],
                        },
                    }
                ],
            }
        ],
    }


def telegram_text(update_id: int, message_id: int, text: str, *, chat_id: int = 123456789) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Lan", "last_name": "Phạm", "language_code": "vi"},
            "chat": {"id": chat_id, "first_name": "Lan", "last_name": "Phạm", "type": "private"},
            "date": 1764000000,
            "text": text,
        },
    }


def zalo_event(event_name: str, message: dict[str, Any], *, timestamp: str = "1764000000000") -> dict[str, Any]:
    """As Zalo posts it: ids as strings, the timestamp in milliseconds as a string."""
    return {
        "app_id": ZALO_APP_ID,
        "user_id_by_app": "552177279717587730",
        "event_name": event_name,
        "timestamp": timestamp,
        "sender": {"id": ZALO_USER},
        "recipient": {"id": ZALO_OA_ID},
        "message": message,
    }


def zalo_body(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def x_direct_message(event_id: str, text: str, *, sender: str = X_USER) -> dict[str, Any]:
    return {
        "for_user_id": X_ACCOUNT,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": event_id,
                "created_timestamp": "1764000000000",
                "message_create": {
                    "target": {"recipient_id": X_ACCOUNT if sender != X_ACCOUNT else X_USER},
                    "sender_id": sender,
                    "message_data": {
                        "text": text,
                        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                    },
                },
            }
        ],
        "users": {
            X_USER: {"id": X_USER, "name": "Hoàng Minh", "screen_name": "hoangminh"},
            X_ACCOUNT: {"id": X_ACCOUNT, "name": "Shop", "screen_name": "shop_vn"},
        },
    }
