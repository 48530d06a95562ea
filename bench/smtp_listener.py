"""How many mails per second ingest_email's SMTP listener parses and makes durable (and publishes).

Self-contained (see bench/README.md):

    python bench/smtp_listener.py --concurrency 8 --seconds 5

1. Starts an embedded broker (tansu, in memory) and ingest_email in this process (its app with the lifespan
   running: SMTP listener, outbox relay), on a SQLite file in a scratch DATA_DIR (or `--database-url`).
2. `--concurrency` smtplib clients, each on one connection, send mails back to back for `--seconds`: a Vietnamese
   multipart/alternative mail with a `--attachment-kb` attachment, each with its own Message-ID and sender. A 250
   answer means the mail was normalized (charsets, HTML, quotes, attachments stored) and committed to the outbox.
3. Waits until the relay has published every accepted mail to the broker, and reports both rates.

Prints a markdown table row for bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import smtplib
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from ingest_email.app import create_app  # noqa: E402
from ingest_email.models import outbox  # noqa: E402
from ingest_email.settings import IngestEmailSettings  # noqa: E402
from shared.migrations import upgrade  # noqa: E402
from tests.support.broker import running_broker  # noqa: E402

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "ingest_email"
TEXT = "Tôi đã đặt hàng tuần trước nhưng chưa nhận được. Mã đơn 12345. Xin hãy kiểm tra giúp tôi.\n" * 5


def mail(n: int, attachment: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = f"Khách {n} <khach-{n}-{uuid.uuid4().hex[:8]}@vidu.vn>"
    message["To"] = "support@example.com"
    message["Subject"] = f"Khiếu nại đơn hàng {n}"
    message["Message-ID"] = f"<{uuid.uuid4()}@vidu.vn>"
    message.set_content(TEXT)
    message.add_alternative(f"<p>{TEXT}</p>", subtype="html")
    if attachment:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="hoa-don.pdf")
    return message.as_bytes(policy=SMTP)  # CRLF line ends: smtplib sends bytes as they are


def client(port: int, until: float, attachment: bytes, counts: list[int], index: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        n = 0
        while time.monotonic() < until:
            smtp.sendmail("bench@vidu.vn", ["support@example.com"], mail(index * 1_000_000 + n, attachment))
            n += 1
        counts[index] = n


async def listening(app: object) -> int:
    """The SMTP listener's port, once it listens (it starts with the service's background tasks)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        port = app.state.smtp.port  # type: ignore[attr-defined]
        if port is not None:
            return int(port)
        await asyncio.sleep(0.05)  # noqa: ASYNC110 - the listener offers no event to wait on
    raise TimeoutError("the SMTP listener did not start")


async def outbox_counts(app: object) -> tuple[int, int]:
    async with app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        total = await session.scalar(select(func.count()).select_from(outbox))
        published = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_not(None))
        )
    return int(total or 0), int(published or 0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--attachment-kb", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/ingest_email.db"
        await asyncio.to_thread(upgrade, PACKAGE_DIR, url)
        async with running_broker() as bootstrap:
            settings = IngestEmailSettings(
                database_url=url,
                kafka_bootstrap_servers=bootstrap,
                data_dir=Path(scratch),
                smtp_port=0,
                log_level="WARNING",
            )
            app = create_app(settings)
            app.state.runtime.consumer = None  # the outbound side is not measured
            async with app.router.lifespan_context(app):
                port = await listening(app)
                attachment = os.urandom(args.attachment_kb * 1024)
                load = os.getloadavg()[0]
                counts = [0] * args.concurrency
                started = time.monotonic()
                until = started + args.seconds
                threads = [
                    threading.Thread(target=client, args=(port, until, attachment, counts, i))
                    for i in range(args.concurrency)
                ]
                for thread in threads:
                    thread.start()
                await asyncio.to_thread(lambda: [thread.join() for thread in threads])
                accepted_in = time.monotonic() - started
                accepted = sum(counts)
                while True:
                    total, published = await outbox_counts(app)
                    if published >= total:
                        break
                    await asyncio.sleep(0.1)
                published_in = time.monotonic() - started
    database = "PostgreSQL" if args.database_url and "postgresql" in args.database_url else "SQLite"
    print(
        f"| {date.today()} | {load:.1f} | {database} | {args.concurrency} | {args.seconds:g} | {args.attachment_kb} "
        f"| {accepted / accepted_in:.0f} | {accepted} | {total} | {published / published_in:.0f} "
        f"| {platform.python_version()} |"
    )


if __name__ == "__main__":
    asyncio.run(main())
