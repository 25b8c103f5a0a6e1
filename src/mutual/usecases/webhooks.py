"""Webhooks: the event stream pushed to the territory's tools, at least once and in order.

Each subscription has a cursor (the last log index delivered); a background deliverer
posts the next event past it, one event per request, and moves the cursor only once the
receiver answered 2xx. A failed attempt (no answer, a timeout, any other status) is
retried after an exponential back-off with jitter; every attempt is in the delivery log.
A receiver may thus see an event twice (an answer lost on the way back, a replay): it
deduplicates by the event's id.

Several serving processes may run a deliverer each: a subscription is claimed by an
update that only one of them can win, and every later step checks that the cursor is
still where the claim found it, so a replay or a disable stops a delivery in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import logging
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from mutual import __version__
from mutual.core.authority import Principal, Role
from mutual.core.errors import IdempotencyKeyReused
from mutual.core.signing import canonical
from mutual.store import log_reads
from mutual.store import webhooks as store
from mutual.store.errors import StoreUnavailable
from mutual.store.webhooks import Delivery, Subscription
from mutual.usecases.errors import InvalidRequest, NotFound
from mutual.usecases.events import Event, LogWatch, parse_types, read_page
from mutual.usecases.retries import backoff
from mutual.usecases.runtime import Runtime, new_id

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 -- a public prefix that makes leaked secrets greppable
# Events read past a subscription's cursor at a time (each is still posted on its own).
BATCH = 100
# A claimed subscription is its deliverer's for one attempt's timeout and this margin,
# renewed at each attempt: if the process dies, another one resumes after it.
LEASE_MARGIN_SECONDS = 30.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """One signature of ``Mutual-Signature``: HMAC-SHA256 keyed by the secret over
    ``<timestamp>.<body>`` (contracts/events.md)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signatures(subscription: Subscription, timestamp: str, body: bytes, now: datetime) -> str:
    """``Mutual-Signature``'s value: the signature by the current secret and, during the
    overlap after a roll, a comma and the one by the previous secret, so that a receiver
    still holding either verifies the delivery."""
    found = [signature(subscription.secret, timestamp, body)]
    until = subscription.previous_secret_until
    if subscription.previous_secret is not None and until is not None and now < until:
        found.append(signature(subscription.previous_secret, timestamp, body))
    return ",".join(found)


def _request_sha256(url: str, event_types: Iterable[str] | None, after: int | None) -> str:
    # The request as sent (not as expanded or defaulted): what an Idempotency-Key names.
    named = None if event_types is None else list(event_types)
    return hashlib.sha256(canonical({"url": url, "event_types": named, "after": after})).hexdigest()


def _reads_all(principal: Principal) -> bool:
    # Service clients see their own subscriptions only, whatever their scopes.
    return principal.has(Role.OPERATOR) or principal.has(Role.AUDITOR)


def _check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError as exc:
        raise InvalidRequest(f"not a URL: {exc}", field="url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("a webhook URL is http:// or https:// with a host", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest(
            "no credentials in the URL (they would show in every listing): the receiver "
            "authenticates deliveries by their signature",
            field="url",
        )
    return url


# A host's addresses for a port; a test passes its own instead of asking the DNS.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


def internal_address(address: str) -> bool:
    """Whether an address is not on the public internet: loopback, private, link-local,
    shared, reserved, multicast, unspecified (an IPv4-mapped one judged as IPv4)."""
    ip = ipaddress.ip_address(address.partition("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def destination(url: str, allowed: Collection[str], resolve: Resolver) -> str | None:
    """The address a delivery to ``url`` connects to, checked to be public; None for a
    host the operator allowed (connected to by name). Refused (``InvalidRequest`` on
    ``url``) when the host does not resolve or any of its addresses is internal."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in allowed:
        return None
    try:
        addresses = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise InvalidRequest(f"the host {host!r} does not resolve", field="url") from exc
    if not addresses or any(internal_address(a) for a in addresses):
        raise InvalidRequest(
            f"the host {host!r} resolves to an internal address: webhooks go to public "
            "addresses (an operator may allow a host with MUTUAL_WEBHOOK_ALLOWED_HOSTS)",
            field="url",
        )
    return addresses[0]


def _allowed(rt: Runtime) -> frozenset[str]:
    return frozenset(h.lower() for h in rt.settings.webhook_allowed_hosts)


@dataclass(frozen=True, slots=True)
class Created:
    subscription: Subscription
    # The same request again under the same Idempotency-Key: the first one's answer.
    replayed: bool


async def create(
    rt: Runtime,
    owner: Principal,
    *,
    url: str,
    event_types: Iterable[str] | None,
    after: int | None,
    idempotency_key: str | None = None,
    resolve: Resolver = system_resolver,
) -> Created:
    """A subscription delivering the events past ``after`` (default: from now on); its
    secret is in the answer and never shown again, except to the same request again under
    the owner's same ``idempotency_key`` (one whose answer was lost), which gets the first
    answer; the key with another request is refused."""
    digest = _request_sha256(url, event_types, after)
    if idempotency_key is not None:
        first = await store.by_idempotency_key(rt.db, owner.id, idempotency_key)
        if first is not None:
            return Created(_same_request(first, digest), replayed=True)
    await destination(_check_url(url), _allowed(rt), resolve)
    types = parse_types(event_types, field="event_types")
    last = await log_reads.read_tree_size(rt.db) - 1
    if after is not None and after > last:
        raise InvalidRequest(f"after is at most the last log index ({last})", field="after")
    subscription = Subscription(
        id=new_id(),
        owner_id=owner.id,
        url=_check_url(url),
        secret=SECRET_PREFIX + secrets.token_urlsafe(32),
        event_types=None if types is None else sorted(types),
        cursor=last if after is None else after,
        failures=0,
        next_attempt_at=None,
        created_at=rt.clock(),
        disabled_at=None,
        idempotency_key=idempotency_key,
        request_sha256=None if idempotency_key is None else digest,
    )
    stored = await store.insert_subscription(rt.db, subscription)
    if stored.id != subscription.id:  # a creation with the same key won the race
        return Created(_same_request(stored, digest), replayed=True)
    return Created(stored, replayed=False)


def _same_request(first: Subscription, digest: str) -> Subscription:
    if first.request_sha256 != digest:
        raise IdempotencyKeyReused(
            "this Idempotency-Key created a webhook with another request",
            field="Idempotency-Key",
        )
    return first


async def visible(rt: Runtime, principal: Principal) -> list[Subscription]:
    """Operators and auditors see every subscription; a service client its own."""
    return await store.subscriptions(
        rt.db, owner_id=None if _reads_all(principal) else principal.id
    )


async def find(rt: Runtime, principal: Principal, subscription_id: UUID) -> Subscription:
    found = await store.subscription(rt.db, subscription_id)
    # Another client's subscription is answered as missing: its existence is not theirs.
    if found is None or not (_reads_all(principal) or found.owner_id == principal.id):
        raise NotFound("no such webhook", field="webhook_id")
    return found


async def disable(rt: Runtime, principal: Principal, subscription_id: UUID) -> None:
    await find(rt, principal, subscription_id)
    await store.disable(rt.db, subscription_id, rt.clock())


async def change(
    rt: Runtime,
    principal: Principal,
    subscription_id: UUID,
    *,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    every_event: bool = False,
    enabled: bool | None = None,
    resolve: Resolver = system_resolver,
) -> Subscription:
    """Change a subscription's URL, its filter (``every_event``: none), or enable it
    again (delivery resumes at its cursor, its failures forgotten) or disable it. The
    cursor stays: a new filter applies from the next event on."""
    found = await find(rt, principal, subscription_id)
    values: dict[str, Any] = {}
    if url is not None:
        await destination(_check_url(url), _allowed(rt), resolve)
        values["url"] = url
    if every_event:
        values["event_types"] = None
    elif event_types is not None:
        types = parse_types(event_types, field="event_types")
        values["event_types"] = None if types is None else sorted(types)
    if enabled is True and found.disabled_at is not None:
        values |= {
            "disabled_at": None,
            "disabled_reason": None,
            "failures": 0,
            "failing_since": None,
            "next_attempt_at": None,
        }
    elif enabled is False and found.disabled_at is None:
        values |= {"disabled_at": rt.clock(), "disabled_reason": "owner", "next_attempt_at": None}
    if values:
        await store.update(rt.db, subscription_id, values)
    return await find(rt, principal, subscription_id)


async def roll_secret(
    rt: Runtime, principal: Principal, subscription_id: UUID, *, overlap_seconds: float | None
) -> Subscription:
    """A new secret, shown once in the answer; deliveries are signed with the previous
    one too for the overlap (default ``webhook_secret_overlap_seconds``), the time for
    the receiver to take the new one. A roll during an overlap ends the older secret."""
    found = await find(rt, principal, subscription_id)
    overlap = (
        rt.settings.webhook_secret_overlap_seconds if overlap_seconds is None else overlap_seconds
    )
    await store.update(
        rt.db,
        subscription_id,
        {
            "secret": SECRET_PREFIX + secrets.token_urlsafe(32),
            "previous_secret": found.secret,
            "previous_secret_until": rt.clock() + timedelta(seconds=overlap),
        },
    )
    return await find(rt, principal, subscription_id)


async def replay(
    rt: Runtime, principal: Principal, subscription_id: UUID, from_index: int
) -> Subscription:
    """Deliver again from ``from_index`` on; what the receiver had acknowledged is
    marked as a replay in the delivery log."""
    found = await find(rt, principal, subscription_id)
    if found.disabled_at is not None:
        raise InvalidRequest("this webhook is disabled", field="webhook_id")
    if from_index > found.cursor + 1:
        raise InvalidRequest(
            f"a replay goes back: from_index is at most {found.cursor + 1}, the next "
            "index to deliver",
            field="from_index",
        )
    await store.rewind(rt.db, subscription_id, from_index - 1)
    return replace(found, cursor=from_index - 1, failures=0, next_attempt_at=None)


async def deliveries(
    rt: Runtime, principal: Principal, subscription_id: UUID, *, after: UUID | None, limit: int
) -> list[Delivery]:
    await find(rt, principal, subscription_id)
    return await store.deliveries(rt.db, subscription_id, after=after, limit=limit)


@dataclass(frozen=True, slots=True)
class _Answer:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(slots=True)
class _Progress:
    # The subscription's cursor as this delivery last stored it.
    cursor: int


# The shortest time between two looks for due subscriptions: what a delivery may wait
# beyond its entry's commit.
POLL_GAP_SECONDS = 0.2


class Deliverer:
    """The background task that posts events to subscriptions: it wakes when this
    process's writer commits, when a subscription is created or replayed, when a retry
    falls due, and every ``events_poll_seconds`` (writes of other processes)."""

    def __init__(
        self,
        rt: Runtime,
        *,
        client: httpx.AsyncClient | None = None,
        resolve: Resolver = system_resolver,
    ) -> None:
        self._rt = rt
        self._resolve = resolve
        self._watch = LogWatch(rt.journal)
        self._client = client or httpx.AsyncClient(
            timeout=rt.settings.webhook_timeout_seconds,
            follow_redirects=False,
            headers={"User-Agent": f"mutual/{__version__} webhooks"},
        )
        self._lease = timedelta(seconds=rt.settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS)
        self._running: dict[UUID, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mutual-webhooks")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._watch.close()
        await self._client.aclose()

    def kick(self) -> None:
        """Look for work now (a subscription was created or rewound)."""
        self._watch.wake()

    def backoff(self, failures: int) -> timedelta:
        settings = self._rt.settings
        return backoff(
            failures,
            base_seconds=settings.webhook_backoff_base_seconds,
            max_seconds=settings.webhook_backoff_max_seconds,
        )

    async def _run(self) -> None:
        while True:
            ticket = self._watch.ticket()
            wait = self._rt.settings.events_poll_seconds
            try:
                wait = min(wait, await self._start_due())
            except StoreUnavailable:  # an outage is expected now and then: try again later
                log.warning("webhook deliveries not scheduled: the database is unavailable")
            except Exception:  # the deliverer must outlive anything else too
                log.exception("webhook deliveries not scheduled")
            # Under load the writer commits many times a second; looking for due
            # subscriptions after each commit would be a query per batch. Commits made
            # during this pause still wake the wait below: the ticket predates them.
            await asyncio.sleep(min(wait, POLL_GAP_SECONDS))
            await self._watch.wait(ticket, wait)

    async def _start_due(self) -> float:
        """Start a delivery for each subscription due with entries to deliver; the
        seconds until the next one falls due (at most the poll interval)."""
        now = self._rt.clock()
        soonest = self._rt.settings.events_poll_seconds
        for subscription in await store.pending(self._rt.db):
            if subscription.id in self._running:
                continue
            due = subscription.next_attempt_at
            if due is not None and due > now:
                soonest = min(soonest, (due - now).total_seconds())
                continue
            task = asyncio.create_task(
                self._deliver(subscription.id), name=f"mutual-webhook-{subscription.id}"
            )
            self._running[subscription.id] = task
            task.add_done_callback(partial(self._finished, subscription.id))
        return soonest

    def _finished(self, subscription_id: UUID, task: asyncio.Task[None]) -> None:
        self._running.pop(subscription_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery failed", exc_info=task.exception())
        # Entries may have been committed while it ran: look again now.
        self._watch.wake()

    async def _deliver(self, subscription_id: UUID) -> None:
        rt = self._rt
        now = rt.clock()
        claimed = await store.claim(rt.db, subscription_id, now=now, until=now + self._lease)
        if claimed is None:
            return
        progress = _Progress(claimed.cursor)
        try:
            await self._deliver_claimed(claimed, progress)
        except asyncio.CancelledError:
            # Shutting down: hand the subscription back now rather than at the lease's end.
            with contextlib.suppress(Exception):
                await store.move_on(
                    rt.db,
                    subscription_id,
                    cursor=progress.cursor,
                    new_cursor=progress.cursor,
                    next_attempt_at=None,
                )
            raise

    async def _deliver_claimed(self, subscription: Subscription, progress: _Progress) -> None:
        """Post events one by one until caught up or refused."""
        rt = self._rt
        acknowledged, acknowledged_ids = await store.delivered_through(rt.db, subscription.id)
        types = None if subscription.event_types is None else frozenset(subscription.event_types)
        failures = subscription.failures
        failing_since = subscription.failing_since
        while True:
            page = await read_page(rt, after=progress.cursor, limit=BATCH, types=types)
            # The cursor is a log index, and an entry may yield several events (its own,
            # then its domain events): it passes an index only with the entry's last one,
            # so that a failure between them sends the entry's events again from its
            # first (at least once; the receiver deduplicates by id), never skips one.
            last_of_index = {e.index: n for n, e in enumerate(page.items)}
            for n, event in enumerate(page.items):
                passes = last_of_index[event.index] == n
                attempted_at = rt.clock()
                answer = await self._post(subscription, event)
                attempt = failures + 1
                failures = 0 if answer.ok else attempt
                now = rt.clock()
                give_up = None
                if answer.ok:
                    failing_since = None
                else:
                    failing_since = failing_since or attempted_at
                    give_up = self._give_up(subscription, failing_since, now)
                held = await store.record_attempt(
                    rt.db,
                    Delivery(
                        id=new_id(),
                        subscription_id=subscription.id,
                        event_id=event.id,
                        log_index=event.index,
                        attempt=attempt,
                        attempted_at=attempted_at,
                        status_code=answer.status_code,
                        error=answer.error,
                        duration_ms=answer.duration_ms,
                        replay=event.index < acknowledged
                        or (event.index == acknowledged and event.id in acknowledged_ids),
                    ),
                    cursor=progress.cursor,
                    new_cursor=event.index if answer.ok and passes else progress.cursor,
                    failures=failures,
                    next_attempt_at=now + (self._lease if answer.ok else self.backoff(failures)),
                    failing_since=failing_since,
                    give_up=give_up,
                )
                if held and give_up is not None:
                    log.warning(
                        "webhook %s disabled: its receiver has failed since %s",
                        subscription.id,
                        failing_since,
                    )
                if not held or not answer.ok:
                    return
                if passes:
                    progress.cursor = event.index
            done = page.caught_up
            if page.next_after != progress.cursor or done:
                moved = await store.move_on(
                    rt.db,
                    subscription.id,
                    cursor=progress.cursor,
                    new_cursor=page.next_after,
                    next_attempt_at=None if done else rt.clock() + self._lease,
                )
                if not moved:
                    return
                progress.cursor = page.next_after
            if done:
                return

    def _give_up(
        self, subscription: Subscription, failing_since: datetime, now: datetime
    ) -> store.Notice | None:
        """The notice to its owner when the receiver has failed for too long; else None."""
        limit = timedelta(seconds=self._rt.settings.webhook_disable_after_seconds)
        if now - failing_since < limit:
            return None
        return store.Notice(
            owner_id=subscription.owner_id,
            kind="webhook_disabled",
            data={
                "webhook_id": str(subscription.id),
                "url": subscription.url,
                "failing_since": failing_since.astimezone(UTC).isoformat(),
            },
            # One notice per stretch of failures, even if two deliverers race.
            source=f"webhook:{subscription.id}:{failing_since.isoformat()}",
            at=now,
        )

    async def _post(self, subscription: Subscription, event: Event) -> _Answer:
        body = event.body()
        now = self._rt.clock()
        timestamp = str(int(now.timestamp()))
        # The subscription as it is now: a secret rolled since the claim signs already.
        current = await store.subscription(self._rt.db, subscription.id) or subscription
        headers = {
            "Content-Type": "application/json",
            "Mutual-Event-Id": event.id,
            "Mutual-Timestamp": timestamp,
            "Mutual-Signature": signatures(current, timestamp, body, now),
        }
        started = time.monotonic()
        target = httpx.URL(subscription.url)
        extensions = {}
        try:
            # Checked again at each delivery, and the connection made to the address
            # checked: a name resolving elsewhere since (DNS rebinding) is refused.
            pinned = await destination(subscription.url, _allowed(self._rt), self._resolve)
        except InvalidRequest as refused:
            return _Answer(None, f"refused: {refused.detail}"[:400], 0)
        if pinned is not None:
            headers["Host"] = target.netloc.decode("ascii")
            extensions["sni_hostname"] = target.host
            target = target.copy_with(host=pinned)
        try:
            # Streamed so that a receiver's answer body is never read: only its status.
            async with self._client.stream(
                "POST", target, content=body, headers=headers, extensions=extensions
            ) as response:
                status: int | None = response.status_code
            error = None
        except Exception as exc:  # whatever failed, it is this attempt's failure, retried
            status, error = None, f"{type(exc).__name__}: {exc}"[:400]
        return _Answer(status, error, int((time.monotonic() - started) * 1000))


@asynccontextmanager
async def delivering(rt: Runtime) -> AsyncIterator[Deliverer]:
    """A running deliverer, stopped (and its claims handed back) on exit."""
    deliverer = Deliverer(rt)
    deliverer.start()
    try:
        yield deliverer
    finally:
        await deliverer.stop()
