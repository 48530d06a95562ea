"""VISCII (RFC 1456), the 8-bit Vietnamese charset Python has no codec for, registered as codec `viscii`.

VISCII is ASCII with six C0 controls and all of 0x80-0xFF replaced by the 134 precomposed Vietnamese letters
that are not in ASCII. The table below is RFC 1456's, as Unicode code points.
"""

from __future__ import annotations

import codecs

# The six control positions VISCII reuses for capital letters with a tone mark.
_CONTROLS = {0x02: 0x1EB2, 0x05: 0x1EB4, 0x06: 0x1EAA, 0x14: 0x1EF6, 0x19: 0x1EF8, 0x1E: 0x1EF4}
# 0x80 to 0xFF, eight a row.
_HIGH = (
    0x1EA0, 0x1EAE, 0x1EB0, 0x1EB6, 0x1EA4, 0x1EA6, 0x1EA8, 0x1EAC,
    0x1EBC, 0x1EB8, 0x1EBE, 0x1EC0, 0x1EC2, 0x1EC4, 0x1EC6, 0x1ED0,
    0x1ED2, 0x1ED4, 0x1ED6, 0x1ED8, 0x1EE2, 0x1EDA, 0x1EDC, 0x1EDE,
    0x1ECA, 0x1ECE, 0x1ECC, 0x1EC8, 0x1EE6, 0x0168, 0x1EE4, 0x1EF2,
    0x00D5, 0x1EAF, 0x1EB1, 0x1EB7, 0x1EA5, 0x1EA7, 0x1EA9, 0x1EAD,
    0x1EBD, 0x1EB9, 0x1EBF, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EC7, 0x1ED1,
    0x1ED3, 0x1ED5, 0x1ED7, 0x1EE0, 0x01A0, 0x1ED9, 0x1EDD, 0x1EDF,
    0x1ECB, 0x1EF0, 0x1EE8, 0x1EEA, 0x1EEC, 0x01A1, 0x1EDB, 0x01AF,
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x1EA2, 0x0102, 0x1EB3, 0x1EB5,
    0x00C8, 0x00C9, 0x00CA, 0x1EBA, 0x00CC, 0x00CD, 0x0128, 0x1EF3,
    0x0110, 0x1EE9, 0x00D2, 0x00D3, 0x00D4, 0x1EA1, 0x1EF7, 0x1EEB,
    0x1EED, 0x00D9, 0x00DA, 0x1EF9, 0x1EF5, 0x00DD, 0x1EE1, 0x01B0,
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x1EA3, 0x0103, 0x1EEF, 0x1EAB,
    0x00E8, 0x00E9, 0x00EA, 0x1EBB, 0x00EC, 0x00ED, 0x0129, 0x1EC9,
    0x0111, 0x1EF1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x1ECF, 0x1ECD,
    0x1EE5, 0x00F9, 0x00FA, 0x0169, 0x1EE7, 0x00FD, 0x1EE3, 0x1EEE,
)  # fmt: skip

DECODING_TABLE = "".join(chr(_CONTROLS.get(byte, byte)) for byte in range(0x80)) + "".join(
    chr(point) for point in _HIGH
)
ENCODING_TABLE = codecs.charmap_build(DECODING_TABLE)
NAMES = frozenset({"viscii", "viscii1.1-1", "csviscii", "x-viscii", "x-viet-viscii"})


class _Codec(codecs.Codec):
    def encode(self, input: str, errors: str = "strict") -> tuple[bytes, int]:
        return codecs.charmap_encode(input, errors, ENCODING_TABLE)

    def decode(self, input: bytes, errors: str = "strict") -> tuple[str, int]:
        return codecs.charmap_decode(input, errors, DECODING_TABLE)


class _IncrementalDecoder(codecs.IncrementalDecoder):
    def decode(self, input: bytes, final: bool = False) -> str:  # type: ignore[override]
        return codecs.charmap_decode(input, self.errors, DECODING_TABLE)[0]


class _IncrementalEncoder(codecs.IncrementalEncoder):
    def encode(self, input: str, final: bool = False) -> bytes:
        return codecs.charmap_encode(input, self.errors, ENCODING_TABLE)[0]


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("_", "-").lower() not in NAMES:
        return None
    codec = _Codec()
    return codecs.CodecInfo(
        name="viscii",
        encode=codec.encode,
        decode=codec.decode,  # type: ignore[arg-type]
        incrementalencoder=_IncrementalEncoder,
        incrementaldecoder=_IncrementalDecoder,
    )


_registered = False


def register() -> None:
    """Make `bytes.decode("viscii")` work (once per process)."""
    global _registered
    if not _registered:
        codecs.register(_search)
        _registered = True
