"""The background loop that expires offers nobody answered in time, re-routing their cases."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from router_service.domain import RoutingPolicy
from router_service.offers import expire_due
from shared.background import PeriodicTask

log = logging.getLogger(__name__)


class OfferSweeper(PeriodicTask):
    """Every `interval`, expires due offers in batches; several instances may run (rows are locked, skip locked)."""

    task_name = "offer-sweeper"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        policy: RoutingPolicy,
        interval: float,
        after_commit: Callable[[], None],
    ) -> None:
        super().__init__(interval=interval)
        self._sessions = sessions
        self._policy = policy
        self._after_commit = after_commit

    async def tick(self) -> None:
        await self.sweep()

    async def sweep(self) -> int:
        """Expire every due offer now; how many were expired."""
        total = 0
        while True:
            async with self._sessions() as session:
                async with session.begin():
                    expired = await expire_due(session, policy=self._policy)
                self._after_commit()
            total += expired
            if expired == 0:
                return total
