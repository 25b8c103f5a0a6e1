"""Webhooks on SQLite and PostgreSQL, against a real HTTP receiver on 127.0.0.1 that
checks each delivery's signature: every event arrives at least once and in order; a
receiver failing is retried with back-off and the delivery log shows every attempt; a
replay delivers again from an index; a disabled subscription receives nothing more; a
client sees and manages its own subscriptions only."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from mutual.api.observability import configure_logging
from mutual.core.events import LEDGER_FAMILIES
from mutual.settings import Settings
from mutual.store import webhooks as webhooks_store
from mutual.usecases import webhooks
from mutual.usecases.errors import InvalidRequest
from mutual.usecases.runtime import Runtime
from tests.conftest import OPERATOR, member, open_member_account
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_events import free_socket, page_all, some_entries
from tests.test_permissions import service, token

# Small enough for retries to happen within a test, large enough to be measured.
BACKOFF = 0.2


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    fast = backend_settings.model_copy(
        update={
            "webhook_backoff_base_seconds": BACKOFF,
            "webhook_timeout_seconds": 5.0,
            "events_poll_seconds": 0.05,
            # The receivers of these tests listen on loopback, refused unless allowed.
            "webhook_allowed_hosts": ["127.0.0.1"],
        }
    )
    async with open_api(fast) as api:
        yield api


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def event(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class Receiver:
    """An HTTP endpoint answering each delivery with the next scripted status (200 once
    the script is used up), keeping every request as it came."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(Received(dict(request.headers), await request.read(), time.time()))
        async with self.arrived:
            self.arrived.notify_all()
        return web.Response(status=self.script.pop(0) if self.script else 200)

    async def until(self, count: int) -> None:
        """Wait (on this loop, the receiver's) until ``count`` requests have come."""
        async with asyncio.timeout(15), self.arrived:
            await self.arrived.wait_for(lambda: len(self.received) >= count)

    def indexes(self) -> list[int]:
        return [r.event["index"] for r in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = free_socket()
    site = web.SockSite(runner, sock)
    await site.start()
    found.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    yield found
    await runner.cleanup()


def verified(received: Received, secret: str) -> bool:
    """The check a receiver makes (contracts/events.md), written out independently."""
    timestamp = received.headers["Mutual-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    return (
        hmac.compare_digest(received.headers["Mutual-Signature"], f"v1={expected}")
        and abs(time.time() - int(timestamp)) < 300
        and received.headers["Mutual-Event-Id"] == received.event["id"]
    )


# The ledger's own events: one per log index, which the tests of delivery count on (the
# domain events an entry yields are tested in tests/test_domain_events.py).
LEDGER = list(LEDGER_FAMILIES)


async def subscribe(api: Api, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("event_types", LEDGER)
    created = await api.client.post(f"{API}/webhooks", json=body, headers=headers)
    assert created.status_code == 201, created.text
    hook: dict[str, Any] = created.json()
    assert hook["secret"].startswith("whsec_")
    return hook


async def deliveries(api: Api, hook: dict[str, Any], count: int = 0) -> list[dict[str, Any]]:
    """The delivery log, once it has ``count`` attempts (an attempt is logged once its
    answer is in, a moment after the receiver saw it)."""
    async with asyncio.timeout(15):
        while True:
            answer = await api.client.get(
                f"{API}/webhooks/{hook['id']}/deliveries", headers=api.operator
            )
            assert answer.status_code == 200, answer.text
            found: list[dict[str, Any]] = answer.json()["items"]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)


async def backlog(api: Api) -> float:
    text = (await api.client.get(f"{API}/metrics", headers=api.operator)).text
    return next(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "mutual_webhook_backlog_events"
    )


async def test_every_event_is_delivered_in_order_and_signed(api: Api, receiver: Receiver) -> None:
    """From the first index on: each event once, in log order, signed with the secret,
    the same document as the event list gives; the cursor ends at the last index."""
    client = await service(api, ["events:read"])
    hook = await subscribe(api, client, url=receiver.url, after=-1)
    await some_entries(api)
    size = await api.log_size()
    await receiver.until(size)
    assert receiver.indexes() == list(range(size))
    assert all(verified(r, hook["secret"]) for r in receiver.received)
    assert [r.event for r in receiver.received] == await page_all(
        api, api.operator, limit=1000, types=LEDGER
    )
    assert all(r.headers["Content-Type"] == "application/json" for r in receiver.received)

    log = await deliveries(api, hook, size)
    assert [(d["log_index"], d["status_code"], d["attempt"], d["replay"]) for d in log] == [
        (i, 200, 1, False) for i in range(size)
    ]
    assert [d["event_id"] for d in log] == [r.event["id"] for r in receiver.received]
    listed = (await api.client.get(f"{API}/webhooks", headers=client)).json()["items"]
    assert [(h["id"], h["cursor"], h["failures"]) for h in listed] == [(hook["id"], size - 1, 0)]
    assert "secret" not in listed[0]
    assert await backlog(api) == 0


async def test_a_failing_receiver_is_retried_with_backoff(api: Api, receiver: Receiver) -> None:
    """500, then 503, then 200: the same event three times, the waits growing, each
    attempt in the delivery log; the next event only after the 200."""
    hook = await subscribe(api, api.operator, url=receiver.url)
    receiver.script = [500, 503]
    await some_entries(api)
    size = await api.log_size()
    first = hook["cursor"] + 1
    await receiver.until(2)
    # Not delivered yet: counted in the backlog while the retries wait.
    assert await backlog(api) >= 1
    await receiver.until(size - first + 2)
    assert receiver.indexes() == [first, first, *range(first, size)]
    assert len({r.body for r in receiver.received[:3]}) == 1
    assert all(verified(r, hook["secret"]) for r in receiver.received)
    gaps = [b.at - a.at for a, b in zip(receiver.received[:2], receiver.received[1:3], strict=True)]
    # Waits of base · 2^(n-1) times a factor between 0.5 and 1: at least 0.1 s, then 0.2 s.
    assert gaps[0] >= BACKOFF * 0.5 * 0.9
    assert gaps[1] >= BACKOFF * 0.9

    log = await deliveries(api, hook, size - first + 2)
    assert [(d["log_index"], d["status_code"], d["attempt"]) for d in log[:4]] == [
        (first, 500, 1),
        (first, 503, 2),
        (first, 200, 3),
        (first + 1, 200, 1),
    ]
    times = [datetime.fromisoformat(d["attempted_at"]) for d in log[:3]]
    assert times[0] < times[1] < times[2]
    shown = (await api.client.get(f"{API}/webhooks", headers=api.operator)).json()["items"]
    assert [(h["failures"], h["cursor"]) for h in shown] == [(0, size - 1)]


async def test_an_unreachable_receiver_is_logged_and_backed_off(api: Api) -> None:
    sock = free_socket()  # bound, never listening: connections are refused
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    try:
        hook = await subscribe(api, api.operator, url=url, after=-1)
        log = await deliveries(api, hook, 3)
        assert [(d["log_index"], d["status_code"], d["attempt"]) for d in log[:3]] == [
            (0, None, 1),
            (0, None, 2),
            (0, None, 3),
        ]
        assert all(d["error"] for d in log)
        shown = (await api.client.get(f"{API}/webhooks", headers=api.operator)).json()["items"][0]
        assert shown["cursor"] == -1
        assert shown["failures"] >= 3
        assert datetime.fromisoformat(shown["next_attempt_at"]) > datetime.fromisoformat(
            log[-1]["attempted_at"]
        )
    finally:
        sock.close()


async def test_a_replay_delivers_again_from_an_index(api: Api, receiver: Receiver) -> None:
    hook = await subscribe(api, api.operator, url=receiver.url, after=-1)
    await some_entries(api)
    size = await api.log_size()
    await receiver.until(size)
    await deliveries(api, hook, size)
    path = f"{API}/webhooks/{hook['id']}/replay"
    assert_problem(
        await api.client.post(path, json={"from_index": size + 1}, headers=api.operator),
        422,
        "invalid_request",
        "from_index",
    )
    replayed = await api.client.post(path, json={"from_index": 2}, headers=api.operator)
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["cursor"] == 1
    await receiver.until(2 * size - 2)
    await some_entries(api)
    grown = await api.log_size()
    await receiver.until(2 * size - 2 + grown - size)
    assert receiver.indexes() == [*range(size), *range(2, size), *range(size, grown)]
    assert all(verified(r, hook["secret"]) for r in receiver.received)
    # The same events: a consumer deduplicating by id sees each once.
    assert len({r.event["id"] for r in receiver.received}) == grown
    log = await deliveries(api, hook, len(receiver.received))
    assert [(d["log_index"], d["replay"]) for d in log] == [
        *((i, False) for i in range(size)),
        *((i, True) for i in range(2, size)),
        *((i, False) for i in range(size, grown)),
    ]


async def test_a_disabled_subscription_receives_nothing_more(api: Api, receiver: Receiver) -> None:
    """Disabled, it receives nothing while another subscription, still enabled, gets
    the events written after; it is still listed, and cannot be replayed."""
    gone = await subscribe(api, api.operator, url=receiver.url + "?gone")
    kept = await subscribe(api, api.operator, url=receiver.url + "?kept")
    await some_entries(api)
    size = await api.log_size()
    first = gone["cursor"] + 1
    await receiver.until(2 * (size - first))
    await deliveries(api, gone, size - first)
    disabled = await api.client.delete(f"{API}/webhooks/{gone['id']}", headers=api.operator)
    assert disabled.status_code == 204, disabled.text
    before = len(receiver.received)
    await some_entries(api)
    grown = await api.log_size()
    await receiver.until(before + grown - size)
    await asyncio.sleep(0.3)  # several polls of the deliverer: the disabled one stays quiet
    late = receiver.received[before:]
    assert [r.event["index"] for r in late] == list(range(size, grown))
    assert all(verified(r, kept["secret"]) for r in late)
    shown = {
        h["id"]: h
        for h in (await api.client.get(f"{API}/webhooks", headers=api.operator)).json()["items"]
    }
    assert shown[gone["id"]]["disabled_at"] is not None
    assert shown[gone["id"]]["cursor"] == size - 1
    assert shown[kept["id"]]["disabled_at"] is None
    assert_problem(
        await api.client.post(
            f"{API}/webhooks/{gone['id']}/replay", json={"from_index": 0}, headers=api.operator
        ),
        422,
        "invalid_request",
    )
    # Disabling again changes nothing.
    again = await api.client.delete(f"{API}/webhooks/{gone['id']}", headers=api.operator)
    assert again.status_code == 204
    assert (await api.client.get(f"{API}/webhooks", headers=api.operator)).json()["items"][
        0
    ] == shown[gone["id"]]


async def test_a_filter_delivers_only_its_types(api: Api, receiver: Receiver) -> None:
    hook = await subscribe(
        api, api.operator, url=receiver.url, after=-1, event_types=["transaction"]
    )
    assert hook["event_types"] == sorted(
        t for t in hook["event_types"] if t.startswith("transaction.")
    )
    await some_entries(api)
    expected = [
        e["index"]
        for e in await page_all(api, api.operator, limit=1000)
        if e["type"].startswith("transaction.")
    ]
    await receiver.until(len(expected))
    size = await api.log_size()
    shown: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while not shown or shown[0]["cursor"] != size - 1:
            await asyncio.sleep(0.05)
            shown = (await api.client.get(f"{API}/webhooks", headers=api.operator)).json()["items"]
    assert receiver.indexes() == expected
    # Entries the filter leaves out are passed over, not owed.
    assert await backlog(api) == 0


async def test_subscriptions_are_checked_and_kept_to_their_owner(
    api: Api, receiver: Receiver
) -> None:
    one = await service(api, ["events:read"])
    other = await service(api, ["events:read"])
    for body, where in (
        ({"url": "ftp://127.0.0.1/hook"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "http://user:secret@127.0.0.1/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": receiver.url, "event_types": ["payment"]}, "event_types[0]"),
        ({"url": receiver.url, "after": 10**6}, "after"),
    ):
        refused = await api.client.post(f"{API}/webhooks", json=body, headers=one)
        assert_problem(refused, 422, "invalid_request", where)
    mine = await subscribe(api, one, url=receiver.url)
    theirs = await subscribe(api, other, url=receiver.url)
    assert [
        h["id"] for h in (await api.client.get(f"{API}/webhooks", headers=one)).json()["items"]
    ] == [mine["id"]]
    everyone = (await api.client.get(f"{API}/webhooks", headers=api.operator)).json()["items"]
    assert {h["id"] for h in everyone} == {mine["id"], theirs["id"]}
    auditor = await token(api, ["auditor"])
    assert len((await api.client.get(f"{API}/webhooks", headers=auditor)).json()["items"]) == 2
    hook_path = f"{API}/webhooks/{theirs['id']}"
    for answer in (
        await api.client.delete(hook_path, headers=one),
        await api.client.get(f"{hook_path}/deliveries", headers=one),
        await api.client.post(f"{hook_path}/replay", json={"from_index": 0}, headers=one),
    ):
        assert_problem(answer, 404, "not_found")
    without = await service(api, ["ledger:read"])
    for answer in (
        await api.client.post(f"{API}/webhooks", json={"url": receiver.url}, headers=without),
        await api.client.post(f"{API}/webhooks", json={"url": receiver.url}, headers=auditor),
        await api.client.delete(hook_path, headers=auditor),
    ):
        assert_problem(answer, 403, "not_authorised")
    trail = (await api.client.get(f"{API}/audit", headers=api.operator)).json()["items"]
    assert [e["operation"] for e in trail].count("createWebhook") == 2


INTERNAL = [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "192.0.2.1", "224.0.0.1", "::1", "fe80::1", "fc00::1",
    "0.0.0.0",  # noqa: S104 -- checked, never bound
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::",
]  # fmt: skip


def stub(*addresses: str) -> webhooks.Resolver:
    """A resolver answering ``addresses`` for any name, without asking any DNS."""

    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


async def test_the_address_check_refuses_internal_addresses() -> None:
    """A URL whose host resolves to any loopback, private, link-local, shared, reserved,
    multicast or unspecified address (alone or among public ones) is refused, unless the
    operator allowed that host; a public one is what the delivery connects to."""
    url = "https://hooks.example.org/in"
    for address in INTERNAL:
        for answer in ((address,), ("203.0.114.7", address)):
            with pytest.raises(InvalidRequest):
                await webhooks.destination(url, frozenset(), stub(*answer))
        assert await webhooks.destination(url, {"hooks.example.org"}, stub(address)) is None
    assert await webhooks.destination(url, frozenset(), stub("8.8.8.8")) == "8.8.8.8"
    with pytest.raises(InvalidRequest):
        await webhooks.destination(url, frozenset(), stub())


async def test_a_subscription_to_an_internal_address_is_refused(
    backend_settings: Settings,
) -> None:
    """Without the operator's leave, loopback receivers (by address or by a name that
    resolves there) are refused when subscribing, and nothing is kept."""
    async with open_api(backend_settings) as api:
        for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/"):
            refused = await api.client.post(
                f"{API}/webhooks", json={"url": url}, headers=api.operator
            )
            assert_problem(refused, 422, "invalid_request", "url")
        assert (await api.client.get(f"{API}/webhooks", headers=api.operator)).json()["items"] == []


async def test_a_name_rebound_to_an_internal_address_is_not_delivered(
    runtime: Runtime, receiver: Receiver
) -> None:
    """A name that resolved to a public address when subscribed and to loopback when
    delivering (DNS rebinding) gets no request: the attempt is logged as refused. Both
    answers come from stub resolvers, so no name is ever looked up."""
    await open_member_account(runtime, member())
    port = urlsplit(receiver.url).port
    created = await webhooks.create(
        runtime,
        OPERATOR,
        url=f"http://rebound.example:{port}/hook",
        event_types=None,
        after=-1,
        resolve=stub("8.8.8.8"),
    )
    subscription = created.subscription
    deliverer = webhooks.Deliverer(runtime, resolve=stub("127.0.0.1"))
    deliverer.start()
    try:
        async with asyncio.timeout(15):
            while not (  # noqa: ASYNC110 -- the attempt is written to the database
                attempts := await webhooks_store.deliveries(
                    runtime.db, subscription.id, after=None, limit=10
                )
            ):
                await asyncio.sleep(0.05)
    finally:
        await deliverer.stop()
    assert attempts[0].status_code is None
    assert (attempts[0].error or "").startswith("refused:")
    assert receiver.received == []


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The service's own logging (``configure_logging``) for the test, its standard error
    lines read back as JSON; the root logger's handlers and level put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("INFO")
    written = io.StringIO()
    for handler in root.handlers:
        if handler.name == "stderr" and isinstance(handler, logging.StreamHandler):
            handler.setStream(written)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in written.getvalue().splitlines()]

    try:
        yield lines
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


async def test_no_log_line_holds_a_query_string(
    api: Api, receiver: Receiver, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    """Requests with query strings and a webhook delivered to a URL whose query holds a
    token: httpx logs every one of them, and no line holds a query string or the token."""
    hook = await subscribe(api, api.operator, url=f"{receiver.url}?token=secret-42")
    await some_entries(api)
    for params in ({"limit": 1}, {"q": "vélo", "include_closed": "true"}):
        path = "/members" if "limit" in params else "/offers"
        answer = await api.client.get(f"{API}{path}", params=params, headers=api.operator)
        assert answer.status_code == 200, answer.text
    await receiver.until(1)
    await deliveries(api, hook, 1)
    lines = json_logs()
    requests = [line["message"] for line in lines if line["message"].startswith("HTTP Request")]
    assert any(receiver.url in message for message in requests), requests
    assert any("/api/v1/members" in message for message in requests), requests
    leaked = [line for line in lines if re.search(r"\?\w+=|secret-42", json.dumps(line))]
    assert leaked == []
