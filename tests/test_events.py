"""The event stream on SQLite and PostgreSQL: the log read by cursor returns every entry
exactly once and in order, each typed and carrying the entry as the log holds it; a
filter picks types or families; server-sent events follow the log as it grows (against
a real server) and resume from Last-Event-ID; only holders of events:read, operators and
auditors read it."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn

from mutual.api.app import create_app
from mutual.core.accounts import OwnerKind
from mutual.core.events import EVENT_TYPES, FAMILIES
from mutual.settings import Settings
from tests.conftest import open_pool
from tests.test_api import API, Api, assert_problem
from tests.test_permissions import service, token
from tests.test_projects import api

__all__ = ["api"]


async def some_entries(api: Api) -> None:
    """Keys, accounts and transactions: several families of events."""
    _, account = await api.member()
    pool = await api.account(
        owner_kind="commons_pool", owner_id="commons", balance_min=None, balance_max=None
    )
    for minutes in (30, 45):
        paid = await api.pay(api.operator, pool, account, minutes, api.operator_key)
        assert paid.status_code == 201, paid.text


async def page_all(
    api: Api, headers: dict[str, str], *, limit: int, **params: Any
) -> list[dict[str, Any]]:
    """Every event, page by page, following each page's next link until caught up."""
    seen: list[dict[str, Any]] = []
    answer = await api.client.get(
        f"{API}/events", params={"limit": limit, **params}, headers=headers
    )
    while True:
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        seen.extend(page["items"])
        assert answer.headers["Link"] == f'<{page["next"]}>; rel="next"'
        if page["caught_up"]:
            return seen
        answer = await api.client.get(page["next"], headers=headers)


async def test_paging_by_cursor_returns_every_entry_once_in_order(api: Api) -> None:
    await some_entries(api)
    size = await api.log_size()
    events = await page_all(api, api.operator, limit=3)
    # Each entry's own event once, in order; its domain events (here the member's
    # acceptance) right after it, at its index.
    ledger = [e for e in events if "entry" in e]
    assert [e["index"] for e in ledger] == list(range(size))
    assert [e["index"] for e in events] == sorted(e["index"] for e in events)
    assert len({e["id"] for e in events}) == len(events)
    assert all(e["type"] in EVENT_TYPES for e in events)
    assert {"key_event.register", "account.opened", "transaction.exchange", "member.accepted"} <= {
        e["type"] for e in events
    }
    now = datetime.now(UTC)
    for event in ledger:
        assert event["type"].startswith(event["entry"]["type"] + ".")
        assert now - timedelta(minutes=5) < datetime.fromisoformat(event["recorded_at"]) <= now
    # The event's id is the id its inclusion proof is asked by, with the same entry.
    exchange = next(e for e in events if e["type"] == "transaction.exchange")
    proof = await api.client.get(
        f"{API}/log/proofs/inclusion", params={"id": exchange["id"]}, headers=api.operator
    )
    assert proof.status_code == 200, proof.text
    assert (proof.json()["log_index"], proof.json()["entry"]) == (
        exchange["index"],
        exchange["entry"],
    )
    assert exchange["entry"]["payload"]["memo_sha256"]  # the memo itself is not there

    # One page of everything agrees; past the end there is nothing, and no moving back.
    whole = await api.client.get(f"{API}/events", params={"limit": 1000}, headers=api.operator)
    assert (whole.json()["items"], whole.json()["caught_up"]) == (events, True)
    past = await api.client.get(f"{API}/events", params={"after": size - 1}, headers=api.operator)
    assert (past.json()["items"], past.json()["caught_up"]) == ([], True)
    # The cursor is where to read on: the same place as the last index seen; the link
    # from a page asked by `after` carries the cursor instead.
    assert past.json()["next_cursor"] == whole.json()["next_cursor"]
    assert "after=" not in past.json()["next"]
    assert (await api.client.get(past.json()["next"], headers=api.operator)).status_code == 200
    on = await api.client.get(whole.json()["next"], headers=api.operator)
    assert (on.json()["items"], on.json()["next_cursor"]) == ([], whole.json()["next_cursor"])
    assert_problem(
        await api.client.get(
            f"{API}/events",
            params={"after": 0, "cursor": whole.json()["next_cursor"]},
            headers=api.operator,
        ),
        422,
        "invalid_request",
        "cursor",
    )
    assert_problem(
        await api.client.get(f"{API}/events", params={"after": -2}, headers=api.operator),
        422,
        "invalid_request",
    )


async def test_a_filter_picks_types_and_families(api: Api) -> None:
    await some_entries(api)
    everything = await page_all(api, api.operator, limit=1000)
    for params, admitted in (
        ({"types": "transaction"}, set(FAMILIES["transaction"])),
        ({"types": "account.opened,key_event.register"}, {"account.opened", "key_event.register"}),
        ({"types": ["transaction.exchange", "bounds"]}, {"transaction.exchange", "bounds.changed"}),
    ):
        picked = await page_all(api, api.operator, limit=2, **params)
        assert picked == [e for e in everything if e["type"] in admitted], params
        assert picked
    # A filter admitting nothing logged yet still moves the cursor to the end.
    nothing = await api.client.get(
        f"{API}/events", params={"types": "round.executed"}, headers=api.operator
    )
    assert (nothing.json()["items"], nothing.json()["caught_up"]) == ([], True)
    at_end = await api.client.get(
        f"{API}/events",
        params={"types": "round.executed", "after": everything[-1]["index"]},
        headers=api.operator,
    )
    assert nothing.json()["next_cursor"] == at_end.json()["next_cursor"]
    assert_problem(
        await api.client.get(f"{API}/events", params={"types": "payment"}, headers=api.operator),
        422,
        "invalid_request",
        "types",
    )


async def test_who_reads_the_events(api: Api) -> None:
    """A service client needs events:read; operators and auditors read; residents not."""
    member_headers, _ = await api.member()
    without = await service(api, ["ledger:read", "rounds:read"])
    with_scope = await service(api, ["events:read"])
    auditor = await token(api, ["auditor"])
    for path in ("/events", "/webhooks"):
        assert_problem(await api.client.get(f"{API}{path}", headers=without), 403, "not_authorised")
        assert_problem(
            await api.client.get(f"{API}{path}", headers=member_headers), 403, "not_authorised"
        )
        assert_problem(await api.client.get(f"{API}{path}"), 401, "not_authenticated")
        for headers in (with_scope, auditor, api.operator):
            answer = await api.client.get(f"{API}{path}", headers=headers)
            assert answer.status_code == 200, answer.text
    assert_problem(
        await api.client.get(f"{API}/events/stream", params={"after": -1}, headers=without),
        403,
        "not_authorised",
    )


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The app behind a real HTTP server on a free loopback port (the test client
    collects a whole answer before returning it, so it cannot follow a stream)."""
    sock = free_socket()
    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        access_log=False,
        log_config=None,
        http="h11",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 -- uvicorn has no event to wait on
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}{API}"
    finally:
        server.should_exit = True
        # Bounded: the stream must have ended when its client left, or this times out.
        await asyncio.wait_for(task, 10)
        sock.close()


async def sse_messages(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """Each message of an event stream as its fields (a comment as ``comment``)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if fields:
                yield fields
            fields = {}
        elif line.startswith(":"):
            fields["comment"] = line[1:].strip()
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


async def test_the_stream_follows_the_log_and_resumes(api: Api) -> None:
    """Connected at the end of the log, a client receives the events written after it
    connected, each with its index as SSE id, and keep-alives while nothing happens; a
    reconnection with Last-Event-ID resumes right after it."""
    rt = api.runtime
    assert rt is not None
    settings = rt.settings.model_copy(
        update={"events_heartbeat_seconds": 0.3, "events_poll_seconds": 0.1}
    )
    start = await api.log_size()
    reader = await service(api, ["events:read"])
    # From here on the test client (whose calls block this loop) is not used: the served
    # app runs on this loop, and a write of its left waiting would block the other's.
    async with served(settings) as url, httpx.AsyncClient(timeout=10, headers=reader) as client:
        stream = client.stream("GET", f"{url}/events/stream", params={"after": start - 1})
        async with stream as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            # Written through the served app (its writer wakes the stream at once), then
            # by another writer, as another process would (the stream polls for those).
            opened = await client.post(
                f"{url}/accounts",
                json={"unit": "TIME", "owner_kind": "organisation", "owner_id": "Régie"},
                headers=api.operator,
            )
            assert opened.status_code == 201, opened.text
            for name in ("atelier", "grainothèque"):
                await open_pool(rt, owner_kind=OwnerKind.COMMONS_POOL, owner_id=name)
            end = await api.log_size()
            received: list[dict[str, Any]] = []
            heartbeats = 0
            async with asyncio.timeout(10):
                async for message in sse_messages(response):
                    if "comment" in message:
                        heartbeats += 1
                    else:
                        event = json.loads(message["data"])
                        assert message["id"] == str(event["index"])
                        received.append(event)
                    if len(received) == end - start and heartbeats:
                        break
        assert [e["index"] for e in received] == list(range(start, end))
        assert [e["type"] for e in received] == ["account.opened"] * 3
        assert received[0]["id"] == opened.json()["id"]
        listed = await client.get(f"{url}/events", params={"after": start - 1})
        assert listed.json()["items"] == received

        resumed = client.stream(
            "GET",
            f"{url}/events/stream",
            params={"after": -1, "types": "account"},
            headers={"Last-Event-ID": str(start)},
        )
        async with resumed as response, asyncio.timeout(10):
            async for message in sse_messages(response):
                if "data" in message:
                    assert json.loads(message["data"]) == received[1]
                    break

        refused = await client.get(f"{url}/events/stream", params={"after": -1, "types": "nothing"})
        assert_problem(refused, 422, "invalid_request", "types")
        assert_problem(
            await client.get(
                f"{url}/events/stream", headers={"Last-Event-ID": "x"}, params={"after": 0}
            ),
            422,
            "invalid_request",
            "Last-Event-ID",
        )
