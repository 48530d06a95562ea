"""The catalog and the ready table: the console is started like the others, but it neither recovers events (it has
none) nor serves API documents, and the table says so instead of showing a dead link."""

from __future__ import annotations

from services.launcher.catalog import SERVICES
from services.launcher.table import Row, render


def test_the_console_is_in_the_catalog_on_its_port_without_a_journal_to_replay() -> None:
    [console] = [spec for spec in SERVICES if spec.name == "console"]
    assert (console.module, console.env_prefix, console.default_port) == ("services.console", "CONSOLE_", 8006)
    assert console.has_database and not console.recovers and not console.verifies_tokens
    assert all(spec.recovers for spec in SERVICES if spec.name != "console"), "every other service keeps a journal"


def test_a_service_without_api_documents_shows_no_docs_link() -> None:
    table = render(
        [
            Row(service="gateway", url="http://127.0.0.1:8000", pid=1, state="ready"),
            Row(service="console", url="http://127.0.0.1:8006", pid=2, state="ready", docs=False),
        ]
    )
    gateway_line, console_line = table.splitlines()[2:]
    assert "http://127.0.0.1:8000/docs" in gateway_line
    assert "/docs" not in console_line and console_line.split()[2] == "-"
