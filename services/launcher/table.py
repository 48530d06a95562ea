"""The start-up summary: one row per service, then where things are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HEADERS = ("service", "URL", "docs", "pid", "state")


@dataclass(frozen=True)
class Row:
    service: str
    url: str
    pid: int | None
    state: str
    docs: bool = True  # whether the service serves /docs

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.service, self.url, f"{self.url}/docs" if self.docs else "-", str(self.pid or "-"), self.state)


def render(rows: Sequence[Row]) -> str:
    """A plain-text table whose columns are as wide as their widest cell."""
    lines = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(HEADERS))]
    rule = tuple("-" * width for width in widths)
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (lines[0], rule, *lines[1:])
    )


def render_facts(facts: Sequence[tuple[str, str]]) -> str:
    """Aligned `label: value` lines under the table."""
    width = max((len(label) for label, _ in facts), default=0)
    return "\n".join(f"{(label + ':').ljust(width + 1)} {value}" for label, value in facts)
