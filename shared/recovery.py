"""Recovery from a lost broker: the in-memory embedded broker forgets every record and offset when it restarts.

The launcher gives each broker it starts an identity and writes it to `DATA_DIR/broker-epoch.json`, with the moment
since which records may not have been applied by every consumer (`replay_since`, from what it watched of the last
broker; absent when it cannot tell). A service that finds a broker it has not recovered for yet, at start-up or when
the launcher signals it, does two things before saying it has recovered (`broker-epoch.<service>.json`):

1. its consumer rewinds every partition to the beginning of the new logs (offsets held in memory, or committed to
   the new broker by a batch that was in flight, point into logs that no longer hold what they held);
2. its outbox relay republishes the journal since `replay_since` (everything within the retention when absent).

Consumers skip what they had already processed, so the replay changes nothing that was applied.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shared.consumer import EventConsumer
from shared.outbox import OutboxRelay

log = logging.getLogger(__name__)

EPOCH_FILE = "broker-epoch.json"


@dataclass(frozen=True)
class BrokerEpoch:
    """One broker the launcher started: its identity, and since when its predecessor's records must be replayed."""

    broker: str
    replay_since: datetime | None = None
    safe_point: datetime | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "broker": self.broker,
                "replay_since": _iso(self.replay_since),
                "safe_point": _iso(self.safe_point),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> BrokerEpoch:
        data = json.loads(text)
        return cls(
            broker=str(data["broker"]),
            replay_since=_parse(data.get("replay_since")),
            safe_point=_parse(data.get("safe_point")),
        )


def epoch_path(data_dir: Path) -> Path:
    return data_dir / EPOCH_FILE


def recovered_path(data_dir: Path, service: str) -> Path:
    return data_dir / f"broker-epoch.{service}.json"


def read_epoch(path: Path) -> BrokerEpoch | None:
    try:
        return BrokerEpoch.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` whole (a reader never sees half a file)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def recovered_broker(data_dir: Path, service: str) -> str | None:
    epoch = read_epoch(recovered_path(data_dir, service))
    return epoch.broker if epoch is not None else None


class BrokerRecovery:
    """A service's side of the recovery (see the module docstring)."""

    def __init__(
        self, *, service: str, data_dir: Path, relay: OutboxRelay, consumer: EventConsumer | None, poll: float = 0.1
    ) -> None:
        self._service = service
        self._data_dir = data_dir
        self._relay = relay
        self._consumer = consumer
        self._poll = poll
        self._lock = asyncio.Lock()

    async def recover(self, *, signalled: bool) -> int | None:
        """Recover for the launcher's current broker if not done yet; returns how many events are republished.

        Without the launcher's file (a service run on its own) a signal still republishes the whole journal. A failure
        (the database unavailable) is logged and the recovery tried again.
        """
        while True:
            try:
                return await self._recover_once(signalled=signalled)
            except Exception:
                log.exception("recovering for the restarted broker failed; trying again")
                await asyncio.sleep(1)

    async def _recover_once(self, *, signalled: bool) -> int | None:
        async with self._lock:
            epoch = read_epoch(epoch_path(self._data_dir))
            if epoch is None:
                return await self._replay(since=None) if signalled else None
            if recovered_broker(self._data_dir, self._service) == epoch.broker:
                return None
            rewind = self._consumer.rewind() if self._consumer is not None else None
            count = await self._replay(since=epoch.replay_since)
            if self._consumer is not None and rewind is not None:
                while not self._consumer.rewound(rewind):  # noqa: ASYNC110 - the consumer's own loop carries it out
                    await asyncio.sleep(self._poll)
            write_atomically(recovered_path(self._data_dir, self._service), BrokerEpoch(epoch.broker).to_json())
            log.info("recovered for the restarted broker")
            return count

    async def _replay(self, *, since: datetime | None) -> int:
        count = await self._relay.replay_journal(since=since)
        log.warning("broker restarted: republishing %d events from the outbox journal", count)
        return count


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _parse(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None
