"""One module per screen. Each has `router` (its routes) and `NAV` (its menu entry, or None); app.py includes every
module listed in SCREENS."""

from __future__ import annotations

from services.console.screens import account, customers, deadletters, desk, floor, home, login, reports, users

SCREENS = (home, login, account, desk, floor, customers, reports, deadletters, users)
