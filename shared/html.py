"""Customer HTML made safe to show: the one policy every service applies before storing or showing it.

Kept: the formatting tags nh3 allows by default, links (`http`, `https`, `mailto`, `cid`, opening nothing behind
the reader's back: `rel="noopener noreferrer nofollow"`) and inline images from the message's own parts (`cid:`).
Gone: scripts, styles, event handlers, `id`/`class`/`style`, relative and other-scheme URLs, and every remote image
(a tracking pixel tells the sender when, where and that the mail was read): its `src` is dropped, its `alt` text
stays, and the count is returned so the message can say images were blocked.

html5ever (under nh3) spends time growing with the nesting depth on every tag, with no cap (servo/html5ever#788):
80 KB of nested `<blockquote>` takes seconds. So nh3 never sees more than MAX_TAGS_PER_PASS tags at once: longer
HTML is cleaned in pieces, each a complete fragment on its own (safe to join), cut where the nesting looks shallowest
so an ordinary long mail keeps its layout. The count of tags is of everything that could start one, so markup that
hides tags (comments, attributes) only makes the pieces smaller, never the work larger.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

import nh3

LINK_REL = "noopener noreferrer nofollow"
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})
INLINE_IMAGE_SCHEME = "cid:"
_ABSOLUTE = tuple(f"{scheme}:" for scheme in sorted(URL_SCHEMES))
MAX_TAGS_PER_PASS = 2_000
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")  # what html5ever's tokenizer reads as the start of a tag
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
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

    cleaned = "".join(
        nh3.clean(
            piece,
            attributes=_ATTRIBUTES,
            attribute_filter=keep,
            generic_attribute_prefixes=set(),
            url_schemes=set(URL_SCHEMES),
            link_rel=LINK_REL,
        )
        for piece in _pieces(html)
    )
    return SafeHtml(html=cleaned, remote_images_blocked=blocked)


def _pieces(html: str) -> Iterator[str]:
    """`html` cut before tags into pieces of at most MAX_TAGS_PER_PASS tags, each cut in the second half of its
    window where a rough nesting count (opened minus closed, floored at zero) is lowest."""
    starts, depths = array("q"), array("q")
    depth = 0
    for match in _TAG.finditer(html):
        starts.append(match.start())
        depths.append(depth)
        if match.group(1):
            depth = max(0, depth - 1)
        elif match.group(2).lower() not in _VOID:
            depth += 1
    first, begin = 0, 0
    while len(starts) - first > MAX_TAGS_PER_PASS:
        window = range(first + MAX_TAGS_PER_PASS // 2, first + MAX_TAGS_PER_PASS)
        cut = min(window, key=lambda index: (depths[index], -index))
        yield html[begin : starts[cut]]
        first, begin = cut, starts[cut]
    yield html[begin:]
