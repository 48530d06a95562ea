"""A file name as stored and shown: what a file system would create, with nothing invisible in it."""

from __future__ import annotations

import time

import pytest

from shared.filenames import file_extensions, safe_filename


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("hoá đơn.pdf", "hoá đơn.pdf"),
        ("ho\u0301a.pdf", "hóa.pdf"),  # one form (NFC) for one name
        ("invoice.exe\x00.pdf", "invoice.exe"),
        ("evil.exe. .", "evil.exe"),
        ("a.exe::$DATA", "a.exe"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("\u2066report\u2069.pdf", "report.pdf"),
        ("line\r\nbreak.pdf", "linebreak.pdf"),
        ("../../etc/passwd", ".._.._etc_passwd"),
        ("   spaced.pdf", "spaced.pdf"),
        ("..", None),
        ("", None),
        (None, None),
    ],
)
def test_the_safe_name_is_what_a_reader_and_a_file_system_would_see(raw: str | None, safe: str | None) -> None:
    assert safe_filename(raw) == safe


def test_a_long_name_keeps_its_extension_and_junk_after_it_hides_nothing() -> None:
    for raw in ["a" * 5000 + ".exe", "a" * 5000 + ".exe" + "\u200b" * 5000, "a" * 5000 + ".exe" + ". " * 5000]:
        name = safe_filename(raw)
        assert name is not None and len(name) == 255 and name.endswith(".exe")


def test_every_extension_a_name_could_be_read_as() -> None:
    assert file_extensions("Report.PDF.ExE") == [".pdf.exe", ".exe"]
    assert file_extensions("ＳＥＴＵＰ．ＥＸＥ") == [".exe"]  # full-width letters fold to the ones they look like
    assert file_extensions("README") == []


@pytest.mark.parametrize("unit", [":" + "a" * 200 + ":$", "::$DATA", "\u202e\u200b", ". ", "a."])
def test_a_name_is_made_safe_in_time_proportional_to_its_length(unit: str) -> None:
    def cpu_seconds(name: str) -> float:
        start = time.process_time()
        safe_filename(name)
        return time.process_time() - start

    small = min(cpu_seconds(unit * (100_000 // len(unit))) for _ in range(2))
    large = min(cpu_seconds(unit * (1_000_000 // len(unit))) for _ in range(2))
    assert large / max(small, 0.002) < 20, (small, large)
