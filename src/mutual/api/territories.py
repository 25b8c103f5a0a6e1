"""Many territories served by one process: each request goes, by its Host header, to the
whole app of its territory (its own runtime: database schema or file, journal writer, log
key), built by ``create_app`` as for a deployment of one.

The dispatcher holds no state of a territory and shares none between them: a token is
looked up in the tables of the territory the Host names, so one from another territory
is unknown there (401), and an id of another territory names nothing (404).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from litestar import Litestar

from mutual.api.app import create_app
from mutual.api.problems import PROBLEM_MEDIA_TYPE, problem_document
from mutual.settings import Settings
from mutual.territories import Territory, host_of, load, settings_for

# ASGI's shapes, loosely: the dispatcher only reads the scope's type and Host, and passes
# everything else through untouched.
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Message, Receive, Send], Awaitable[None]]

# A request for a host no territory has: what it asks for exists nowhere here.
UNKNOWN_STATUS = 404


class Territories:
    """The ASGI app of a deployment with a territories file."""

    def __init__(self, deployment: Settings, territories: dict[str, Territory]) -> None:
        self.apps: dict[str, App] = {}
        self.by_host: dict[str, App] = {}
        for territory in territories.values():
            app: App = create_app(settings_for(deployment, territory))  # type: ignore[assignment]
            self.apps[territory.name] = app
            for host in territory.hosts:
                self.by_host[host] = app

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        app = self.by_host.get(host_of(host))
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "http":
            await _unknown(host, send)
        else:  # a websocket to no territory: refused before it opens
            await send({"type": "websocket.close", "code": 1008})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        async with AsyncExitStack() as stack:
            try:
                for app in self.apps.values():
                    await stack.enter_async_context(running(app))
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
        await send({"type": "lifespan.shutdown.complete"})


@asynccontextmanager
async def running(app: App) -> AsyncIterator[None]:
    """An ASGI app started (its lifespan's start-up done) until the block ends, then shut
    down: what a server does for the one app it serves, done here for each territory's."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def receive() -> Message:
        return await inbox.get()

    async def send(message: Message) -> None:
        await outbox.put(message)

    async def serve() -> None:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)

    task = asyncio.create_task(serve())
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        await task
        raise RuntimeError(f"a territory did not start: {started.get('message')}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


async def _unknown(host: str, send: Send) -> None:
    detail = f"no territory is served at {host_of(host) or 'this address'}"
    body = json.dumps(problem_document("not_found", detail, "Host")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": UNKNOWN_STATUS,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_deployment(settings: Settings) -> Litestar | Territories:
    """The deployment's app: one territory's as ever, or with a territories file, every
    territory in it, chosen by the request's Host."""
    if settings.territories_file is None:
        return create_app(settings)
    territories = load(settings.territories_file)
    if not territories:
        raise RuntimeError(f"{settings.territories_file} names no territory")
    return Territories(settings, territories)
