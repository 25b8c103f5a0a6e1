"""Every answer carries a request id (the caller's when it sends a sane one), and the
logs are one JSON object per line, the access line naming the route, not its ids."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from mutual.api.observability import REQUEST_ID, JsonFormatter
from tests.test_api import API, Api, api

__all__ = ["api"]


async def test_request_ids_and_the_access_line(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    """A sane X-Request-Id is echoed, anything else is replaced by a fresh one; the access
    line has the method, the route's template, the status and the duration."""
    account = str(uuid.uuid4())
    with caplog.at_level(logging.INFO, logger="mutual.access"):
        mine = await api.client.get(
            f"{API}/accounts/{account}", headers={**api.operator, "X-Request-Id": "abc-123"}
        )
        odd = await api.client.get(f"{API}/health", headers={"X-Request-Id": "no spaces; ok"})
    assert mine.headers["x-request-id"] == "abc-123"
    assert mine.status_code == 404
    fresh = odd.headers["x-request-id"]
    assert len(fresh) == 32
    assert int(fresh, 16) >= 0
    lines = [r for r in caplog.records if r.name == "mutual.access"]
    fields = [r.__dict__["fields"] for r in lines]
    assert [(f["method"], f["path"], f["status"]) for f in fields] == [
        ("GET", "/api/v1/accounts/{account_id}", 404),
        ("GET", "/api/v1/health", 200),
    ]
    assert all(f["duration_ms"] >= 0 for f in fields)
    assert not any(account in json.dumps(f) for f in fields)


def test_json_lines_carry_the_request_id_and_fields() -> None:
    """A record formats as one JSON object with its level, logger, message, the request id
    in force and its structured fields; an exception comes with its traceback."""
    token = REQUEST_ID.set("r-1")
    try:
        record = logging.LogRecord(
            "mutual.x", logging.WARNING, __file__, 1, "hello %s", ("you",), None
        )
        record.fields = {"batch": 3}
        line = JsonFormatter().format(record)
    finally:
        REQUEST_ID.reset(token)
    document = json.loads(line)
    assert "\n" not in line
    assert {k: document[k] for k in ("level", "logger", "message", "request_id", "batch")} == {
        "level": "warning",
        "logger": "mutual.x",
        "message": "hello you",
        "request_id": "r-1",
        "batch": 3,
    }
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failed = logging.LogRecord(
            "mutual.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    assert "ValueError: boom" in json.loads(JsonFormatter().format(failed))["exception"]
