"""First start: an `admin` with a generated password in DATA_DIR/console-admin.password (mode 600), who can sign in;
later starts change nothing."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.integration.console.support import Console, console_settings, running_console, sign_in


async def test_the_first_start_creates_an_admin_whose_password_is_in_a_private_file(console: Console) -> None:
    path = console.data_dir / "console-admin.password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = console.admin_password()
    assert len(password) >= 24
    async with console.client() as browser:
        signed_in = await sign_in(browser, "admin", password)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/floor"
        page = await browser.get("/users")
        assert page.status_code == 200 and "admin" in page.text


async def test_a_later_start_keeps_the_admin_and_its_password(migrated_url: str, tmp_path: Path) -> None:
    settings = console_settings(migrated_url, tmp_path)
    async with running_console(settings) as first:
        password = first.admin_password()
    (tmp_path / "console-admin.password").unlink()
    async with running_console(settings) as second:
        assert not (tmp_path / "console-admin.password").exists(), "no second admin, no new password"
        async with second.client() as browser:
            assert (await sign_in(browser, "admin", password)).status_code == 303
