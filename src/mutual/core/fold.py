"""The one fold of the log: what the ledger accepts, entry by entry.

Both the journal's writer (on the state it locked, before it writes) and the offline
verifier (on an export) call ``apply_entry`` for every entry, so the two can never
disagree on what the ledger accepts. Per entry type:

- an account opening: a new id, in the form ``core.accounts`` allows;
- a bounds change: ``core.bounds``;
- a key event: the registry's rules (``core.registry``);
- a round step or ballot: the round's sequence, and its rules where the round's state
  is known (always offline; in the writer, for the rounds a batch executes);
- a member notice (a profile changed, a member erased): nothing to change, an id to check;
  is known (always offline; in the writer, for the rounds a batch snapshots or
  executes), and a snapshot's voters are the roll its round names, as the groups stand
  at that index;
- a group entry: the groups' rules (``core.groups``);
- a pact entry: the pact's rules (``core.pact``: a published version signed once per
  signatory, an invitation by a signatory);
- a transaction: its shape, accounts and units, the signers' authority at this index,
  reversal, its kind's rule (``core.kinds``) and the bounds, in that order.

Signatures are verified over the bytes before the fold (the writer does it outside its
lock, the verifier before calling); the fold checks who signed and with which key valid
where. ``LedgerState`` holds what the rules read; the writer loads the part a batch
touches (and the facts its kinds need), the verifier keeps all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from mutual.core import derived, kinds
from mutual.core.accounts import Account
from mutual.core.authority import authorise_ballot
from mutual.core.bounds import BoundsChange, apply_bounds_change
from mutual.core.entries import MemberNotice
from mutual.core.errors import AccountExists
from mutual.core.groups import (
    Group,
    GroupEntry,
    Groups,
    apply_group_entry,
    check_envelope,
    roll_of,
)
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.ledger import Applied, apply_transaction
from mutual.core.pact import Pact, PactEntry, apply_pact_entry
from mutual.core.registry import KeyEffect, KeyEvent, Registry, apply_key_effect, apply_key_event
from mutual.core.round_entries import Kind, RoundEntry
from mutual.core.round_state import Infeasible, RollMismatch, RoundState, WrongPhase
from mutual.core.rounds import apply_entry as apply_round_entry
from mutual.core.rounds import check_sequence, start
from mutual.core.signing import Signature
from mutual.core.transactions import Posting, Transaction


@dataclass(frozen=True, slots=True)
class TransactionEntry:
    transaction: Transaction
    signatures: tuple[Signature, ...]


@dataclass(frozen=True, slots=True)
class AccountEntry:
    account: Account


@dataclass(frozen=True, slots=True)
class BoundsEntry:
    change: BoundsChange


@dataclass(frozen=True, slots=True)
class KeyEventEntry:
    event: KeyEvent
    signatures: tuple[Signature, ...]


@dataclass(frozen=True, slots=True)
class RoundStepEntry:
    """A round's step (signed by the log key) or a ballot (signed by its voter)."""

    step: RoundEntry
    ballot: bool
    signatures: tuple[Signature, ...]


@dataclass(frozen=True, slots=True)
class MemberNoticeEntry:
    notice: MemberNotice


@dataclass(frozen=True, slots=True)
class GroupChangeEntry:
    """A coordination group's change, signed by the log key (checked before the fold)."""

    change: GroupEntry


@dataclass(frozen=True, slots=True)
class PactChangeEntry:
    """A pact version, signature or invitation, signed by the log key (checked before the
    fold)."""

    change: PactEntry


Entry = (
    TransactionEntry
    | AccountEntry
    | BoundsEntry
    | KeyEventEntry
    | RoundStepEntry
    | MemberNoticeEntry
    | GroupChangeEntry
    | PactChangeEntry
)


@dataclass(frozen=True, slots=True)
class LogKey:
    origin: str
    public_key: bytes


@dataclass(slots=True)
class LedgerState:
    """What the fold reads and changes. ``rounds`` holds a round's whole state where it is
    known; ``round_heads`` its head entry and acts count, always."""

    accounts: dict[AccountId, Account] = field(default_factory=dict)
    originals: dict[TransactionId, tuple[Posting, ...]] = field(default_factory=dict)
    reversed_ids: set[TransactionId] = field(default_factory=set)
    registry: Registry = field(default_factory=Registry)
    defaults: dict[UUID, BoundsChange] = field(default_factory=dict)
    round_heads: dict[UUID, tuple[UUID, int]] = field(default_factory=dict)
    rounds: dict[UUID, RoundState] = field(default_factory=dict)
    facts: kinds.Facts = field(default_factory=kinds.Facts)
    groups: Groups = field(default_factory=Groups)
    pact: Pact = field(default_factory=Pact)

    def copy(self) -> LedgerState:
        """A draft for an atomic group: what the fold changes is copied, what it only
        adds to (the originals) is shared."""
        return LedgerState(
            dict(self.accounts),
            self.originals,
            set(self.reversed_ids),
            self.registry.copy(),
            dict(self.defaults),
            dict(self.round_heads),
            dict(self.rounds),
            self.facts.copy(),
            self.groups.copy(),
            self.pact.copy(),
        )


@dataclass(frozen=True, slots=True)
class KeyApplied:
    effect: KeyEffect


@dataclass(frozen=True, slots=True)
class BoundsApplied:
    change: BoundsChange
    account: Account | None


Effect = (
    Applied | Account | BoundsApplied | KeyApplied | RoundEntry | MemberNotice | Group | PactEntry
)


def apply_entry(
    state: LedgerState, entry: Entry, *, log_index: int, on: date | None, log_key: LogKey
) -> Effect:
    """Apply one entry at ``log_index`` (written on day ``on``, when known) to ``state``
    in place, or raise the LedgerError that refuses it, leaving ``state`` unchanged."""
    match entry:
        case TransactionEntry(tx, signatures):
            return _transaction(state, tx, signatures, log_index=log_index, on=on)
        case AccountEntry(account):
            derived.check_account_id(account.id, account.role, account.unit)
            if account.id in state.accounts:
                raise AccountExists("an account with this id exists", field="id")
            state.accounts[account.id] = account
            state.facts.opened(account)
            return account
        case BoundsEntry(change):
            derived.check_bounds_id(change.id, change.follows, change.account_id)
            changed = apply_bounds_change(change, state.accounts, state.defaults)
            if changed is None:
                state.defaults[change.id] = change
            else:
                state.accounts[changed.id] = changed
            return BoundsApplied(change, changed)
        case KeyEventEntry(event, signatures):
            derived.check_appointment_id(event.id, event.principal, event.custodian)
            effect = apply_key_event(
                state.registry,
                event,
                signatures,
                origin=log_key.origin,
                log_public_key=log_key.public_key,
                log_index=log_index,
            )
            apply_key_effect(state.registry, effect, log_index=log_index)
            return KeyApplied(effect)
        case RoundStepEntry(step, ballot, signatures):
            return _round_step(state, step, ballot, signatures, log_index=log_index)
        case MemberNoticeEntry(notice):
            # A notice changes nothing the ledger holds: its id is a client-kind id
            # (the derived namespace is the service's own derivations) and the log key
            # signed it, which the writer and the verifier check before the fold.
            derived.check_client_id(notice.id)
            return notice
        case GroupChangeEntry(change):
            derived.check_client_id(change.id)
            return apply_group_entry(state.groups, change, log_index=log_index)
        case PactChangeEntry(pact_change):
            derived.check_client_id(pact_change.id)
            return apply_pact_entry(state.pact, pact_change, log_index=log_index)


def _transaction(
    state: LedgerState,
    tx: Transaction,
    signatures: tuple[Signature, ...],
    *,
    log_index: int,
    on: date | None,
) -> Applied:
    kinds.check_reserved_id(tx)
    context = kinds.Context(state.accounts, state.facts, state.rounds, on)
    applied = apply_transaction(
        tx,
        signatures,
        registry=state.registry,
        accounts=state.accounts,
        originals=state.originals,
        reversed_ids=state.reversed_ids,
        log_index=log_index,
        # The kind's rule runs after authority and reversal, before the bounds.
        kind_rule=lambda: kinds.check_kind(tx, context),
    )
    for account in applied.accounts:
        state.accounts[account.id] = account
    state.originals[tx.id] = tx.postings
    if tx.reverses is not None:
        state.reversed_ids.add(tx.reverses)
    kinds.record(tx, state.facts)
    return applied


def _round_step(
    state: LedgerState,
    step: RoundEntry,
    ballot: bool,
    signatures: tuple[Signature, ...],
    *,
    log_index: int,
) -> RoundEntry:
    derived.check_client_id(step.id)
    if ballot != (step.kind is Kind.BALLOT):
        raise WrongPhase("a ballot, and only a ballot, is a ballot entry", field="kind")
    before = state.round_heads.get(step.round_id)
    head = check_sequence(before, step)
    if ballot:
        authorise_ballot(PrincipalId(step.by), signatures, state.registry, log_index=log_index)
    known = state.rounds.get(step.round_id)
    if before is None:
        state.rounds[step.round_id] = start(step)
    elif known is not None:
        after = apply_round_entry(known, step)
        if step.kind is Kind.EXECUTED:
            kinds.check_executed(after, state.facts)
        if step.kind is Kind.SNAPSHOT:
            _check_roll(state.groups, after)
        state.rounds[step.round_id] = after
    state.round_heads[step.round_id] = head
    return step


def _check_roll(groups: Groups, after: RoundState) -> None:
    """A snapshot's voters are the roll its round names, as the groups stand now (the
    fold is at the snapshot's index). Every active member (the default of rounds drafted
    before groups) is the service's list, which the ledger does not hold. A
    neighbourhood round's euros are within its own budget."""
    roll = after.config.roll
    expected = None if roll is None else roll_of(groups, roll)
    manifest = after.require_manifest()
    envelope = after.config.neighbourhood
    if envelope is not None:
        check_envelope(groups, envelope)
        if manifest.budget_eur > envelope.budget_eur:
            raise Infeasible(
                f"a neighbourhood round allocates at most its {envelope.budget_eur} cents",
                field="manifest.budget_eur",
            )
    if expected is not None and manifest.voters != expected:
        raise RollMismatch(
            "the manifest's voters are not the roll the round names at its snapshot",
            field="manifest.voters",
        )
