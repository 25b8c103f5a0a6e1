"""Read-your-writes with streaming standbys: after a principal's successful write, and
before its answer leaves, the primary's WAL position is remembered for them, in this
process and (with ``MUTUAL_REDIS_URL``) for every process, so that their next reads go to
a standby only once it has replayed it, whichever process serves them
(``store/replicas.py``; the permission guard hands the position to the request's reads)."""

from __future__ import annotations

import logging
import math

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.exc import SQLAlchemyError

from mutual.api.shared_state import PAST_EVERY_STANDBY, SharedState
from mutual.core.authority import Principal
from mutual.usecases.runtime import Runtime

log = logging.getLogger(__name__)


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
        shared: SharedState = scope["app"].state.shared
        # Past this, every standby in service has replayed the write (it is left out when
        # it lags more), plus a poll of the watcher.
        keep = math.ceil(replicas.max_lag_seconds) + 1

        async def remembering(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                principal = scope.get("state", {}).get("principal")
                if isinstance(principal, Principal):
                    try:
                        position = await replicas.primary_position()
                    except (SQLAlchemyError, OSError) as exc:
                        # The write is committed but the primary went away right after
                        # (restarting): its answer must still leave as it is, or the
                        # client takes an acknowledged write for a failure. With its
                        # position unknown, the principal reads from the primary: here
                        # until their next write's position replaces it, elsewhere until
                        # Redis forgets it (``keep`` seconds after their last write).
                        log.warning("write position unknown, reads from the primary: %s", exc)
                        position = PAST_EVERY_STANDBY
                    replicas.remember_write(str(principal.id), position)
                    await shared.remember_written(str(principal.id), position, keep)
            await send(message)

        await app(scope, receive, remembering)

    return middleware
