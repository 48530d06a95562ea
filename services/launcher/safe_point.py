"""How far the embedded broker's consumers have come: the latest moment before which every record published was
applied by every consumer of its topic. After a broker restart only what was published since then is replayed.

Every second, once every service has recovered for the current broker (shared.recovery), the watch notes the log
end offsets with the time, then reads each consumer group's committed offsets (committed only after the group's
transaction): the latest noted moment whose end offsets every group has committed past is the safe point. An outbox
row marked published before that moment was acknowledged before it, so it lies below those end offsets.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from shared.background import PeriodicTask
from shared.recovery import BrokerEpoch, epoch_path, read_epoch, recovered_broker, write_atomically

log = logging.getLogger(__name__)

#: Published-at times and the watch's times come from one clock, but a row is marked a moment after its ack.
MARGIN = timedelta(seconds=1)
MAX_SAMPLES = 3600


@dataclass(frozen=True)
class Sample:
    at: datetime
    ends: Mapping[TopicPartition, int]


def safe_sample(samples: Iterable[Sample], committed: Mapping[TopicPartition, int]) -> Sample | None:
    """The latest sample every one of whose end offsets has been committed past (missing commits count as 0)."""
    best = None
    for sample in samples:
        if all(committed.get(tp, 0) >= end for tp, end in sample.ends.items()):
            best = sample
    return best


def slowest_commits(
    per_group: Sequence[Mapping[TopicPartition, int]], ends: Mapping[TopicPartition, int]
) -> dict[TopicPartition, int]:
    """For each partition, the lowest offset any of its consumer groups has committed (0 where one has not)."""
    return {tp: min((group.get(tp, 0) for group in per_group), default=0) for tp in ends}


class SafePointWatch(PeriodicTask):
    """Keeps `DATA_DIR/broker-epoch.json` for the services: the current broker, and since when to replay."""

    task_name = "broker-safe-point"

    def __init__(
        self, *, bootstrap: str, data_dir: Path, consumers: Mapping[str, tuple[str, ...]], recovering: Sequence[str]
    ) -> None:
        super().__init__(interval=1.0)
        self._bootstrap = bootstrap
        self._path = epoch_path(data_dir)
        self._data_dir = data_dir
        self._consumers = consumers  # consumer group -> the topics it consumes
        self._recovering = recovering
        self._samples: deque[Sample] = deque(maxlen=MAX_SAMPLES)
        previous = read_epoch(self._path)
        self.safe_point: datetime | None = previous.safe_point if previous is not None else None
        self._epoch: BrokerEpoch | None = None
        # One client for the end offsets, one per group for its committed offsets (none of them joins a group).
        self._readers: dict[str | None, AIOKafkaConsumer] = {}
        self._stale_clients = False

    def broker_started(self, broker: str) -> BrokerEpoch:
        """A new (empty) broker: what the services must replay into it is what may not have been applied."""
        since = self.safe_point - MARGIN if self.safe_point is not None else None
        self._epoch = BrokerEpoch(broker, replay_since=since, safe_point=self.safe_point)
        self._samples.clear()
        self._stale_clients = True
        write_atomically(self._path, self._epoch.to_json())
        return self._epoch

    async def stop(self) -> None:
        await super().stop()
        await self._close()

    async def tick(self) -> None:
        epoch = self._epoch
        if epoch is None or any(recovered_broker(self._data_dir, name) != epoch.broker for name in self._recovering):
            return  # consumers may still point into the lost logs: nothing they commit means anything yet
        try:
            await self._sample(epoch)
        except KafkaError as error:  # the broker is down or restarting: the launcher says so already
            log.debug("safe point not sampled: %s", error)
            await self._close()
        except Exception:
            await self._close()
            raise

    async def _sample(self, epoch: BrokerEpoch) -> None:
        reader = await self._reader(None)
        at = datetime.now(UTC)
        topics = sorted({topic for consumed in self._consumers.values() for topic in consumed})
        await reader.topics()  # fresh metadata: the partitions of every topic
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(reader.partitions_for_topic(t) or ())]
        ends = await reader.end_offsets(partitions) if partitions else {}
        self._samples.append(Sample(at=at, ends=ends))
        committed = {
            group: await self._committed(group, consumed, partitions) for group, consumed in self._consumers.items()
        }
        slowest: dict[TopicPartition, int] = {}
        for topic in topics:
            groups = [committed[group] for group, consumed in self._consumers.items() if topic in consumed]
            slowest.update(slowest_commits(groups, {tp: end for tp, end in ends.items() if tp.topic == topic}))
        best = safe_sample(self._samples, slowest)
        if best is None or (self.safe_point is not None and best.at <= self.safe_point):
            return
        self.safe_point = best.at
        while self._samples and self._samples[0].at < best.at:
            self._samples.popleft()
        if self._epoch is epoch:
            write_atomically(self._path, BrokerEpoch(epoch.broker, epoch.replay_since, self.safe_point).to_json())

    async def _committed(
        self, group: str, consumed: tuple[str, ...], partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """What `group` has committed on the partitions of the topics it consumes (0 where nothing yet)."""
        reader = await self._reader(group)
        return {tp: await reader.committed(tp) or 0 for tp in partitions if tp.topic in consumed}

    async def _reader(self, group: str | None) -> AIOKafkaConsumer:
        if self._stale_clients:  # connected to the broker that was lost
            self._stale_clients = False
            await self._close()
        reader = self._readers.get(group)
        if reader is None:
            reader = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap, client_id="safe-point", group_id=group, enable_auto_commit=False
            )
            await reader.start()
            self._readers[group] = reader
        return reader

    async def _close(self) -> None:
        readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            await reader.stop()
