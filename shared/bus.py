"""The producing half of the Kafka bus: one acks=all producer per process, and topic creation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from shared.cloudevents import CONTENT_TYPE, CloudEvent

log = logging.getLogger(__name__)

Headers = Sequence[tuple[str, bytes]]
TOPIC_ALREADY_EXISTS = 36


class BrokerUnavailable(RuntimeError):
    """The broker did not acknowledge a record: the caller must not report success."""


class KafkaBus:
    """Publishes CloudEvents in structured mode. A publish returns only once the broker acknowledged it (acks=all)."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, request_timeout_ms: int = 10_000) -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._timeout_ms = request_timeout_ms
        self._producer: AIOKafkaProducer | None = None
        self._retry: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect; when the broker is not there yet, keep trying in the background (publishes fail meanwhile)."""
        try:
            await self._connect()
        except KafkaError as error:
            log.warning("broker not reachable (%s); retrying in the background", error)
            self._retry = asyncio.create_task(self._connect_until_up(), name="bus-connect")

    async def _connect_until_up(self) -> None:
        while self._producer is None:
            await asyncio.sleep(1)
            try:
                await self._connect()
            except KafkaError:
                continue
        log.info("broker reachable again")

    async def _connect(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=False,  # the embedded broker has no idempotent producer; consumers dedup instead
            request_timeout_ms=self._timeout_ms,
            linger_ms=2,
        )
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    @property
    def started(self) -> bool:
        return self._producer is not None

    async def publish(self, topic: str, event: CloudEvent, *, key: str | None) -> None:
        await self.publish_raw(topic, value=event.to_json_bytes(), key=_encode(key), headers=event_headers())

    async def publish_many(self, items: Iterable[tuple[str, str | None, bytes]]) -> None:
        """Publish (topic, key, value) records concurrently; returns once every one is acknowledged."""
        producer = self._require()
        try:
            futures = [
                await producer.send(topic, value=value, key=_encode(key), headers=list(event_headers()))
                for topic, key, value in items
            ]
            await asyncio.gather(*futures)
        except KafkaError as error:
            raise BrokerUnavailable(str(error)) from error

    async def publish_raw(self, topic: str, *, value: bytes, key: bytes | None, headers: Headers = ()) -> None:
        producer = self._require()
        try:
            await producer.send_and_wait(topic, value=value, key=key, headers=list(headers))
        except KafkaError as error:
            raise BrokerUnavailable(str(error)) from error

    async def ping(self) -> None:
        """Raise unless the broker answers a metadata request."""
        producer = self._require()
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout=3)
        except (KafkaError, TimeoutError) as error:
            raise BrokerUnavailable(str(error) or type(error).__name__) from error

    def _require(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise BrokerUnavailable("producer not started")
        return self._producer


def event_headers() -> Headers:
    return (("content-type", CONTENT_TYPE.encode()),)


def _encode(key: str | None) -> bytes | None:
    return key.encode() if key is not None else None


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str], *, partitions: int, replication_factor: int = 1
) -> list[str]:
    """Create the missing topics; returns the names created. Existing topics are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="topic-setup")
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=replication_factor) for name in topics]
        )
    finally:
        await admin.close()
    created = []
    for name, code, message in response.topic_errors:
        if code == 0:
            created.append(name)
        elif code != TOPIC_ALREADY_EXISTS:
            raise BrokerUnavailable(f"creating topic {name}: error {code} {message}")
    return created
