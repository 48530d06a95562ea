"""What the console holds while it runs (`app.state.console`), built in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.console.pages import Pages
from services.console.service_tokens import TokenKeeper
from services.console.services_client import ServicesClient
from services.console.sessions import SessionStore
from services.console.settings import ConsoleSettings
from services.console.throttle import ThrottlePolicy


@dataclass
class ConsoleState:
    settings: ConsoleSettings
    db: async_sessionmaker[AsyncSession]
    sessions: SessionStore
    client: ServicesClient
    tokens: TokenKeeper
    pages: Pages
    throttle: ThrottlePolicy
