"""What one batch of the write path does to the ledger, as a fold over its commands.

The writer loads the part of the ledger a batch touches into a ``BatchState``, folds the
pure core over each command in order (each sees the effects of the ones before it), and
then writes what the state collected. Nothing here does I/O.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from mutual.core.accounts import Account
from mutual.core.authority import authorise_ballot
from mutual.core.bounds import BoundsChange, apply_bounds_change
from mutual.core.entries import EntryType, LogEntry
from mutual.core.errors import AccountExists, IdempotencyKeyReused, LedgerError, SignatureError
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.ledger import Applied, apply_transaction
from mutual.core.registry import (
    KeyEffect,
    KeyEvent,
    Registry,
    apply_key_effect,
    apply_key_event,
)
from mutual.core.round_entries import RoundEntry
from mutual.core.rounds import check_sequence
from mutual.core.signing import Signature
from mutual.core.transactions import Posting, Transaction
from mutual.store.outcomes import (
    BATCH_ABORTED,
    Outcome,
    accepted_account_outcome,
    accepted_bounds_outcome,
    accepted_key_event_outcome,
    accepted_outcome,
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
class PreRefused:
    """A request refused before the ledger was consulted (its shape or its signatures).

    It still takes its place in the command, so that an atomic batch answers the first
    failing item in order and an id already used answers as a reuse; it is never kept.
    """

    key: UUID | None
    digest: bytes | None
    outcome: Outcome


LedgerWrite = TransactionWrite | AccountWrite | BoundsWrite | KeyEventWrite | RoundWrite
WriteRequest = LedgerWrite | PreRefused


@dataclass(eq=False, slots=True)
class Command:
    requests: tuple[WriteRequest, ...]
    atomic: bool
    recorded_at: datetime
    future: asyncio.Future[list[Outcome]]


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
    """The ledger as the batch has changed it so far; ``fork`` gives an atomic group a draft."""

    accounts: dict[AccountId, Account]
    originals: dict[TransactionId, tuple[Posting, ...]]
    reversed_ids: set[TransactionId]
    idempotent: dict[UUID, tuple[bytes, Outcome]]
    registry: Registry
    tree_size: int
    # Default bounds changes an account change may follow: the ones it names, as stored,
    # and those of this batch.
    defaults: dict[UUID, BoundsChange] = field(default_factory=dict)
    # Each round's head entry and the acts recorded under it, as stored and as changed.
    round_heads: dict[UUID, tuple[UUID, int]] = field(default_factory=dict)
    appended: list[Appended] = field(default_factory=list)
    applied: list[tuple[Applied, TransactionWrite, datetime]] = field(default_factory=list)
    new_accounts: list[tuple[Account, datetime]] = field(default_factory=list)
    key_effects: list[tuple[KeyEffect, int]] = field(default_factory=list)
    bounds_changes: list[tuple[BoundsChange, int, datetime]] = field(default_factory=list)
    records: list[tuple[UUID, bytes, Outcome, datetime]] = field(default_factory=list)
    round_entries: list[tuple[RoundEntry, int, datetime]] = field(default_factory=list)

    def fork(self) -> BatchState:
        return BatchState(
            dict(self.accounts),
            self.originals,
            set(self.reversed_ids),
            dict(self.idempotent),
            self.registry.copy(),
            self.tree_size,
            dict(self.defaults),
            dict(self.round_heads),
        )

    def merge(self, draft: BatchState) -> None:
        self.accounts = draft.accounts
        self.reversed_ids = draft.reversed_ids
        self.idempotent = draft.idempotent
        self.registry = draft.registry
        self.tree_size = draft.tree_size
        self.defaults = draft.defaults
        self.round_heads = draft.round_heads
        self.round_entries.extend(draft.round_entries)
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
                outcomes.append(prior[1].as_replay())
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
                # A refusal caused by the payload or the ledger state is kept, so a replay
                # answers the same; a reused key keeps the first answer; a refusal about
                # signatures is not kept, so the same payload may be signed again properly.
                if (
                    prior is None
                    and isinstance(exc, LedgerError)
                    and not isinstance(exc, SignatureError)
                ):
                    self._record(request, outcome, command.recorded_at)
                outcomes.append(outcome)
                continue
            self._record(request, outcome, command.recorded_at)
            outcomes.append(outcome)
        return outcomes, True

    def _record(self, request: WriteRequest, outcome: Outcome, at: datetime) -> None:
        if request.key is None or request.digest is None:
            return
        self.idempotent[request.key] = (request.digest, outcome)
        self.records.append((request.key, request.digest, outcome, at))

    def _append(self, entry_type: EntryType, entity_id: UUID, entry: LogEntry, at: datetime) -> int:
        index = self.tree_size
        self.appended.append(Appended(index, entry_type, entity_id, entry, at))
        self.tree_size += 1
        return index

    def _apply(
        self,
        request: LedgerWrite,
        log: LogContext,
        at: datetime,
    ) -> Outcome:
        if isinstance(request, TransactionWrite):
            tx = request.transaction
            applied = apply_transaction(
                tx,
                request.signatures,
                registry=self.registry,
                accounts=self.accounts,
                originals=self.originals,
                reversed_ids=self.reversed_ids,
                log_index=self.tree_size,
            )
            for account in applied.accounts:
                self.accounts[account.id] = account
            if tx.reverses is not None:
                self.reversed_ids.add(tx.reverses)
            self._append(EntryType.TRANSACTION, tx.id, request.entry, at)
            self.applied.append((applied, request, at))
            return accepted_outcome(applied, request.entry.leaf_hash)
        if isinstance(request, AccountWrite):
            account = request.account
            if account.id in self.accounts:
                raise AccountExists("an account with this id exists", field="id")
            self.accounts[account.id] = account
            self.new_accounts.append((account, at))
            index = self._append(EntryType.ACCOUNT, account.id, request.entry, at)
            return accepted_account_outcome(account, index, request.entry.leaf_hash)
        if isinstance(request, BoundsWrite):
            change = request.change
            changed = apply_bounds_change(change, self.accounts, self.defaults)
            if changed is None:
                self.defaults[change.id] = change
            else:
                self.accounts[changed.id] = changed
            index = self._append(EntryType.BOUNDS, change.id, request.entry, at)
            self.bounds_changes.append((change, index, at))
            return accepted_bounds_outcome(change, index, request.entry.leaf_hash)
        if isinstance(request, RoundWrite):
            step = request.round_entry
            head = check_sequence(self.round_heads.get(step.round_id), step)
            if request.entry_type is EntryType.BALLOT:
                authorise_ballot(
                    PrincipalId(step.by),
                    request.signatures,
                    self.registry,
                    log_index=self.tree_size,
                )
            self.round_heads[step.round_id] = head
            index = self._append(request.entry_type, step.id, request.entry, at)
            self.round_entries.append((step, index, at))
            return accepted_round_outcome(step, index, request.entry.leaf_hash)
        effect = apply_key_event(
            self.registry,
            request.event,
            request.signatures,
            origin=log.origin,
            log_public_key=log.log_public_key,
            log_index=self.tree_size,
        )
        index = self._append(EntryType.KEY_EVENT, request.event.id, request.entry, at)
        apply_key_effect(self.registry, effect, log_index=index)
        self.key_effects.append((effect, index))
        return accepted_key_event_outcome(request.event, effect, index, request.entry.leaf_hash)
