"""Opaque keyset cursors: clients pass back what we gave them and nothing else."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from mutual.usecases.errors import InvalidCursor


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
