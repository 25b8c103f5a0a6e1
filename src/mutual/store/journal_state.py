"""What one batch of the write path does to the ledger, as a fold over its commands.

The writer loads the part of the ledger a batch touches into a ``BatchState``, folds the
pure core over each command in order (each sees the effects of the ones before it), and
then writes what the state collected. Nothing here does I/O.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from mutual.core.accounts import Account
from mutual.core.bounds import BoundsChange
from mutual.core.derived import is_derived
from mutual.core.entries import EntryType, LogEntry, MemberNotice
from mutual.core.errors import (
    IdempotencyKeyReused,
    LedgerError,
    ReplayNotYours,
    ReservedId,
    SignatureError,
)
from mutual.core.fold import (
    AccountEntry,
    BoundsEntry,
    Entry,
    GroupChangeEntry,
    KeyApplied,
    KeyEventEntry,
    LedgerState,
    LogKey,
    MemberNoticeEntry,
    PactChangeEntry,
    RoundStepEntry,
    TransactionEntry,
    apply_entry,
)
from mutual.core.groups import GroupEntry
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.ledger import Applied
from mutual.core.pact import PactEntry
from mutual.core.registry import KeyEffect, KeyEvent
from mutual.core.round_entries import RoundEntry
from mutual.core.signing import Signature
from mutual.core.transactions import Transaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.store.outcomes import (
    BATCH_ABORTED,
    Outcome,
    accepted_account_outcome,
    accepted_bounds_outcome,
    accepted_group_outcome,
    accepted_key_event_outcome,
    accepted_notice_outcome,
    accepted_outcome,
    accepted_pact_outcome,
    accepted_round_outcome,
    rejected_outcome,
)


@dataclass(frozen=True, slots=True)
class TransactionWrite:
    transaction: Transaction
    signatures: tuple[Signature, ...]
    digest: bytes
    entry: LogEntry
    initiator: PrincipalId
    # The initiator reads every transaction anyway: a replay of another's is answered.
    reads_all: bool = False

    @property
    def key(self) -> UUID:
        return self.transaction.id


@dataclass(frozen=True, slots=True)
class AccountWrite:
    account: Account
    digest: bytes
    entry: LogEntry

    @property
    def key(self) -> UUID:
        return self.account.id


@dataclass(frozen=True, slots=True)
class BoundsWrite:
    change: BoundsChange
    digest: bytes
    entry: LogEntry

    @property
    def key(self) -> UUID:
        return self.change.id


@dataclass(frozen=True, slots=True)
class KeyEventWrite:
    event: KeyEvent
    signatures: tuple[Signature, ...]
    digest: bytes
    entry: LogEntry

    @property
    def key(self) -> UUID:
        return self.event.id


@dataclass(frozen=True, slots=True)
class RoundWrite:
    """A step of an allocation round: signed by the log key, or by its voter (a ballot)."""

    round_entry: RoundEntry
    entry_type: EntryType
    signatures: tuple[Signature, ...]
    digest: bytes
    entry: LogEntry

    @property
    def key(self) -> UUID:
        return self.round_entry.id


@dataclass(frozen=True, slots=True)
class MemberNoticeWrite:
    """That a member's profile changed or they were erased, signed by the log key."""

    notice: MemberNotice
    digest: bytes
    entry: LogEntry

    @property
    def key(self) -> UUID:
        return self.notice.id


@dataclass(frozen=True, slots=True)
class GroupWrite:
    """A coordination group's change, signed by the log key."""

    group_entry: GroupEntry
    digest: bytes
    entry: LogEntry

    @property
    def key(self) -> UUID:
        return self.group_entry.id


@dataclass(frozen=True, slots=True)
class PactWrite:
    """A pact version, signature or invitation, signed by the log key."""

    pact_entry: PactEntry
    digest: bytes
    entry: LogEntry

    @property
    def key(self) -> UUID:
        return self.pact_entry.id


@dataclass(frozen=True, slots=True)
class PreRefused:
    """A request refused before the ledger was consulted (its shape or its signatures).

    It still takes its place in the command, so that an atomic batch answers the first
    failing item in order and an id already used answers as a reuse; it is never kept.
    """

    key: UUID | None
    digest: bytes | None
    outcome: Outcome


LedgerWrite = (
    TransactionWrite
    | AccountWrite
    | BoundsWrite
    | KeyEventWrite
    | RoundWrite
    | MemberNoticeWrite
    | GroupWrite
    | PactWrite
)
WriteRequest = LedgerWrite | PreRefused
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SideRows(Generic[T]):
    """A flow's own rows (a loan, a proposal's status, the names of a pledge's accounts),
    written by the writer in the transaction of the entries they go with, once those are
    accepted: no second commit per flow, and never one without the other. ``write`` is
    called once per batch with the rows of every command that names it, so it must be a
    function of the store's (the same object each time), write idempotently (a replay
    brings its rows again) and never decide."""

    write: Callable[[AsyncConnection, list[T]], Awaitable[None]]
    rows: tuple[T, ...]


@dataclass(eq=False, slots=True)
class Command:
    requests: tuple[WriteRequest, ...]
    atomic: bool
    recorded_at: datetime
    future: asyncio.Future[list[Outcome]]
    then: SideRows[Any] | None = None


@dataclass(frozen=True, slots=True)
class Appended:
    """A leaf appended by this batch and what it recorded."""

    log_index: int
    entry_type: EntryType
    entity_id: UUID
    entry: LogEntry
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class LogContext:
    origin: str
    log_public_key: bytes


class _Refused(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


@dataclass(slots=True)
class BatchState:
    """The ledger as the batch has changed it so far (``ledger``, what the one fold of
    ``core.fold`` reads and changes) and the rows to write; ``fork`` gives an atomic
    group a draft."""

    ledger: LedgerState
    idempotent: dict[UUID, tuple[bytes, Outcome]]
    tree_size: int
    appended: list[Appended] = field(default_factory=list)
    applied: list[tuple[Applied, TransactionWrite, datetime]] = field(default_factory=list)
    new_accounts: list[tuple[Account, datetime]] = field(default_factory=list)
    key_effects: list[tuple[KeyEffect, int]] = field(default_factory=list)
    bounds_changes: list[tuple[BoundsChange, int, datetime]] = field(default_factory=list)
    records: list[tuple[UUID, bytes, Outcome, datetime]] = field(default_factory=list)
    round_entries: list[tuple[RoundEntry, int, datetime]] = field(default_factory=list)
    group_entries: list[tuple[GroupEntry, int, datetime]] = field(default_factory=list)
    pact_entries: list[tuple[PactEntry, int, datetime]] = field(default_factory=list)

    @property
    def accounts(self) -> dict[AccountId, Account]:
        return self.ledger.accounts

    @property
    def round_heads(self) -> dict[UUID, tuple[UUID, int]]:
        return self.ledger.round_heads

    def fork(self) -> BatchState:
        return BatchState(self.ledger.copy(), dict(self.idempotent), self.tree_size)

    def merge(self, draft: BatchState) -> None:
        self.ledger = draft.ledger
        self.idempotent = draft.idempotent
        self.tree_size = draft.tree_size
        self.round_entries.extend(draft.round_entries)
        self.group_entries.extend(draft.group_entries)
        self.pact_entries.extend(draft.pact_entries)
        self.appended.extend(draft.appended)
        self.applied.extend(draft.applied)
        self.new_accounts.extend(draft.new_accounts)
        self.key_effects.extend(draft.key_effects)
        self.bounds_changes.extend(draft.bounds_changes)
        self.records.extend(draft.records)

    def fold(self, command: Command, log: LogContext) -> tuple[list[Outcome], bool]:
        """Apply the command's requests in order.

        Returns one outcome per request and whether the draft may be kept: an atomic
        command with a refused item answers that item's error and ``batch_aborted``
        for all the others, and writes nothing.
        """
        outcomes: list[Outcome] = []
        for request in command.requests:
            prior = None if request.key is None else self.idempotent.get(request.key)
            if prior is not None and prior[0] == request.digest:
                outcomes.append(_replay(prior[1], request))
                continue
            try:
                if prior is not None:
                    raise IdempotencyKeyReused(
                        "this id was already used for a different request", field="id"
                    )
                if isinstance(request, PreRefused):
                    raise _Refused(request.outcome)
                outcome = self._apply(request, log, command.recorded_at)
            except (LedgerError, _Refused) as exc:
                outcome = exc.outcome if isinstance(exc, _Refused) else rejected_outcome(exc)
                if command.atomic:
                    failing = len(outcomes)
                    return [
                        outcome if i == failing else BATCH_ABORTED
                        for i in range(len(command.requests))
                    ], False
                if prior is None and isinstance(exc, LedgerError) and _kept(request, exc):
                    self._record(request, outcome, command.recorded_at)
                outcomes.append(outcome)
                continue
            self._record(request, outcome, command.recorded_at)
            outcomes.append(outcome)
        return outcomes, True

    def _record(self, request: WriteRequest, outcome: Outcome, at: datetime) -> None:
        if request.key is None or request.digest is None:
            return
        if isinstance(request, TransactionWrite):
            outcome = outcome.sent_by(str(request.initiator))
        self.idempotent[request.key] = (request.digest, outcome)
        self.records.append((request.key, request.digest, outcome, at))

    def _append(self, entry_type: EntryType, entity_id: UUID, entry: LogEntry, at: datetime) -> int:
        index = self.tree_size
        self.appended.append(Appended(index, entry_type, entity_id, entry, at))
        self.tree_size += 1
        return index

    def _apply(self, request: LedgerWrite, log: LogContext, at: datetime) -> Outcome:
        """Fold the request with ``core.fold`` (the verifier's fold), then note its rows."""
        index = self.tree_size
        effect = apply_entry(
            self.ledger,
            _fold_entry(request),
            log_index=index,
            on=at.astimezone(UTC).date(),
            log_key=LogKey(log.origin, log.log_public_key),
        )
        if isinstance(request, TransactionWrite):
            assert isinstance(effect, Applied)
            self._append(EntryType.TRANSACTION, request.transaction.id, request.entry, at)
            self.applied.append((effect, request, at))
            return accepted_outcome(effect, request.entry.leaf_hash)
        if isinstance(request, AccountWrite):
            self.new_accounts.append((request.account, at))
            self._append(EntryType.ACCOUNT, request.account.id, request.entry, at)
            return accepted_account_outcome(request.account, index, request.entry.leaf_hash)
        if isinstance(request, BoundsWrite):
            self._append(EntryType.BOUNDS, request.change.id, request.entry, at)
            self.bounds_changes.append((request.change, index, at))
            return accepted_bounds_outcome(request.change, index, request.entry.leaf_hash)
        if isinstance(request, RoundWrite):
            self._append(request.entry_type, request.round_entry.id, request.entry, at)
            self.round_entries.append((request.round_entry, index, at))
            return accepted_round_outcome(request.round_entry, index, request.entry.leaf_hash)
        if isinstance(request, MemberNoticeWrite):
            self._append(EntryType.MEMBER_NOTICE, request.notice.id, request.entry, at)
            return accepted_notice_outcome(request.notice, index, request.entry.leaf_hash)
        if isinstance(request, GroupWrite):
            self._append(EntryType.GROUP, request.group_entry.id, request.entry, at)
            self.group_entries.append((request.group_entry, index, at))
            return accepted_group_outcome(request.group_entry, index, request.entry.leaf_hash)
        if isinstance(request, PactWrite):
            self._append(EntryType.PACT, request.pact_entry.id, request.entry, at)
            self.pact_entries.append((request.pact_entry, index, at))
            return accepted_pact_outcome(request.pact_entry, index, request.entry.leaf_hash)
        assert isinstance(effect, KeyApplied)
        self._append(EntryType.KEY_EVENT, request.event.id, request.entry, at)
        self.key_effects.append((effect.effect, index))
        return accepted_key_event_outcome(
            request.event, effect.effect, index, request.entry.leaf_hash
        )


def _fold_entry(request: LedgerWrite) -> Entry:
    if isinstance(request, TransactionWrite):
        return TransactionEntry(request.transaction, request.signatures)
    if isinstance(request, AccountWrite):
        return AccountEntry(request.account)
    if isinstance(request, BoundsWrite):
        return BoundsEntry(request.change)
    if isinstance(request, MemberNoticeWrite):
        return MemberNoticeEntry(request.notice)
    if isinstance(request, RoundWrite):
        return RoundStepEntry(
            request.round_entry, request.entry_type is EntryType.BALLOT, request.signatures
        )
    if isinstance(request, GroupWrite):
        return GroupChangeEntry(request.group_entry)
    if isinstance(request, PactWrite):
        return PactChangeEntry(request.pact_entry)
    return KeyEventEntry(request.event, request.signatures)


def _kept(request: WriteRequest, exc: LedgerError) -> bool:
    """Whether a refusal is kept, so that a replay answers the same. A refusal caused by
    the payload or the ledger's state is; one about signatures is not (the same payload
    may be signed again properly), nor one of an id in the derived namespace (the id
    stays free for the derivation it belongs to: nobody can squat it)."""
    if isinstance(exc, SignatureError | ReservedId):
        return False
    return not (isinstance(request, TransactionWrite) and is_derived(request.transaction.id))


def _replay(recorded: Outcome, request: WriteRequest) -> Outcome:
    """The recorded answer again, for whoever sent the transaction first or reads every
    transaction; anyone else (who may have copied a payload and its signatures from the
    log) learns nothing, not even whether it was accepted."""
    if (
        isinstance(request, TransactionWrite)
        and recorded.requester not in (None, str(request.initiator))
        and not request.reads_all
    ):
        return rejected_outcome(
            ReplayNotYours("this id was first sent by another principal", field="id")
        )
    return recorded.as_replay()
