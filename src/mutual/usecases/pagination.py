"""One way to page every list: opaque keyset cursors, and the page they lead to.

A list is read in a fixed order by a key (an id, a log index); a page is the first
``limit`` rows past the key its cursor holds. The cursor is opaque to clients: they pass
back what we gave them and nothing else, and a cursor of one list is refused by another
(its ``kind`` is inside). Rows are fetched with ``limit + 1``: the extra row only says
that there is a next page, so the last page says so itself instead of costing one more
request that comes back empty.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar
from uuid import UUID

from mutual.usecases.errors import InvalidCursor

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(kind: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> str:
    """The key inside a cursor of ``kind``; InvalidCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("this cursor was not issued by this service", field="cursor") from exc
    prefix, _, key = raw.rpartition(":")
    if prefix != kind or not key:
        raise InvalidCursor("this cursor was not issued for this list", field="cursor")
    return key


def decode_id_cursor(kind: str, cursor: str | None) -> UUID | None:
    """The id inside a cursor of ``kind`` (``None`` for the first page)."""
    if cursor is None:
        return None
    try:
        return UUID(decode_cursor(kind, cursor))
    except ValueError as exc:
        raise InvalidCursor("malformed cursor", field="cursor") from exc


def decode_index_cursor(kind: str, cursor: str | None) -> int | None:
    """The log index (or sequence number) inside a cursor of ``kind``."""
    if cursor is None:
        return None
    key = decode_cursor(kind, cursor)
    if not key.isdigit():
        raise InvalidCursor("malformed cursor", field="cursor")
    return int(key)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def time_key(at: datetime, row_id: UUID) -> str:
    """A cursor key for a list in time order: the time as whole microseconds, so that the
    key holds no colon (a kind may, and the last colon ends it)."""
    return f"{(at - _EPOCH) // _MICROSECOND}|{row_id}"


def parse_time_key(kind: str, cursor: str) -> tuple[datetime, UUID]:
    try:
        micros, row_id = decode_cursor(kind, cursor).split("|")
        return _EPOCH + int(micros) * _MICROSECOND, UUID(row_id)
    except (ValueError, OverflowError) as exc:
        raise InvalidCursor("malformed cursor", field="cursor") from exc


def cut_page(kind: str, found: Sequence[T], limit: int, key: Callable[[T], str]) -> Page[T]:
    """The page of rows fetched with ``limit + 1``, its cursor at the last row kept."""
    if len(found) <= limit:
        return Page(list(found), None)
    return Page(list(found[:limit]), encode_cursor(kind, key(found[limit - 1])))


def page_in_memory(
    kind: str, rows: Sequence[T], cursor: str | None, limit: int, key: Callable[[T], str]
) -> Page[T]:
    """A page of a list read whole: for the short lists of a territory (its collection
    points, kinds of goods, rounds, one member's loans and webhooks), which a client still
    reads by the same cursors as every other list, so that none of them needs another
    client when it grows."""
    after = None if cursor is None else decode_cursor(kind, cursor)
    ordered = sorted(rows, key=key)
    past = [r for r in ordered if after is None or key(r) > after]
    return cut_page(kind, past[: limit + 1], limit, key)
