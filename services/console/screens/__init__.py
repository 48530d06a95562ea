"""One module per screen. Each has `router` (its routes) and `NAV` (its menu entry, or None); app.py includes every
module listed in SCREENS.

To add a screen (say `reports`):
- `screens/reports.py`: `router = APIRouter(prefix="/reports", dependencies=[require_roles(...)])` and
  `NAV = NavItem(label="nav.reports", path="/reports", roles=STAFF, order=40)`; routes take `CurrentUser` (the
  signed-in SignedIn) and `UserApi` (the services as that user) from services.console.auth, call
  `api.get(Service.ROUTER, api_path("/v1/...", id=...))` and answer `console_state(request).pages.render(request,
  "reports.html", {...})`. A ServiceError needs no handling: it becomes a readable page (or problem+json).
- `templates/reports.html`: `{% extends "base.html" %}`, blocks `title`, `content`, `scripts`; every string through
  `t("reports....")`; forms carry `<input type="hidden" name="csrf_token" value="{{ csrf_token }}">`.
- `messages.py`: the screen's strings in its own section, English and Vietnamese.
- `static/reports.js` (if any), loaded in the `scripts` block with `{{ static('reports.js') }}`: no inline script;
  use `window.Console.send()` (fetch with the CSRF header), `Console.live()` (EventSource) and `Console.setText()`.
- Live updates: a route returning `live.relay(api, service, path)` relays a service's stream with the user's token.
- Add the module to SCREENS below, and its tests under tests/integration/console and tests/browser.
"""

from __future__ import annotations

from services.console.screens import (
    account,
    agents,
    attachments,
    case,
    complain,
    customers,
    deadletters,
    desk,
    desk_case_actions,
    desk_live,
    desk_offers,
    desk_presence,
    floor,
    home,
    login,
    reports,
    routing,
    status,
    survey,
    users,
)

SCREENS = (
    home,
    login,
    account,
    desk,
    desk_offers,
    desk_presence,
    desk_live,
    case,
    desk_case_actions,
    floor,
    customers,
    reports,
    deadletters,
    users,
    agents,
    routing,
    attachments,
    complain,
    survey,
    status,
)
