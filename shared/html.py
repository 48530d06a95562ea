"""Customer HTML made safe to show: the one policy every service applies before storing or showing it.

Kept: the formatting tags nh3 allows by default, links (`http`, `https`, `mailto`, `cid`, opening nothing behind
the reader's back: `rel="noopener noreferrer nofollow"`) and inline images from the message's own parts (`cid:`).
Gone: scripts, styles, event handlers, `id`/`class`/`style`, relative and other-scheme URLs, and every remote image
(a tracking pixel tells the sender when, where and that the mail was read): its `src` is dropped, its `alt` text
stays, and the count is returned so the message can say images were blocked.
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3

LINK_REL = "noopener noreferrer nofollow"
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})
INLINE_IMAGE_SCHEME = "cid:"
_ABSOLUTE = tuple(f"{scheme}:" for scheme in sorted(URL_SCHEMES))
_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "blockquote": {"type"},  # Apple Mail's type=cite marks quoted history
    "ol": {"start"},
}


@dataclass(frozen=True)
class SafeHtml:
    html: str
    remote_images_blocked: int = 0


def sanitize_html(html: str) -> SafeHtml:
    """`html` with only inert markup left (see the module docstring); linear in the input (html5ever)."""
    blocked = 0

    def keep(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        url = value.strip().lower()
        if tag == "img" and attribute == "src" and not url.startswith(INLINE_IMAGE_SCHEME):
            blocked += 1  # remote, relative or protocol-relative: each would be fetched from somewhere
            return None
        if attribute in ("href", "src") and not url.startswith(_ABSOLUTE):
            return None  # nh3 refused other schemes already; what is left without one is relative
        return value

    cleaned = nh3.clean(
        html,
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        generic_attribute_prefixes=set(),
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    )
    return SafeHtml(html=cleaned, remote_images_blocked=blocked)
