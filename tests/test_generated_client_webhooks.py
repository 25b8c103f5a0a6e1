"""The client generated from contracts/openapi.json (tests/test_generated_client.py)
subscribes a webhook to a receiver on 127.0.0.1 against a live server, on both
databases: the receiver gets typed domain events (parsed by the generated models) whose
signatures verify, and a secret rolled midway loses no delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from mutual.settings import Settings
from tests.conftest import BACKENDS
from tests.test_generated_client import _join, _module, _ok, generated
from tests.test_schemathesis import live_server, token

__all__ = ["generated"]


class Inbox:
    """What the receiver was sent: each delivery's headers and raw body, in order."""

    def __init__(self) -> None:
        self.items: list[tuple[dict[str, str], bytes]] = []
        self.arrived = threading.Condition()

    def wait_for(self, done: Callable[[], bool], seconds: float = 30) -> None:
        with self.arrived:
            assert self.arrived.wait_for(done, timeout=seconds), self.items


@contextmanager
def receiver() -> Iterator[tuple[str, Inbox]]:
    inbox = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with inbox.arrived:
                inbox.items.append((dict(self.headers.items()), body))
                inbox.arrived.notify_all()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", inbox
    finally:
        server.shutdown()
        server.server_close()


def signed_by(headers: dict[str, str], body: bytes, secret: str) -> bool:
    """The receiver's check (contracts/events.md): any signature in the header by the
    secret, over the timestamp and the raw body."""
    timestamp = headers["Mutual-Timestamp"]
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return (
        any(
            hmac.compare_digest(given, "v1=" + mac.hexdigest())
            for given in headers["Mutual-Signature"].split(",")
        )
        and abs(time.time() - int(timestamp)) < 300
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_client_subscribes_and_verifies_domain_events(
    backend: str, fresh_database: Callable[[str], Settings], generated: ModuleType
) -> None:
    """Subscribed through the generated client (idempotently) to member events: each
    acceptance arrives as a typed member.accepted, signed; after a roll with an overlap,
    deliveries verify with the old secret and the new one, and none is missing."""
    settings = fresh_database(backend)
    extra = {"MUTUAL_WEBHOOK_ALLOWED_HOSTS": '["127.0.0.1"]', "MUTUAL_EVENTS_POLL_SECONDS": "0.2"}
    with (
        receiver() as (hook_url, inbox),
        live_server(settings, extra) as (url, env),
        ExitStack() as clients,
    ):
        operator = clients.enter_context(
            generated.AuthenticatedClient(base_url=url, token=token(env, "operator"))
        )
        public = clients.enter_context(generated.Client(base_url=url))
        models = _module("models")
        body = models.WebhookIn.from_dict({"url": hook_url, "event_types": ["member"]})
        create = _module("api.webhooks.create_webhook")
        hook = _ok(create.sync_detailed(client=operator, body=body, idempotency_key="k1"), 201)
        again = create.sync_detailed(client=operator, body=body, idempotency_key="k1")
        assert _ok(again, 201).id == hook.id
        assert again.headers["Idempotent-Replayed"] == "true"
        old = hook.secret

        joined = [_join(public, operator, i)[0] for i in range(2)]
        inbox.wait_for(lambda: len(inbox.items) >= 2)

        rolled = _ok(
            _module("api.webhooks.roll_webhook_secret").sync_detailed(
                hook.id, client=operator, body=models.SecretRollIn(overlap_seconds=3600)
            ),
            200,
        )
        new = rolled.secret
        assert new != old
        joined += [_join(public, operator, i)[0] for i in range(2, 4)]
        inbox.wait_for(lambda: len(inbox.items) >= 4)

        events = []
        for n, (headers, raw) in enumerate(inbox.items):
            assert signed_by(headers, raw, old), n
            if n >= 2:
                assert signed_by(headers, raw, new), n
            event = models.EventOut.from_dict(json.loads(raw))
            assert headers["Mutual-Event-Id"] == event.id
            events.append(event)
        assert [e.type_ for e in events] == [models.EventOutType("member.accepted")] * 4
        assert all(isinstance(e.data, models.MemberAcceptedData) for e in events)
        assert [str(e.data.member_id) for e in events] == joined
        indexes = [e.index for e in events]
        assert indexes == sorted(indexes)

        # The cursor moves once the answer is recorded, a moment after the receiver saw it.
        get_webhook = _module("api.webhooks.get_webhook")
        deadline = time.monotonic() + 15
        read = _ok(get_webhook.sync_detailed(hook.id, client=operator), 200)
        while read.cursor < indexes[-1] and time.monotonic() < deadline:
            time.sleep(0.1)
            read = _ok(get_webhook.sync_detailed(hook.id, client=operator), 200)
        assert read.cursor >= indexes[-1]
        assert read.previous_secret_until is not None
