"""The event stream: the log read in order, each entry as a typed event with a cursor.

Log entry i is event i, followed by the domain events it yields (``core.domain_events``),
all with index i. The log index is the cursor: a reader that has seen up to index i asks
for what comes ``after`` i and never misses nor repeats an entry; a page holds every
event of each entry it reaches, so an entry's events are never split. Events
carry the entry as the log holds it (payload and signatures: pseudonymous ids, a memo or
a ballot's choice only as a hash), so following the stream discloses nothing a verifier
of the export would not see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from uuid import UUID

from mutual.core.domain_events import domain_events
from mutual.core.entries import EntryType, parse_entry
from mutual.core.events import UnknownEventType, entry_types_of, event_type, type_filter
from mutual.core.signing import canonical
from mutual.store import events as store
from mutual.store.database import Database
from mutual.store.events import LoggedEntry
from mutual.store.journal import Journal
from mutual.store.outcomes import Outcome
from mutual.usecases.errors import InvalidRequest
from mutual.usecases.runtime import Runtime

# With a filter, how many entries one read looks through for the events it admits: a
# filter matching little still moves the cursor this far per read.
SCAN_MAX = 1000


@dataclass(frozen=True, slots=True)
class Event:
    # A ledger event: the id of what the entry records (a transaction, an account, a key
    # event, a round step, a ballot), unique in the log and the id its inclusion proof is
    # asked by. A domain event: derived from that id and its type.
    id: str
    index: int
    type: str
    recorded_at: str
    # A ledger event carries its entry, a domain event its typed data.
    entry: dict[str, Any] | None = None
    data: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        content = {"entry": self.entry} if self.data is None else {"data": self.data}
        return {
            "id": self.id,
            "index": self.index,
            "type": self.type,
            "recorded_at": self.recorded_at,
            **content,
        }

    def body(self) -> bytes:
        """The document as RFC 8785 JSON: the bytes a webhook signs and an SSE carries."""
        return canonical(self.document())


@dataclass(frozen=True, slots=True)
class EventPage:
    items: list[Event]
    # Pass as ``after`` to read on: the last index looked at, which a filter may have
    # passed over, so an empty page can still move the cursor.
    next_after: int
    # Nothing past ``next_after`` in the log when it was read.
    caught_up: bool


def events_of(logged: LoggedEntry, projects: Set[UUID]) -> list[Event]:
    """The entry's own event, then its domain events; ``projects`` holds the ids among
    its principals that are projects'."""
    entry = json.loads(logged.leaf_input)
    entry_type, payload, _ = parse_entry(entry)
    at = _timestamp(logged)
    own = Event(str(logged.entity_id), logged.log_index, event_type(entry_type, payload), at, entry)
    derived = domain_events(entry_type, payload, logged.entity_id, projects.__contains__)
    return [own] + [
        Event(str(d.id), logged.log_index, d.type.value, at, data=d.data) for d in derived
    ]


def _principals(logged: Sequence[LoggedEntry]) -> set[UUID]:
    """The principals of the key events among ``logged``: those that may be projects."""
    found: set[UUID] = set()
    for row in logged:
        if row.entry_type == EntryType.KEY_EVENT.value:
            found.add(UUID(json.loads(row.leaf_input)["payload"]["principal"]))
    return found


def _timestamp(logged: LoggedEntry) -> str:
    # The form the API's JSON gives every other time, so that a webhook body, an SSE
    # event and a listed event are the same document.
    return logged.recorded_at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_types(names: Iterable[str] | None, *, field: str = "types") -> frozenset[str] | None:
    """A filter as sent (families or exact types, comma-separated pieces allowed); None
    admits every event."""
    if names is None:
        return None
    pieces = [p.strip() for name in names for p in name.split(",") if p.strip()]
    if not pieces:
        return None
    try:
        return type_filter(pieces)
    except UnknownEventType as exc:
        raise InvalidRequest(
            f"unknown event type or family {str(exc)!r} (see contracts/events.md)", field=field
        ) from exc


async def read_page(
    rt: Runtime,
    *,
    after: int,
    limit: int,
    types: frozenset[str] | None,
    from_standby: bool = False,
) -> EventPage:
    """Up to ``limit`` events past index ``after``, of ``types`` when given, in order.

    ``from_standby``: a listing may be served by a streaming standby (``store.replicas``);
    the webhook workers and the live stream read the primary, as they are woken by this
    process's own commits, which a standby may not have replayed yet."""
    if from_standby:
        return await rt.db.from_standby(
            lambda db: _read_page(db, after=after, limit=limit, types=types)
        )
    return await _read_page(rt.db, after=after, limit=limit, types=types)


async def _read_page(
    db: Database, *, after: int, limit: int, types: frozenset[str] | None
) -> EventPage:
    scan = limit if types is None else max(limit, SCAN_MAX)
    logged, size = await store.entries_after(
        db, after=after, limit=scan, entry_types=None if types is None else entry_types_of(types)
    )
    projects = await store.projects_among(db, _principals(logged))
    items: list[Event] = []
    last = after
    full = False
    for row in logged:
        admitted = [e for e in events_of(row, projects) if types is None or e.type in types]
        # An entry's events go on one page: a page that has some stops before an entry
        # whose events would not fit (it may thus hold fewer than ``limit``).
        if items and len(items) + len(admitted) > limit:
            full = True
            break
        items.extend(admitted)
        last = row.log_index
        if len(items) >= limit:
            full = True
            break
    if len(logged) < scan and not full:
        # Every entry up to the size read has been looked at (or was of another type).
        last = max(after, size - 1)
    return EventPage(items, last, last >= size - 1)


class LogWatch:
    """Wakes whoever waits for the log to grow: at once after this process's writer
    commits (the journal's observer), else at the waiter's timeout, which is how writes
    of other processes are seen.

    A waiter takes a ticket before it reads the log and waits on that ticket, so a write
    committed between its read and its wait still wakes it.
    """

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._changed = asyncio.Event()
        journal.observers.append(self._observe)

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self._journal.observers.remove(self._observe)
        self.wake()

    def ticket(self) -> asyncio.Event:
        return self._changed

    def wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, ticket: asyncio.Event, seconds: float) -> None:
        """Until the log grows past what the ticket's holder read, or ``seconds``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await ticket.wait()

    def _observe(self, size: int, outcomes: Sequence[Outcome]) -> None:
        if any(o.accepted for o in outcomes):
            self.wake()


async def follow(
    rt: Runtime,
    watch: LogWatch,
    *,
    after: int,
    types: frozenset[str] | None,
    heartbeat: float,
    page: int = 100,
) -> AsyncIterator[tuple[Event, bool] | None]:
    """Every event past ``after``, then each new one as it is committed, forever, each
    with whether it is the last of its entry's (where a reader may resume: the cursor is
    the entry's index); None after ``heartbeat`` seconds without one (a keep-alive for
    the connection)."""
    cursor = after
    quiet_since = time.monotonic()
    while True:
        ticket = watch.ticket()
        found = await read_page(rt, after=cursor, limit=page, types=types)
        # A page never splits an entry's events: the last of an index in it is its last.
        last_of_index = {e.index: n for n, e in enumerate(found.items)}
        for n, event in enumerate(found.items):
            yield event, last_of_index[event.index] == n
        if found.items:
            quiet_since = time.monotonic()
        cursor = found.next_after
        if not found.caught_up:
            continue
        left = heartbeat - (time.monotonic() - quiet_since)
        if left <= 0:
            yield None
            quiet_since = time.monotonic()
            continue
        await watch.wait(ticket, min(rt.settings.events_poll_seconds, left))
