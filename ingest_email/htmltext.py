"""HTML mail as readable text (lxml), and HTML made safe to show (nh3).

Quoted history is marked the way plain-text mail marks it, so one stripper handles both: a `blockquote`, Gmail's
`gmail_quote`, Yahoo's `yahoo_quoted` and Apple Mail's `type=cite` become `> ` lines, and Outlook's reply header
block (`divRplyFwdMsg`) starts with the `-----Original Message-----` line Outlook writes in plain text.

The text comes from libxml2's HTML parser (through lxml's parser-target interface, so no tree is built): it is C, reads
in time linear in its input (tests/unit/test_linear_time.py), recovers from the broken markup real mail holds, and is
kept up to date with security fixes. Not CPython 3.11's `html.parser`, quadratic on unclosed constructs
(CVE-2025-6069: 29 KB of `<a ` took 12 s); not selectolax (lexbor), whose HTML5 tree building is quadratic on
misnested formatting elements (1 MB of `<b id=N>` then `<p>` took minutes); not html5lib (pure Python, unmaintained).
Only the first MAX_HTML_CHARS characters are read; normalize notes when a mail's text was cut there.
"""

from __future__ import annotations

import re

from lxml import etree

MAX_HTML_CHARS = 500_000  # of an HTML body turned into text; the stored, sanitized HTML is shorter still
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
        "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_SKIPPED = frozenset({"head", "script", "style", "title", "template", "noscript"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"})
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix")
OUTLOOK_SEPARATOR = "-----Original Message-----"
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
MAX_DEPTH = 200


class _Text:
    """The parser's target: lines of text from start tags, end tags and character data, in document order."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, opened a quote)
        self.skipping = 0
        self.quote_depth = 0
        self.pre = 0

    def _newline(self) -> None:
        line = "".join(self.current)
        if not self.pre:
            line = _SPACES.sub(" ", line).strip()
        self.lines.append(("> " * self.quote_depth + line) if line or self.quote_depth else line)
        self.current = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        values = {name: (value or "") for name, value in attrib.items()}
        if tag in _SKIPPED:
            self.skipping += 1
            return
        if tag == "br":
            self._newline()
            return
        if tag in _BLOCKS:
            self._newline()
        if tag in _VOID:
            if tag == "hr":
                self.current.append("-" * 8)
                self._newline()
            return
        classes = values.get("class", "")
        quote = (
            tag == "blockquote"
            or values.get("type", "").lower() == "cite"
            or any(name in classes for name in _QUOTE_CLASSES)
        )
        if values.get("id", "") in ("divRplyFwdMsg", "OLK_SRC_BODY_SECTION") or "OutlookMessageHeader" in classes:
            self._newline()
            self.lines.append(OUTLOOK_SEPARATOR)
        if tag == "li":
            self.current.append("- ")
        if tag == "pre":
            self.pre += 1
        if len(self.stack) < MAX_DEPTH:
            self.stack.append((tag, quote))
            if quote:
                self.quote_depth += 1

    def end(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if tag in _VOID:
            return
        # Close up to the matching open tag (the parser closes what the mail left open, in order; past MAX_DEPTH
        # the inner tags were never pushed).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for _, quoted in self.stack[index:]:
                    if quoted:
                        self.quote_depth = max(0, self.quote_depth - 1)
                del self.stack[index:]
                break
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if (tag in _BLOCKS and tag != "li") or tag in ("td", "th"):
            self._newline()  # an item ends where the next begins or its list ends: no blank line between items

    def data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            parts = data.split("\n")
            for part in parts[:-1]:
                self.current.append(part)
                self._newline()
            self.current.append(parts[-1])
        else:
            self.current.append(data.replace("\n", " "))

    def close(self) -> None:
        """Called by the parser at the end; the text is read with text()."""

    def text(self) -> str:
        self._newline()
        out: list[str] = []
        for line in self.lines:
            if line.strip() or (out and out[-1].strip()):
                out.append(line.rstrip())
        return "\n".join(out).strip("\n")


def html_to_text(html: str) -> str:
    """The text a reader sees, paragraphs on their own lines, quoted parts as `> ` lines; of the first
    MAX_HTML_CHARS characters of `html`."""
    target = _Text()
    # Bytes with the encoding stated, so a `<meta charset>` inside cannot make libxml2 decode the text again.
    parser = etree.HTMLParser(target=target, encoding="utf-8", recover=True, no_network=True)
    try:
        parser.feed(html[:MAX_HTML_CHARS].encode("utf-8", "replace"))
        parser.close()
    except etree.LxmlError:  # libxml2 recovers from nearly anything; what it still refuses leaves the text read so far
        pass
    return target.text()
