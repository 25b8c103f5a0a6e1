"""Webhooks managed one by one, on SQLite and PostgreSQL, against real receivers on
127.0.0.1: read, changed and disabled by id (another client's answered as missing);
created once per Idempotency-Key; a secret rolled without a delivery lost or left
unverifiable; a receiver failing for the set time disabled and its owner told, while
another webhook receives every event; a backlog per webhook in the metrics."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from mutual.settings import Settings
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_events import free_socket, some_entries
from tests.test_permissions import service
from tests.test_webhooks import Received, Receiver, deliveries, subscribe

DISABLE_AFTER = timedelta(days=3)


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    fast = backend_settings.model_copy(
        update={
            "webhook_backoff_base_seconds": 0.05,
            "webhook_backoff_max_seconds": 0.2,
            "webhook_timeout_seconds": 5.0,
            "events_poll_seconds": 0.05,
            "webhook_allowed_hosts": ["127.0.0.1"],
            "webhook_disable_after_seconds": DISABLE_AFTER.total_seconds(),
        }
    )
    async with open_api(fast) as api:
        yield api


async def receiving() -> tuple[Receiver, web.AppRunner]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = free_socket()
    await web.SockSite(runner, sock).start()
    found.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    return found, runner


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    """Two receivers, each answering its own script."""
    started = [await receiving() for _ in range(2)]
    yield [r for r, _ in started]
    for _, runner in started:
        await runner.cleanup()


def signed_by(received: Received, secret: str) -> bool:
    """Whether any of the comma-separated signatures is by ``secret`` (the check
    contracts/events.md gives a receiver, written out independently)."""
    timestamp = received.headers["Mutual-Timestamp"]
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256)
    expected = "v1=" + mac.hexdigest()
    return any(
        hmac.compare_digest(given, expected)
        for given in received.headers["Mutual-Signature"].split(",")
    )


async def hook_of(api: Api, hook_id: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = await api.client.get(f"{API}/webhooks/{hook_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_a_webhook_is_read_changed_and_disabled_by_id(
    api: Api, receivers: list[Receiver]
) -> None:
    """GET, PATCH (URL, filter, enabled) and DELETE act on one subscription, never show
    its secret, refuse a bad change without writing, and answer 404 to another client."""
    client = await service(api, ["events:read"])
    other = await service(api, ["events:read"])
    hook = await subscribe(api, client, url=receivers[0].url, event_types=["account"])
    read = await hook_of(api, hook["id"], client)
    assert "secret" not in read
    assert read == {k: v for k, v in hook.items() if k != "secret"}
    assert (read["event_types"], read["disabled_at"], read["failing_since"]) == (
        ["account.opened"],
        None,
        None,
    )
    for method in ("GET", "PATCH", "DELETE"):
        answer = await api.client.request(
            method,
            f"{API}/webhooks/{hook['id']}",
            json={} if method == "PATCH" else None,
            headers=other,
        )
        assert_problem(answer, 404, "not_found")

    path = f"{API}/webhooks/{hook['id']}"
    changed = await api.client.patch(
        path, json={"url": receivers[1].url, "event_types": ["round", "member"]}, headers=client
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["url"] == receivers[1].url
    assert "round.decided" in changed.json()["event_types"]
    assert "member.accepted" in changed.json()["event_types"]
    for bad, field in (
        ({"event_types": ["payment"]}, "event_types[0]"),
        ({"url": "ftp://x"}, "url"),
    ):
        answer = await api.client.patch(path, json=bad, headers=client)
        assert_problem(answer, 422, "invalid_request", field)
    assert await hook_of(api, hook["id"], client) == changed.json()
    # null: every event; an absent field stays as it was.
    every = await api.client.patch(path, json={"event_types": None}, headers=client)
    assert every.json()["event_types"] is None
    assert every.json()["url"] == receivers[1].url

    off = await api.client.patch(path, json={"enabled": False}, headers=client)
    assert (off.json()["disabled_reason"], off.json()["disabled_at"] is not None) == ("owner", True)
    on = await api.client.patch(path, json={"enabled": True}, headers=client)
    assert (on.json()["disabled_reason"], on.json()["disabled_at"]) == (None, None)
    gone = await api.client.delete(path, headers=client)
    assert gone.status_code == 204
    assert (await hook_of(api, hook["id"], client))["disabled_reason"] == "owner"
    # An operator reads every subscription by id.
    assert (await hook_of(api, hook["id"], api.operator))["id"] == hook["id"]


async def test_creation_is_idempotent_by_key(api: Api, receivers: list[Receiver]) -> None:
    """The same request with the same Idempotency-Key answers the first creation (its
    secret too: the first answer may have been lost); another request with the key is
    refused and writes nothing; another client's same key is theirs."""
    client = await service(api, ["events:read"])
    other = await service(api, ["events:read"])
    body = {"url": receivers[0].url, "event_types": ["member"]}
    key = {"Idempotency-Key": "create-hook-1"}
    first = await api.client.post(f"{API}/webhooks", json=body, headers=client | key)
    again = await api.client.post(f"{API}/webhooks", json=body, headers=client | key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    differs = await api.client.post(
        f"{API}/webhooks", json=body | {"after": -1}, headers=client | key
    )
    assert_problem(differs, 422, "idempotency_key_reused", "Idempotency-Key")
    listed = (await api.client.get(f"{API}/webhooks", headers=client)).json()["items"]
    assert [h["id"] for h in listed] == [first.json()["id"]]
    theirs = await api.client.post(f"{API}/webhooks", json=body, headers=other | key)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    # Racing creations with one key make one subscription.
    racing = {"Idempotency-Key": "create-hook-2"}
    answers = await asyncio.gather(
        *(api.client.post(f"{API}/webhooks", json=body, headers=client | racing) for _ in range(4))
    )
    assert len({a.json()["id"] for a in answers}) == 1
    assert len((await api.client.get(f"{API}/webhooks", headers=client)).json()["items"]) == 2


async def test_a_secret_roll_loses_no_delivery(api: Api, receivers: list[Receiver]) -> None:
    """Rolled with an overlap, every delivery verifies with the old secret and the new
    one until the overlap ends, then with the new one only; every event arrives, in
    order, once."""
    receiver = receivers[0]
    client = await service(api, ["events:read"])
    hook = await subscribe(api, client, url=receiver.url)
    old = hook["secret"]
    await some_entries(api)
    first_size = await api.log_size()
    await receiver.until(first_size - hook["cursor"] - 1)
    assert all(signed_by(r, old) for r in receiver.received)

    rolled = await api.client.post(
        f"{API}/webhooks/{hook['id']}/secret", json={"overlap_seconds": 3600}, headers=client
    )
    assert rolled.status_code == 200, rolled.text
    new = rolled.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    assert "secret" not in await hook_of(api, hook["id"], client)
    before = len(receiver.received)
    await some_entries(api)
    second_size = await api.log_size()
    await receiver.until(second_size - hook["cursor"] - 1)
    during = receiver.received[before:]
    assert during
    assert all(signed_by(r, old) and signed_by(r, new) for r in during)

    # No overlap: the previous secret stops signing at once.
    ended = await api.client.post(
        f"{API}/webhooks/{hook['id']}/secret", json={"overlap_seconds": 0}, headers=client
    )
    newest = ended.json()["secret"]
    before = len(receiver.received)
    await some_entries(api)
    size = await api.log_size()
    await receiver.until(size - hook["cursor"] - 1)
    after = receiver.received[before:]
    assert after
    assert all(signed_by(r, newest) and not signed_by(r, new) for r in after)
    assert "," not in after[0].headers["Mutual-Signature"]
    assert receiver.indexes() == list(range(hook["cursor"] + 1, size))


class Clock:
    """Time that runs on from ``start`` and jumps when ``skip`` says: days of failures
    pass in a moment, while the deliverer's back-off still elapses."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()
        self.skipped = timedelta()

    def __call__(self) -> datetime:
        return self.start + self.skipped + timedelta(seconds=time.monotonic() - self.began)

    def skip(self, span: timedelta) -> None:
        self.skipped += span


def backlogs(text: str) -> dict[str, float]:
    return {
        s.labels["webhook"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "mutual_webhook_subscription_backlog_events"
    }


async def test_a_receiver_failing_for_the_set_time_is_disabled_and_its_owner_told(
    api: Api, receivers: list[Receiver]
) -> None:
    """Failing every attempt, a webhook is retried until it has failed for the set time
    (the clock driven, not waited for), then disabled with its owner notified; another
    webhook receives every event meanwhile; each has its backlog in the metrics."""
    failing, healthy = receivers
    failing.script = [500] * 1000
    clock = Clock(datetime(2027, 3, 1, 8, tzinfo=UTC))
    api.client.app.state.runtime.clock = clock
    bad = await subscribe(api, api.operator, url=failing.url)
    good = await subscribe(api, api.operator, url=healthy.url)
    await some_entries(api)
    size = await api.log_size()

    await failing.until(3)
    await healthy.until(size - good["cursor"] - 1)
    assert healthy.indexes() == list(range(good["cursor"] + 1, size))
    assert set(failing.indexes()) == {bad["cursor"] + 1}  # held at its first event
    read = await hook_of(api, bad["id"], api.operator)
    assert read["disabled_at"] is None
    failing_since = datetime.fromisoformat(read["failing_since"])
    assert clock.start <= failing_since <= clock()
    metrics = backlogs((await api.client.get(f"{API}/metrics", headers=api.operator)).text)
    assert metrics[bad["id"]] == size - 1 - bad["cursor"]
    assert metrics[good["id"]] == 0

    # Short of the set time: still retried.
    clock.skip(failing_since + DISABLE_AFTER - clock() - timedelta(seconds=30))
    seen = len(failing.received)
    await failing.until(seen + 2)
    assert (await hook_of(api, bad["id"], api.operator))["disabled_at"] is None
    # Past it: the next failure disables it, once, and tells its owner.
    clock.skip(timedelta(seconds=31))
    async with asyncio.timeout(15):
        while (read := await hook_of(api, bad["id"], api.operator))["disabled_at"] is None:  # noqa: ASYNC110 -- written to the database by the deliverer
            await asyncio.sleep(0.05)
    assert read["disabled_reason"] == "failing"
    await asyncio.sleep(0.5)
    stopped = len(failing.received)
    await asyncio.sleep(0.5)
    assert len(failing.received) == stopped
    notes = (
        await api.client.get(
            f"{API}/notifications", headers=api.operator | {"Accept-Language": "en"}
        )
    ).json()["items"]
    [note] = [n for n in notes if n["kind"] == "webhook_disabled"]
    assert note["data"]["webhook_id"] == bad["id"]
    assert bad["id"] in note["message"]
    assert "disabled" in note["message"]

    # The healthy webhook goes on; the disabled one leaves the metrics.
    await some_entries(api)
    end = await api.log_size()
    await healthy.until(end - good["cursor"] - 1)
    assert healthy.indexes() == list(range(good["cursor"] + 1, end))
    metrics = backlogs((await api.client.get(f"{API}/metrics", headers=api.operator)).text)
    assert bad["id"] not in metrics
    # Enabled again by its owner, it resumes from its cursor.
    failing.script = []
    assert (
        await api.client.patch(
            f"{API}/webhooks/{bad['id']}", json={"enabled": True}, headers=api.operator
        )
    ).status_code == 200
    await failing.until(len(failing.received) + end - bad["cursor"] - 1)
    assert failing.indexes()[-(end - bad["cursor"] - 1) :] == list(range(bad["cursor"] + 1, end))


async def test_an_entrys_events_are_not_skipped_after_a_failure(
    api: Api, receivers: list[Receiver]
) -> None:
    """An entry yields two events (account.opened, then member.accepted): the receiver
    takes the first and refuses the second; the retry sends the entry's events again from
    its first (marked a replay), so the second arrives and none is skipped."""
    receiver = receivers[0]
    hook = await subscribe(api, api.operator, url=receiver.url, event_types=["account", "member"])
    receiver.script = [200, 500]
    await api.member()
    await receiver.until(4)
    types = [r.event["type"] for r in receiver.received]
    assert types == ["account.opened", "member.accepted"] * 2
    assert len({r.event["index"] for r in receiver.received}) == 1
    log = await deliveries(api, hook, 4)
    assert [(d["status_code"], d["replay"]) for d in log] == [
        (200, False),
        (500, False),
        (200, True),
        (200, False),
    ]
    async with asyncio.timeout(15):
        while (await hook_of(api, hook["id"], api.operator))["cursor"] != log[0]["log_index"]:  # noqa: ASYNC110 -- written by the deliverer
            await asyncio.sleep(0.05)
