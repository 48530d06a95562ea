"""What case_service makes of a realistic mixed inbound stream, and how long it takes.

    python bench/case_stream.py                       # 10,000 messages from 2,000 customers, SQLite
    python bench/case_stream.py --database-url postgresql+asyncpg://complaints:complaints@127.0.0.1:5432/bench

1. Starts its own embedded broker (tansu) on a free port and a fresh database (a SQLite file in a temporary folder,
   or the PostgreSQL database given, which must exist and be empty), migrated with alembic.
2. Publishes the whole stream to complaints.inbound.v1 first: `--customers` customers over email, SMS, WhatsApp,
   Messenger, Zalo, Telegram, web and phone notes, Vietnamese and English, with follow-ups in the same conversation
   (emails answering the acknowledgement's Message-ID, chat messages), new complaints, a second channel for some
   customers (linked by an integrator's customer_ref), and `--duplicates` of the messages delivered twice.
3. Starts case_service in this process, consuming, and waits until every distinct message is stored.
4. Prints what the database holds (customers, cases by channel and category, threading rules, acknowledgements, the
   events in the outbox) and the time taken: from the service's start (consumer group join included) and from the
   first stored message to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import case_service  # noqa: E402
from case_service.app import create_app  # noqa: E402
from case_service.models import Case, ContactPoint, Customer, Message, TimelineEntry, outbox  # noqa: E402
from case_service.settings import CaseServiceSettings  # noqa: E402
from services.launcher.broker import EmbeddedBroker, create_topics  # noqa: E402
from shared import topics  # noqa: E402
from shared.bus import KafkaBus  # noqa: E402
from shared.cloudevents import new_event  # noqa: E402
from shared.events import AddressKind, Channel, ComplaintMessageReceived, Sender, ThreadRefs  # noqa: E402
from shared.migrations import upgrade  # noqa: E402

CHANNELS: list[tuple[Channel, AddressKind, float]] = [
    (Channel.EMAIL, AddressKind.EMAIL, 0.30),
    (Channel.SMS, AddressKind.PHONE, 0.15),
    (Channel.WHATSAPP, AddressKind.WHATSAPP, 0.15),
    (Channel.MESSENGER, AddressKind.MESSENGER, 0.10),
    (Channel.ZALO, AddressKind.ZALO, 0.10),
    (Channel.TELEGRAM, AddressKind.TELEGRAM, 0.07),
    (Channel.WEB, AddressKind.EMAIL, 0.08),
    (Channel.PHONE, AddressKind.PHONE, 0.05),
]
COMPLAINTS_VI = [
    "Đơn hàng của tôi giao chậm quá, đã một tuần rồi mà chưa nhận được.",
    "Hàng bị vỡ khi nhận, hộp móp méo hết.",
    "Sản phẩm dùng hai ngày đã hỏng, chất lượng quá kém.",
    "Tôi bị trừ tiền hai lần, yêu cầu hoàn tiền ngay.",
    "Nhân viên giao hàng thái độ rất thô lỗ với tôi.",
    "Ứng dụng bị lỗi không đăng nhập được.",
    "Tôi muốn hỏi về chương trình khuyến mãi.",
    "Rất bực mình, lần thứ ba rồi mà vẫn không ai giải quyết! Tôi sẽ kiện.",
]
COMPLAINTS_EN = [
    "My order is late, it has been a week and nothing arrived.",
    "The package arrived damaged and the item is broken.",
    "The product stopped working after two days, poor quality.",
    "I was charged twice, please refund me.",
    "Your courier was rude to me at the door.",
    "The app crashes and I cannot log in.",
    "I have a question about my account.",
    "This is unacceptable, third time I write! Urgent, I will go to a lawyer.",
]
FOLLOW_UPS = ["Any news?", "Có ai trả lời không?", "I am still waiting.", "Mình vẫn đang chờ.", "Please hurry."]
HEADER = (
    "| date | database | messages (distinct) | customers | cases | acks | from start s | first->last stored s "
    "| messages/s |\n|---|---|---|---|---|---|---|---|---|"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--duplicates", type=float, default=0.02, help="share of messages delivered twice")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=1800)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Person:
    def __init__(self, number: int, rng: random.Random) -> None:
        self.number = number
        self.vietnamese = rng.random() < 0.7
        self.name = (
            f"{rng.choice(['Nguyễn', 'Trần', 'Lê', 'Phạm'])} Văn {number}" if self.vietnamese else f"Pat {number}"
        )
        weights = [weight for _, _, weight in CHANNELS]
        self.channels = [rng.choices(CHANNELS, weights)[0]]
        if rng.random() < 0.25:
            self.channels.append(rng.choices(CHANNELS, weights)[0])
        self.ref = f"crm-{number}" if rng.random() < 0.3 else None
        self.last_mail_id: dict[Channel, str] = {}

    def address(self, kind: AddressKind) -> str:
        if kind is AddressKind.EMAIL:
            return f"customer{self.number}@example.com"
        if kind in (AddressKind.PHONE, AddressKind.WHATSAPP):
            return f"+8490{self.number:07d}"
        return f"{kind.value}-{self.number}"


def stream(args: argparse.Namespace) -> list[ComplaintMessageReceived]:
    rng = random.Random(args.seed)
    people = [Person(number, rng) for number in range(args.customers)]
    start = datetime.now(UTC) - timedelta(days=14)
    messages: list[ComplaintMessageReceived] = []
    for index in range(args.messages):
        person = people[index % len(people)] if index < len(people) else rng.choice(people)
        channel, kind, _ = rng.choice(person.channels) if len(person.channels) > 1 else person.channels[0]
        first = channel not in person.last_mail_id
        pool = COMPLAINTS_VI if person.vietnamese else COMPLAINTS_EN
        text = rng.choice(pool) if first or rng.random() < 0.3 else rng.choice(FOLLOW_UPS)
        message_id = f"<{uuid.uuid4()}@mail.example.com>"
        thread = ThreadRefs(message_id=message_id)
        if channel is Channel.EMAIL and not first and rng.random() < 0.7:
            previous = person.last_mail_id[channel]
            thread = ThreadRefs(message_id=message_id, in_reply_to=previous, references=(previous,))
        person.last_mail_id[channel] = message_id
        messages.append(
            ComplaintMessageReceived(
                channel=channel,
                provider="bench",
                provider_message_id=f"bench-{index}",
                received_at=start + timedelta(seconds=index * 100),
                sender=Sender(kind=kind, address=person.address(kind), display_name=person.name),
                subject="Khiếu nại" if channel in (Channel.EMAIL, Channel.WEB) else None,
                text=text,
                language="vi" if person.vietnamese else "en",
                thread=thread,
                customer_ref=person.ref,
            )
        )
    return messages


async def publish(bootstrap: str, messages: list[ComplaintMessageReceived], *, duplicates: float, seed: int) -> int:
    rng = random.Random(seed + 1)
    records = []
    for data in messages:
        event = new_event(data, source="bench")
        copies = 2 if rng.random() < duplicates else 1
        records.extend([(topics.COMPLAINTS_INBOUND, data.sender.address, event.to_json_bytes())] * copies)
    bus = KafkaBus(bootstrap, client_id="bench-publisher")
    await bus.start()
    try:
        for offset in range(0, len(records), 1000):
            await bus.publish_many(records[offset : offset + 1000])
    finally:
        await bus.stop()
    return len(records)


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="case-stream-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'case_service.db'}"
    broker = EmbeddedBroker(port=free_port(), log_path=workdir / "tansu.log")
    await broker.start(within=30)
    try:
        await create_topics(broker.bootstrap, partitions=args.partitions, within=30)
        await asyncio.to_thread(upgrade, Path(case_service.__file__).parent, database_url)
        messages = stream(args)
        published = await publish(broker.bootstrap, messages, duplicates=args.duplicates, seed=args.seed)
        print(f"published {published} records ({len(messages)} distinct messages)", flush=True)
        settings = CaseServiceSettings(
            database_url=database_url, kafka_bootstrap_servers=broker.bootstrap, data_dir=workdir
        )
        app = create_app(settings, consume_events=True, schedule=False)
        started = time.monotonic()
        async with app.router.lifespan_context(app):
            # The service's own sessions: a second SQLite engine in this event loop would wait on the service's
            # write lock inline (shared.sqlite runs SQLite calls on the loop's thread) and stall both.
            sessions = app.state.runtime.sessions
            first_stored: float | None = None
            deadline = started + args.timeout
            while True:
                async with sessions() as session:
                    stored = (
                        await session.execute(select(func.count()).where(Message.direction == "inbound"))
                    ).scalar_one()
                if stored and first_stored is None:
                    first_stored = time.monotonic()
                if stored >= len(messages):
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"only {stored} of {len(messages)} messages stored within {args.timeout} s")
                await asyncio.sleep(0.5)
            done = time.monotonic()
            await report(sessions, args, len(messages), started, first_stored or started, done, database_url)
    finally:
        await broker.stop()


async def report(sessions, args, distinct, started, first_stored, done, database_url) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:

        async def count(query) -> int:  # type: ignore[no-untyped-def]
            return int((await session.execute(query)).scalar_one())

        customers = await count(select(func.count()).select_from(Customer))
        points = await count(select(func.count()).select_from(ContactPoint))
        cases = await count(select(func.count()).select_from(Case))
        acks = await count(select(func.count()).where(Message.purpose == "acknowledgement"))
        timeline = await count(select(func.count()).select_from(TimelineEntry))
        by_channel = Counter(
            dict((await session.execute(select(Case.channel, func.count()).group_by(Case.channel))).all())
        )
        by_category = Counter(
            dict((await session.execute(select(Case.category, func.count()).group_by(Case.category))).all())
        )
        rules = Counter(
            dict(
                (
                    await session.execute(
                        select(Message.thread_rule, func.count())
                        .where(Message.direction == "inbound")
                        .group_by(Message.thread_rule)
                    )
                ).all()
            )
        )
        events = Counter(
            dict((await session.execute(select(outbox.c.topic, func.count()).group_by(outbox.c.topic))).all())
        )
    database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    elapsed, steady = done - started, done - first_stored
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {database}")
    print(
        f"customers {customers} (contact points {points}), cases {cases}, acknowledgements {acks}, timeline {timeline}"
    )
    print(f"cases by channel: {dict(by_channel.most_common())}")
    print(f"cases by category: {dict(by_category.most_common())}")
    print(f"threading rules of inbound messages: {dict(rules.most_common())}")
    print(f"outbox events by topic: {dict(events.most_common())}")
    print(f"time from start {elapsed:.1f} s (group join included); first to last stored {steady:.1f} s")
    print(HEADER)
    print(
        f"| {datetime.now(UTC).date()} | {database} | {distinct} | {customers} | {cases} | {acks} | {elapsed:.1f} "
        f"| {steady:.1f} | {distinct / steady:.0f} |"
    )


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
