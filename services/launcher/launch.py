"""Start-up in order (settings, key, broker, migrations, services, readiness) and shutdown in reverse."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Mapping
from typing import TypeVar

from services.launcher import keys, ports, preflight
from services.launcher.broker import BrokerError, EmbeddedBroker, create_topics
from services.launcher.catalog import SERVICES, Address, ServiceSpec, address_of, select
from services.launcher.console import block, say, warn
from services.launcher.processes import Process, spawn, tail
from services.launcher.readiness import fetch_notes, wait_until_ready
from services.launcher.safe_point import SafePointWatch
from services.launcher.settings import LauncherSettings
from services.launcher.supervisor import Managed, Supervisor
from services.launcher.table import Row, render, render_facts
from shared.runtime import REPLAY_SIGNAL

SERVICE_STOP_GRACE = 10.0
BROKER_STOP_GRACE = 5.0
BROKER_START_SECONDS = 30.0

T = TypeVar("T")


CONSOLE = "console"
CASE_SERVICE = "case_service"
CUSTOMER_PAGES_SETTING = "CASE_SERVICE_CUSTOMER_PAGES_URL"
# The services the console calls, and the setting of the console that says where each one is.
CONSOLE_LINKS = {
    "gateway": "CONSOLE_GATEWAY_URL",
    "case_service": "CONSOLE_CASE_SERVICE_URL",
    "router_service": "CONSOLE_ROUTER_SERVICE_URL",
}


# The settings naming where each service that stores files serves them: case_service signs links to them, the
# console proxies downloads only to them.
STORES_SETTINGS = {"case_service": "CASE_SERVICE_ATTACHMENT_STORES", CONSOLE: "CONSOLE_ATTACHMENT_STORES"}


class StartupFailed(RuntimeError):
    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def child_environment(
    *,
    spec: ServiceSpec,
    settings: LauncherSettings,
    bootstrap: str,
    key_hashes: str,
    token_signing_key: str | None = None,
    attachment_link_key: str | None = None,
) -> dict[str, str]:
    """The launcher's environment plus what every service must agree on, less the other services' own settings (a
    service never holds another's provider secrets). The token signing key goes only to a service that verifies
    tokens, the attachment link key only to one that stores files: the others get them empty, which also overrides
    the key in `.env`."""
    others = tuple(other.env_prefix for other in SERVICES if other.name != spec.name)
    env = {name: value for name, value in os.environ.items() if not name.startswith(others)}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        API_KEY_HASHES=key_hashes,
        DATA_DIR=str(settings.data_dir.resolve()),
        PYTHONUNBUFFERED="1",  # so the last log lines are in the file when a service dies
    )
    if not spec.verifies_tokens:
        env["TOKEN_SIGNING_KEY"] = ""
    elif token_signing_key is not None:
        env["TOKEN_SIGNING_KEY"] = token_signing_key
    if not spec.stores_attachments:
        env["ATTACHMENT_LINK_KEY"] = ""
    elif attachment_link_key is not None:
        env["ATTACHMENT_LINK_KEY"] = attachment_link_key
    return env


def console_links(addresses: Mapping[str, Address]) -> dict[str, str]:
    """The console's settings naming where the launcher started the services it calls."""
    return {setting: addresses[name].base_url for name, setting in CONSOLE_LINKS.items() if name in addresses}


def attachment_stores(addresses: Mapping[str, Address]) -> str:
    """`name=base URL,...` of the started services that store files (CASE_SERVICE_ATTACHMENT_STORES' format)."""
    stores = [spec.name for spec in SERVICES if spec.stores_attachments and spec.name in addresses]
    return ",".join(f"{name}={addresses[name].base_url}" for name in stores)


def child_environments(
    specs: tuple[ServiceSpec, ...],
    *,
    settings: LauncherSettings,
    bootstrap: str,
    key_hashes: str,
    token_signing_key: str | None = None,
    attachment_link_key: str | None = None,
) -> dict[str, dict[str, str]]:
    """`child_environment` of each service, by name."""
    return {
        spec.name: child_environment(
            spec=spec,
            settings=settings,
            bootstrap=bootstrap,
            key_hashes=key_hashes,
            token_signing_key=token_signing_key,
            attachment_link_key=attachment_link_key,
        )
        for spec in specs
    }


class Launch:
    """Everything `python -m services run` starts, so that all of it can be stopped whatever happened."""

    def __init__(self, settings: LauncherSettings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir.resolve()
        self.logs_dir = self.data_dir / "logs"
        self.specs = select(settings.selected_names())
        self.services = Supervisor(restart_limit=settings.restart_limit)
        self.brokers = Supervisor(restart_limit=settings.restart_limit)
        self.embedded: EmbeddedBroker | None = None
        self.safe_point: SafePointWatch | None = None
        self.bootstrap = settings.external_bootstrap() or settings.embedded_bootstrap()
        self.addresses: dict[str, Address] = {}
        self.failed = asyncio.Event()
        """Set when the platform cannot go on (the embedded broker was given up on)."""

    async def start(self) -> None:
        """Each step in order; a step that fails raises StartupFailed and nothing after it runs."""
        began = time.monotonic()
        admin_key = None if self.settings.api_key_hashes.strip() else keys.load_or_generate(self.data_dir)
        key_hashes = admin_key.hash if admin_key else self.settings.api_key_hashes.strip()
        token_key = self._token_key()
        link_key = self._link_key()
        envs = child_environments(
            self.specs,
            settings=self.settings,
            bootstrap=self.bootstrap,
            key_hashes=key_hashes,
            token_signing_key=token_key.key if token_key else None,
            attachment_link_key=link_key.key if link_key else None,
        )
        if CONSOLE in envs and admin_key is not None:
            # The only service given the admin key itself: it obtains each signed-in person's token with it.
            envs[CONSOLE]["CONSOLE_API_KEY"] = admin_key.key
        await self._check_settings(envs)
        if CONSOLE in envs:
            envs[CONSOLE].update(console_links(self.addresses))
        if CONSOLE in self.addresses and CASE_SERVICE in envs:
            # Survey and status links point at the customers' pages the console serves (unless set to a public URL).
            envs[CASE_SERVICE].setdefault(CUSTOMER_PAGES_SETTING, self.addresses[CONSOLE].base_url)
        for name, setting in STORES_SETTINGS.items():
            if name in envs and not envs[name].get(setting, "").strip():
                envs[name][setting] = attachment_stores(self.addresses)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        # Only now: a refused start-up should leave nothing behind, not even a key.
        if admin_key is not None:
            keys.store(admin_key)
            _announce_key(admin_key)
        if token_key is not None:
            keys.store(token_key)
            _announce_token_key(token_key)
        if link_key is not None:
            keys.store(link_key)
        await self._start_broker()
        migrated = await _preflight(preflight.migrate(self.specs, envs=envs))
        if migrated:
            say(f"migrated the databases of {', '.join(migrated)}")
        for spec in self.specs:
            await self.services.launch(self._managed_service(spec, envs[spec.name]))
        if self.safe_point is not None:
            self.safe_point.start()
        say(f"started {', '.join(spec.name for spec in self.specs)}; waiting until ready (logs in {self.logs_dir})")
        await self._wait_ready()
        notes = await fetch_notes(self._base_urls())
        self._print_summary(time.monotonic() - began, admin_key, notes)

    def _token_key(self) -> keys.StoredKey | None:
        """The stored or a new signing key, unless TOKEN_SIGNING_KEY is set (then the services read it themselves)."""
        configured = self.settings.token_signing_key
        if configured is not None and configured.get_secret_value().strip():
            return None
        return keys.load_or_generate(self.data_dir, keys.TOKEN_KEY_FILE)

    def _link_key(self) -> keys.StoredKey | None:
        """The stored or a new attachment link key, unless ATTACHMENT_LINK_KEY is set."""
        configured = self.settings.attachment_link_key
        if configured is not None and configured.get_secret_value().strip():
            return None
        return keys.load_or_generate(self.data_dir, keys.LINK_KEY_FILE)

    async def shutdown(self) -> None:
        """Stop every service (SIGTERM, SIGKILL after 10 s), then the broker. Safe to call whatever started."""
        if self.services.managed:
            say("stopping the services")
        await self.services.stop(grace=SERVICE_STOP_GRACE)
        if self.safe_point is not None:
            await self.safe_point.stop()
        await self.brokers.stop(grace=BROKER_STOP_GRACE)
        if self.embedded is not None:
            await self.embedded.stop(grace=BROKER_STOP_GRACE)
        if self.services.managed or self.embedded is not None:
            say("stopped")

    async def _check_settings(self, envs: Mapping[str, Mapping[str, str]]) -> None:
        say(f"checking the settings of {', '.join(spec.name for spec in self.specs)}")
        await _preflight(preflight.check_settings(self.specs, envs=envs))
        self.addresses = {spec.name: address_of(spec) for spec in self.specs}
        self._refuse_unusable_ports()

    async def _wait_ready(self) -> None:
        within = self.settings.ready_timeout_seconds
        ready = await wait_until_ready(self._base_urls(), within=within, hopeless=self._hopeless)
        self._mark(ready)
        if len(ready) < len(self.specs):
            print(render(self._rows()), flush=True)
            raise StartupFailed(self._not_ready_report(ready))
        if self.embedded is not None and not await ports.accepts_connections("127.0.0.1", self.embedded.port):
            raise StartupFailed(f"the embedded broker stopped answering on {self.bootstrap} during start-up")

    def _refuse_unusable_ports(self) -> None:
        problems = []
        for spec in self.specs:
            address = self.addresses[spec.name]
            problem = ports.listen_problem(address.port, address.host or "127.0.0.1")
            if problem:
                problems.append(f"{spec.name} cannot start: {problem} ({spec.env_prefix}HOST, {spec.port_setting})")
        if problems:
            raise StartupFailed("\n".join(problems) + "\nstop what uses the port or choose another one")

    async def _start_broker(self) -> None:
        partitions = self.settings.kafka_topic_partitions
        if self.settings.external_bootstrap() is not None:
            try:
                created = await create_topics(self.bootstrap, partitions=partitions, within=BROKER_START_SECONDS)
            except BrokerError as error:
                raise StartupFailed(str(error)) from None
            say(f"using the broker at {self.bootstrap}; topics created: {', '.join(created) or 'none missing'}")
            return
        embedded = self.embedded = EmbeddedBroker(
            port=self.settings.embedded_broker_port, log_path=self.logs_dir / "broker.log"
        )
        watch = self.safe_point = SafePointWatch(
            bootstrap=embedded.bootstrap,
            data_dir=self.data_dir,
            consumers={spec.name: spec.consumes for spec in self.specs if spec.consumes},
            recovering=[spec.name for spec in self.specs if spec.recovers],
        )

        async def start() -> Process:
            process = await embedded.start(within=BROKER_START_SECONDS)
            try:
                await create_topics(embedded.bootstrap, partitions=partitions, within=BROKER_START_SECONDS)
            except BaseException:
                await embedded.stop()
                raise
            # Before any service is told: what they must replay into this broker, and its identity.
            watch.broker_started(uuid.uuid4().hex)
            return process

        managed = Managed(
            name="embedded broker",
            start=start,
            log_path=embedded.log_path,
            after_restart=self._broker_restarted,
            on_give_up=self._broker_given_up,
        )
        try:
            await self.brokers.launch(managed)
        except BrokerError as error:
            raise StartupFailed(str(error)) from None
        say(f"embedded broker listening on {embedded.bootstrap} (pid {managed.pid}); topics created")

    def _broker_given_up(self, _: Managed) -> None:
        warn("the services cannot work without the broker: stopping the platform")
        self.failed.set()

    async def _broker_restarted(self, _: Managed) -> None:
        """The in-memory broker lost every record: have each service recover (shared.recovery): rewind its consumer
        and republish its outbox journal since the last safe point."""
        replaying = [spec.name for spec in self.specs if spec.recovers]
        for managed in self.services.managed:
            if managed.name in replaying and managed.process is not None and managed.process.returncode is None:
                os.kill(managed.process.pid, REPLAY_SIGNAL)
        warn(
            f"the embedded broker was restarted on {self.bootstrap} and its topics recreated; it keeps records in "
            f"memory only, so {', '.join(replaying)} republish the events of their outbox journals "
            "(consumers skip what they had already processed)"
        )

    def _managed_service(self, spec: ServiceSpec, env: Mapping[str, str]) -> Managed:
        log_path = self.logs_dir / f"{spec.name}.log"

        async def start() -> Process:
            return await spawn([sys.executable, "-m", spec.module, "serve"], env=env, log_path=log_path)

        return Managed(name=spec.name, start=start, log_path=log_path, after_restart=self._service_restarted)

    async def _service_restarted(self, managed: Managed) -> None:
        url = self.addresses[managed.name].base_url
        if await wait_until_ready({managed.name: url}, within=self.settings.ready_timeout_seconds):
            managed.state = "ready"
            say(f"{managed.name} is ready again at {url}")
        else:
            managed.state = "not ready"
            warn(f"{managed.name} restarted but is not ready after {self.settings.ready_timeout_seconds:.0f} s")

    def _hopeless(self) -> bool:
        return self.failed.is_set() or bool(self.services.gave_up())

    def _base_urls(self) -> dict[str, str]:
        return {name: address.base_url for name, address in self.addresses.items()}

    def _mark(self, ready: set[str]) -> None:
        for managed in self.services.managed:
            if managed.name in ready:
                managed.state = "ready"
            elif managed.state != "gave up":
                managed.state = "not ready"

    def _rows(self) -> list[Row]:
        docs = {spec.name: spec.api_docs for spec in self.specs}
        return [
            Row(service=m.name, url=self.addresses[m.name].base_url, pid=m.pid, state=m.state, docs=docs[m.name])
            for m in self.services.managed
        ]

    def _not_ready_report(self, ready: set[str]) -> str:
        lines = []
        for managed in self.services.managed:
            if managed.name not in ready:
                lines.append(f"{managed.name} is {managed.state}; last lines of {managed.log_path}:")
                lines.append(block(tail(managed.log_path)) or "    | (empty)")
        waited = f"{self.settings.ready_timeout_seconds:g} s, PLATFORM_READY_TIMEOUT_SECONDS"
        return "\n".join([f"not every service became ready (waited at most {waited}):", *lines])

    def _print_summary(
        self, elapsed: float, admin_key: keys.StoredKey | None, notes: Mapping[str, list[str]] | None = None
    ) -> None:
        broker = (
            f"{self.bootstrap} (embedded, in memory)" if self.embedded is not None else f"{self.bootstrap} (external)"
        )
        facts = [
            ("ready in", f"{elapsed:.1f} s"),
            ("broker", broker),
            ("data dir", str(self.data_dir)),
            ("logs", str(self.logs_dir)),
            ("admin key", str(admin_key.path) if admin_key else "API_KEY_HASHES from the environment"),
            ("access tokens", self._token_hint()),
        ]
        if CONSOLE in self.addresses:
            password = self.data_dir / "console-admin.password"
            facts.append((CONSOLE, f"{self.addresses[CONSOLE].base_url} (log in as admin, password in {password})"))
        # What a service reports as switched off by its configuration (e.g. ingest_sms without a Twilio token).
        facts += [(name, note) for name, service_notes in (notes or {}).items() for note in service_notes]
        print("\n" + render(self._rows()) + "\n\n" + render_facts(facts) + "\n\nPress Ctrl-C to stop.\n", flush=True)

    def _token_hint(self) -> str:
        gateway = self.addresses.get("gateway")
        if gateway is None:
            return "issued by the gateway's POST /v1/tokens (the gateway is not started)"
        return f'POST {gateway.base_url}/v1/tokens with the admin key, body {{"role": "supervisor"}}'


def _announce_key(admin_key: keys.StoredKey) -> None:
    if admin_key.is_new:
        say(f"generated an admin API key, stored in {admin_key.path} (mode 600); it is shown only this once:")
        print(f"\n    {admin_key.key}\n", flush=True)
        say("send it as 'Authorization: Bearer <key>'")
    else:
        say(f"using the admin API key in {admin_key.path}")


def _announce_token_key(token_key: keys.StoredKey) -> None:
    made = "generated a token signing key, stored in" if token_key.is_new else "using the token signing key in"
    say(f"{made} {token_key.path} (mode 600)")


async def _preflight(step: Awaitable[T]) -> T:
    """Run a preflight step; its refusal becomes a start-up failure with the same exit code."""
    try:
        return await step
    except preflight.PreflightFailed as failure:
        raise StartupFailed(str(failure), exit_code=failure.exit_code) from None
