"""The customer's new words in a reply: the quoted history and the signature cut off.

Mail clients mark the start of the history differently: Gmail and Apple Mail write an attribution line ("On <date>,
<name> wrote:", in the reader's language, sometimes wrapped over two lines) followed by `> ` lines; Outlook writes
"-----Original Message-----" or a "From: ... Sent: ..." header block after a line of underscores, and quotes
nothing; phones add "Sent from my iPhone". A forward's own marker is not history: the forwarded text is what the
customer is sending us, so it stays.
"""

from __future__ import annotations

import re

MAX_SCANNED = 500_000  # characters of a text strip_reply reads; normalize keeps at most 50 000 of the new words

# Matched against a line with its leading `>`/whitespace and trailing whitespace cut off (see _is_attribution): the
# same lines as `^[\s>]*(?:...)\s*$` on the whole line, without the backtracking of two adjacent unbounded runs.
_ATTRIBUTION = re.compile(
    r"(?:"
    r"On\b.{0,300}\bwrote:?"  # Gmail, Apple Mail, Thunderbird (en)
    r"|Le\b.{0,300}\ba écrit\s*:?"  # fr
    r"|Am\b.{0,300}\bschrieb.{0,100}:?"  # de
    r"|El\b.{0,300}\bescribió:?"  # es
    r"|Il\b.{0,300}\bha scritto:?"  # it
    r"|Em\b.{0,300}\bescreveu:?"  # pt
    r"|Op\b.{0,300}\bschreef.{0,100}:?"  # nl
    r"|Vào\b.{0,300}\bđã viết:?"  # vi (Gmail)
    r"|.{0,300}\b(?:wrote|написал\(а\)|написал|napisał\(a\)|napisał|skrev|kirjoitti):"
    r")$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|"
    r"Thư gốc|Tin nhắn gốc)\s*-{2,}|_{10,}|-{10,}|From:\s.*|De\s?:\s.*|Von:\s.*|Từ:\s.*)\s*$",
    re.IGNORECASE,
)
_HEADER_BLOCK = re.compile(r"^\s*\*?(?:Sent|Date|To|Subject|Envoyé|Gesendet|Betreff|Objet|Gửi|Đến|Chủ đề)\s*:", re.I)
_FORWARD = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded message|Begin forwarded message|Weitergeleitete Nachricht|"
    r"Message transféré|Thư được chuyển tiếp)|Begin forwarded message:)",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"^\s*(?:--\s?|Sent from my \w+.*|Sent from (?:Mail|Outlook) for .*|Get Outlook for .*|"
    r"Envoyé de mon .*|Von meinem .* gesendet|Được gửi từ .*)\s*$",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"^\s*>")
_LEADING_QUOTE_MARKS = re.compile(r"^[\s>]+")
_WRAPPED_START = re.compile(r"^\s*(?:On|Le|Am|El|Il|Em|Op|Vào)\s", re.IGNORECASE)


def strip_reply(text: str) -> str:
    """The text above the quoted history and the signature; the whole text when nothing would be left.

    Only the first MAX_SCANNED characters are read (up to the last line break within them): a reply's new words are
    at its top, and an event keeps far fewer of them. Time is linear in what is read: every line is looked at a
    bounded number of times, and no pattern backtracks over a run whose length the sender chooses.
    """
    if len(text) > MAX_SCANNED:
        end = text.rfind("\n", 0, MAX_SCANNED)
        text = text[: end if end > 0 else MAX_SCANNED]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _history_start(lines)
    kept = lines[:cut]
    if not "\n".join(kept).strip() and cut < len(lines):
        # Bottom-posting (Thunderbird, mailing-list style): the new words follow the quote.
        kept = [line for line in lines[cut + 1 :] if not _QUOTED.match(line) and not _is_attribution(line)]
    for index, line in enumerate(kept):
        if _SIGNATURE.match(line) and not _FORWARD.match(line):
            kept = kept[:index]
            break
    new = "\n".join(kept).strip()
    return new if new else text.strip()


def _history_start(lines: list[str]) -> int:
    only_quotes_from = _only_quotes_from(lines)
    for index, line in enumerate(lines):
        if not line.strip():
            continue  # a blank line starts nothing
        if _FORWARD.match(line):
            return len(lines)  # a forward: the rest is what is being sent to us
        if _is_attribution(line):
            return index
        if (
            line.strip()
            and index + 1 < len(lines)
            and not _QUOTED.match(lines[index + 1])
            and (_WRAPPED_START.match(line) or _quote_follows(lines, index + 2))
            and _is_attribution(f"{line} {lines[index + 1]}")
        ):
            return index  # an attribution line wrapped in two
        if _SEPARATORS.match(line) and _looks_like_header_block(lines, index):
            return index
        if _QUOTED.match(line) and index >= only_quotes_from:
            return index  # trailing quoted block without an attribution
    return len(lines)


def _only_quotes_from(lines: list[str]) -> int:
    """The first index from which every line is quoted or blank (len(lines) when the last line is neither)."""
    start = len(lines)
    while start > 0 and (not lines[start - 1].strip() or _QUOTED.match(lines[start - 1])):
        start -= 1
    return start


def _is_attribution(line: str) -> bool:
    """`line` is an attribution line ("On <date>, <name> wrote:"), quoted or not."""
    core = _LEADING_QUOTE_MARKS.sub("", line, count=1).rstrip()
    return _ATTRIBUTION.match(core) is not None


def _quote_follows(lines: list[str], start: int) -> bool:
    following = [line for line in lines[start : start + 3] if line.strip()]
    return bool(following) and bool(_QUOTED.match(following[0]))


def _looks_like_header_block(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if re.match(r"^-{2,}\s*\S", line) or re.match(r"^[_-]{10,}$", line):
        return True  # an explicit separator
    following = [candidate for candidate in lines[index + 1 : index + 6] if candidate.strip()]
    return sum(1 for candidate in following if _HEADER_BLOCK.match(candidate)) >= 2
