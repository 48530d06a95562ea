"""A customer's file name as it is stored, shown and judged: the name a file system or a reader would end up with.

A name is what the sender says it is, and tricks hide what it really is: `invoice.exe\\x00.pdf` (C APIs stop at
the NUL), `evil.exe.` and `evil.exe ` (Windows drops trailing dots and spaces), `a.exe::$DATA` (an NTFS stream of
`a.exe`), `invoice\\u202efdp.exe` (a right-to-left override shows it as `invoiceexe.pdf`), zero-width and other
invisible characters, and path parts. The safe name has none of them; a name with nothing left is no name.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 255
_MAX_EXTENSION = 32
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, bidi/format, surrogates, unassigned
_STREAM = re.compile(r":[^:]{0,255}:\$[A-Za-z_]{1,32}$")  # name:stream:$DATA and name::$DATA
_SEPARATORS = str.maketrans({"/": "_", "\\": "_", ":": "_"})


def safe_filename(raw: str | None) -> str | None:
    """The name without invisible characters, path separators, a stream suffix or trailing dots and spaces."""
    if not raw:
        return None
    name = raw.partition("\x00")[0]  # every step is linear, and the cut comes last: junk after `.exe` hides nothing
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if char.isspace() else char for char in name if unicodedata.category(char) not in _INVISIBLE)
    name = _STREAM.sub("", name)
    name = _without_trailing_dots_and_spaces(name.translate(_SEPARATORS)).lstrip()
    name = _without_trailing_dots_and_spaces(_shortened(name, MAX_LENGTH))
    return name if name.strip(".") else None


def file_extensions(name: str) -> list[str]:
    """Every extension a name could be read as, casefolded: `report.PDF.exe` -> [".pdf.exe", ".exe"]."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    parts = folded.split(".")[1:]
    return ["." + ".".join(parts[index:]) for index in range(len(parts))]


def _without_trailing_dots_and_spaces(name: str) -> str:
    end = len(name)
    while end and name[end - 1] in ". ":
        end -= 1
    return name[:end]


def _shortened(name: str, limit: int) -> str:
    """At most `limit` characters, the extension kept: cutting `aaa….exe` at its end would hide what it is."""
    if len(name) <= limit:
        return name
    extension = name[name.rfind(".") :] if "." in name[-_MAX_EXTENSION:] else ""
    return name[: limit - len(extension)] + extension
