"""Request ids, structured logs and request metrics: every log line is one JSON object,
every line written while a request is served carries that request's id, and every
answer is counted in the process's metrics.

A caller may send its own ``X-Request-Id`` (a proxy's, a client's retry); otherwise one
is drawn. It is echoed in the answer, so a resident's report of a failure can be found
in the logs. The access line holds method, route path, status and duration; never a
header, a body or a query string, which may carry tokens or personal data.
"""

from __future__ import annotations

import itertools
import json
import logging
import logging.config
import os
import re
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from mutual.usecases import audit

REQUEST_ID: ContextVar[str | None] = ContextVar("mutual_request_id", default=None)
HEADER: Final = b"x-request-id"
_ACCEPTED_ID: Final = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
access_log = logging.getLogger("mutual.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the
    record's ``fields`` (structured values passed as ``extra={"fields": {...}}``)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            document["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            document.update(fields)
        if record.exc_info:
            # The text a filter may have scrubbed, when there is one.
            document["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


# A URL's query string: after a path or host character, up to a space or a quote. It may
# hold a token (a webhook URL's ``?token=``, a sign-in link) or personal data (a search).
_QUERY: Final = re.compile(r"(?<=[\w/.~%-])\?[^\s\"'<>]+")
QUERY_REMOVED: Final = "?[query removed]"


def without_query(text: str) -> str:
    return _QUERY.sub(QUERY_REMOVED, text)


class QueryStringFilter(logging.Filter):
    """Takes query strings out of every line whichever library writes it: httpx logs each
    request's URL whole (a webhook's, with its token), uvicorn's access log the path with
    its query. The message is rendered, then scrubbed, and so is a traceback's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = without_query(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = without_query(record.exc_text)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                k: without_query(v) if isinstance(v, str) else v for k, v in fields.items()
            }
        return True


def configure_logging(level: str) -> None:
    """Send every logger's lines to standard error as JSON, from ``level`` up, without a
    URL's query string."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": JsonFormatter}},
            "filters": {"no_query": {"()": QueryStringFilter}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "filters": ["no_query"],
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"handlers": ["stderr"], "level": level.upper()},
        }
    )


# A request id needs only to be unique: a random per-process prefix and a counter give
# that without a getrandom() system call per request, which showed in the write path's
# profile (3 % of the server's CPU at a thousand requests a second).
_ID_PREFIX = os.urandom(8).hex()
_ID_COUNTER = itertools.count()


def _new_id_prefix() -> None:
    """A forked worker gets its own prefix, or two processes would repeat ids."""
    global _ID_PREFIX
    _ID_PREFIX = os.urandom(8).hex()


os.register_at_fork(after_in_child=_new_id_prefix)


def _request_id(scope: Scope) -> str:
    given = next((v for k, v in scope["headers"] if k == HEADER), None)
    if given is not None and _ACCEPTED_ID.fullmatch(given):
        return given.decode("ascii")
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


async def _audit(scope: Scope, audited: tuple[str, Any], status: int, request_id: str) -> None:
    """An administrative action succeeded: who, what, from where, into the audit trail."""
    operation, actor_id = audited
    state = scope["app"].state
    await audit.record(
        state.runtime,
        actor_id=actor_id,
        operation=operation,
        method=str(scope.get("method", "")),
        path=scope["path"],
        status=status,
        source_ip=state.rate_limits.address_of(scope) or None,
        request_id=request_id,
    )


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
            audited = scope.get("state", {}).get("audit")
            if audited is not None and status < 400:
                await _audit(scope, audited, status, request_id)
        finally:
            seconds = time.perf_counter() - started
            # The route's template (/accounts/{account_id}), not the ids themselves.
            path = scope.get("path_template") or scope["path"]
            metrics = getattr(scope["app"].state, "metrics", None)
            if metrics is not None:
                metrics.observe_request(scope["method"], path, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "fields": {
                            "method": scope["method"],
                            "path": path,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 2),
                        }
                    },
                )
            REQUEST_ID.reset(token)

    return middleware
