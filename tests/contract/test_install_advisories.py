"""The installer's own packages are not at a version with a known advisory (pip-audit's check, by version, without
the network): `make install` puts the pinned pip and setuptools in place of what the Python's venv shipped."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]

# package -> (advisory, first fixed version); the newest fix is the floor.
ADVISORIES = {
    "setuptools": [
        ("CVE-2022-40897 (PYSEC-2022-43012): ReDoS in package_index", "65.5.1"),
        ("CVE-2024-6345: code execution through package_index URLs", "70.0.0"),
        ("CVE-2025-47273: path traversal in PackageIndex downloads", "78.1.1"),
    ],
    "pip": [
        ("CVE-2023-5752: Mercurial configuration injection", "23.3"),
        ("CVE-2025-8869: tar extraction outside the target on old Pythons", "25.3"),
    ],
}


def pinned() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, _, pin = line.partition("==")
        if pin:
            pins[name.strip().lower()] = Version(pin.strip())
    return pins


@pytest.mark.parametrize("package", sorted(ADVISORIES))
def test_the_pinned_version_has_every_known_fix(package: str) -> None:
    pin = pinned().get(package)
    assert pin is not None, f"{package} is not pinned in constraints.txt"
    missing = [advisory for advisory, fixed in ADVISORIES[package] if pin < Version(fixed)]
    assert missing == [], f"{package}=={pin} is affected by {missing}"


@pytest.mark.parametrize("package", sorted(ADVISORIES))
def test_the_installed_version_has_every_known_fix(package: str) -> None:
    installed = Version(version(package))
    missing = [advisory for advisory, fixed in ADVISORIES[package] if installed < Version(fixed)]
    assert missing == [], f"{package} {installed} is installed, affected by {missing}: run `make install`"
