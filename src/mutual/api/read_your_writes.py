"""Read-your-writes with streaming standbys: after a principal's successful write, and
before its answer leaves, the primary's WAL position is remembered for them, so that
their next reads go to a standby only once it has replayed it (``store/replicas.py``;
the permission guard hands the position to the request's reads)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from mutual.core.authority import Principal
from mutual.usecases.runtime import Runtime


def remember_writes(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        runtime: Runtime | None = getattr(scope["app"].state, "runtime", None)
        if runtime is None or runtime.db.replicas is None:
            await app(scope, receive, send)
            return
        replicas = runtime.db.replicas

        async def remembering(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                principal = scope.get("state", {}).get("principal")
                if isinstance(principal, Principal):
                    position = await replicas.primary_position()
                    replicas.remember_write(str(principal.id), position)
            await send(message)

        await app(scope, receive, remembering)

    return middleware
