"""What every use case needs: settings, the database, the journal, the log key and a clock.

Every use case module imports this one, so it imports none of them: opening a runtime
(which starts the checkpoint timer of ``usecases.log``) is ``usecases.startup``'s.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from mutual.core.derived import check_client_id
from mutual.core.round_state import RoundState
from mutual.core.signing import KeyId
from mutual.settings import Settings
from mutual.store.database import Database
from mutual.store.journal import Journal
from mutual.usecases.log_key import LogSigner


def utc_now() -> datetime:
    return datetime.now(UTC)


def chosen_id(value: UUID | None, *, field: str = "id") -> UUID:
    """The id a client chose, never one in the namespace of derived ids (refused
    ``reserved_id`` before anything is stored), or a new UUIDv7 when it chose none."""
    check_client_id(value, field=field)
    return value if value is not None else new_id()


def new_id() -> UUID:
    """A UUIDv7: 48 bits of Unix milliseconds then random bits, so ids sort by creation."""
    millis = time.time_ns() // 1_000_000
    value = (millis & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10)) & (2**80 - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return UUID(int=value)


@dataclass(slots=True)
class Runtime:
    settings: Settings
    db: Database
    journal: Journal
    log: LogSigner
    clock: Callable[[], datetime] = field(default=utc_now)
    public_keys: dict[KeyId, bytes] = field(default_factory=dict)
    verifiers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="mutual-verify")
    )
    # Grants and early repayments check the fund's available balance, then write: this
    # makes the two one step within the process. Several processes writing one database
    # would need the check inside the journal's fold; the fund's balance_min 0 holds anyway.
    # Each round's folded state and the log index it reached (``usecases.rounds.load``).
    rounds: dict[UUID, tuple[int, RoundState]] = field(default_factory=dict)
    # The round notices (kind, source) this process has written (``usecases.round_notices``).
    round_notices_told: set[tuple[str, str]] = field(default_factory=set)
