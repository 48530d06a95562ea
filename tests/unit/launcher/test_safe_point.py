"""The safe point: the latest moment before which every consumer group has applied everything of its topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiokafka import TopicPartition

from services.launcher.catalog import SERVICES
from services.launcher.safe_point import Sample, safe_sample, slowest_commits
from shared import topics

INBOUND_0, INBOUND_1 = TopicPartition(topics.COMPLAINTS_INBOUND, 0), TopicPartition(topics.COMPLAINTS_INBOUND, 1)
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def at(seconds: int, **ends: int) -> Sample:
    return Sample(at=T0 + timedelta(seconds=seconds), ends={INBOUND_0: ends["p0"], INBOUND_1: ends["p1"]})


def test_the_safe_point_is_the_latest_moment_whose_records_every_group_committed_past() -> None:
    samples = [at(0, p0=10, p1=5), at(1, p0=20, p1=9), at(2, p0=30, p1=12)]

    assert safe_sample(samples, {INBOUND_0: 25, INBOUND_1: 12}) == samples[1]
    assert safe_sample(samples, {INBOUND_0: 30, INBOUND_1: 12}) == samples[2]
    assert safe_sample(samples, {INBOUND_0: 9, INBOUND_1: 12}) is None, "nothing safe yet"
    assert safe_sample(samples, {INBOUND_1: 12}) is None, "a partition never committed counts as offset 0"


def test_the_slowest_group_of_a_partition_decides() -> None:
    fast, slow = {INBOUND_0: 30, INBOUND_1: 12}, {INBOUND_0: 11}
    ends = {INBOUND_0: 30, INBOUND_1: 12}

    assert slowest_commits([fast, slow], ends) == {INBOUND_0: 11, INBOUND_1: 0}
    assert slowest_commits([], ends) == {INBOUND_0: 0, INBOUND_1: 0}


def test_every_topic_has_a_consumer_in_the_catalog() -> None:
    consumed = {topic for spec in SERVICES for topic in spec.consumes}
    assert consumed == set(topics.ALL_TOPICS), "every topic has a consumer whose progress bounds the replay"
