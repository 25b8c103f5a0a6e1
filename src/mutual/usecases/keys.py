"""The key registry: registering, rotating and revoking keys, custodians, recoveries,
and reads.

Key events are log entries like transactions: they go through the journal, which
checks them against the registry as it stands at their log index. The service's log key
countersigns the events it vouches for (operator and witness registrations, custodians,
a revocation of such a key without the key itself, a recovery's completion); a member's
own keys are never vouched for by it (``core.key_custody``): the member's keys sign.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from mutual.core.authority import Principal, Role
from mutual.core.entries import EntryType, entry_document, log_entry
from mutual.core.ids import PrincipalId
from mutual.core.notes import VerifierKey
from mutual.core.registry import (
    CUSTODY_VERSION,
    Capacity,
    KeyAction,
    KeyEvent,
    KeyRecord,
    Recovery,
    check_key_event_shape,
    key_event_payload,
)
from mutual.core.signing import Domain, KeyId, Signature, signed_message
from mutual.store.journal import KeyEventWrite
from mutual.store.journal_io import key_record
from mutual.store.key_registry import custodian_pairs, keep_key_note, recoveries_of
from mutual.store.outcomes import Outcome
from mutual.store.tables import signing_keys
from mutual.store.timebank import notify
from mutual.usecases.errors import Forbidden, InvalidRequest
from mutual.usecases.runtime import Runtime

# Events the log key countersigns, and who may ask for that.
_VOUCHED = {KeyAction.REGISTER, KeyAction.APPOINT_CUSTODIAN, KeyAction.REMOVE_CUSTODIAN}

# How far a recovery entry's signed time may stand from this server's clock: the
# signer's device dates it, and a request dated earlier would shorten the wait.
RECOVERY_CLOCK_SKEW = timedelta(minutes=5)

# What each accepted event tells the member it concerns (``core.messages``).
_NOTICES = {
    KeyAction.REGISTER: "key_registered",
    KeyAction.ROTATE: "key_rotated",
    KeyAction.REVOKE: "key_revoked",
    KeyAction.REQUEST_RECOVERY: "recovery_requested",
    KeyAction.CANCEL_RECOVERY: "recovery_cancelled",
    KeyAction.COMPLETE_RECOVERY: "recovery_completed",
}


def _may_vouch(principal: Principal, event: KeyEvent) -> bool:
    if principal.has(Role.OPERATOR):
        return True
    own = event.principal == principal.id
    if event.action is KeyAction.REGISTER:
        # A witness (an auditor or a partner) registers the key it cosigns with itself,
        # so that no operator stands between an auditor and its own key.
        witness = event.capacity is Capacity.WITNESS and (
            principal.has(Role.AUDITOR) or principal.has(Role.PARTNER)
        )
        return own and witness
    return own and event.action is KeyAction.REVOKE


def _dated_now(rt: Runtime, event: KeyEvent) -> None:
    assert event.at is not None
    if abs(event.at - rt.clock()) > RECOVERY_CLOCK_SKEW:
        raise InvalidRequest("a recovery entry is dated now (this server's clock)", field="at")


def _check_asker(rt: Runtime, principal: Principal, event: KeyEvent) -> None:
    """Who may send ``event``, for the events whose rule is custody's; the ledger's own
    rule (signatures, pending recovery, due time) is the fold's, not repeated here."""
    own = event.principal == principal.id
    if event.action is KeyAction.REGISTER and event.capacity is Capacity.MEMBER:
        if not own or event.by != principal.id:
            raise Forbidden("a member's key is registered from the member's own session")
    elif event.action is KeyAction.REQUEST_RECOVERY:
        if not principal.has(Role.OPERATOR) or event.by != principal.id:
            raise Forbidden("a coordinator asks for a recovery, naming themselves in by")
        assert event.wait is not None
        _dated_now(rt, event)
        if event.wait < rt.settings.key_recovery_wait_seconds:
            raise InvalidRequest(
                f"a recovery waits at least {rt.settings.key_recovery_wait_seconds} s",
                field="wait",
            )
    elif event.action is KeyAction.CANCEL_RECOVERY:
        if not own:
            raise Forbidden("the member cancels a recovery of their own keys")
    elif event.action is KeyAction.COMPLETE_RECOVERY:
        if not own:
            raise Forbidden("the member completes a recovery, from the new key's device")
        _dated_now(rt, event)


async def submit_key_event(
    rt: Runtime,
    principal: Principal,
    event: KeyEvent,
    signatures: Sequence[Signature],
    *,
    note: str | None = None,
) -> Outcome:
    """Record a key event; the log key countersigns it when the rule asks for that.

    A revocation without the key's own signature (the device is lost) is vouched for
    by the log key, for the owner or an operator, where the key is not a member's (the
    fold refuses that: a member's lost device is a recovery). ``by`` must name the
    caller whenever the log key vouches, so the log shows who asked (a coordinator's
    operator key, which names them, goes through ``usecases.operator_keys``). ``note``,
    a revocation's free text, goes to an erasable table, never into the log.
    """
    if event.version != CUSTODY_VERSION:
        raise InvalidRequest(
            f"this log writes key events of version {CUSTODY_VERSION}", field="version"
        )
    if note is not None and event.action is not KeyAction.REVOKE:
        raise InvalidRequest("only a revocation takes a note", field="note")
    sigs = tuple(signatures)
    check_key_event_shape(event)
    _check_asker(rt, principal, event)
    member_register = event.action is KeyAction.REGISTER and event.capacity is Capacity.MEMBER
    vouch = (event.action in _VOUCHED and not member_register) or (
        event.action is KeyAction.REVOKE and not sigs
    )
    if event.action is KeyAction.COMPLETE_RECOVERY:
        write = vouched_write(rt, event, sigs)
    elif vouch:
        if event.by != principal.id:
            raise InvalidRequest("by must be your own principal id", field="by")
        if not _may_vouch(principal, event):
            raise Forbidden("your roles do not allow this key event")
        write = vouched_write(rt, event, sigs)
    else:
        if not principal.has(Role.OPERATOR) and event.principal != principal.id:
            raise Forbidden("only the key's owner or an operator submits this key event")
        write = key_event_write(rt, event, sigs)
    [outcome] = await rt.journal.submit([write], atomic=False, recorded_at=rt.clock())
    # A member's very first key, registered from their own session and signed by itself
    # alone, is what they just did: not told. Every key event someone else makes for them
    # is. (A key written past this entry point tells no one: notices are not yet derived
    # from the log.)
    first_own = member_register and len(sigs) == 1
    if outcome.accepted and not first_own:
        await _tell(rt, event, outcome, note)
    return outcome


async def _tell(rt: Runtime, event: KeyEvent, outcome: Outcome, note: str | None) -> None:
    """Tell the member whose keys changed (the feed, and e-mail through its outbox); a
    replay tells nothing new, the feed being keyed by (member, kind, source)."""
    body = outcome.body
    data: dict[str, object] = {
        "key_id": body.get("key_id") or body.get("revoked_key_id"),
        "action": event.action.value,
    }
    if event.action is KeyAction.REQUEST_RECOVERY:
        assert event.at is not None
        assert event.wait is not None
        due = event.at + timedelta(seconds=event.wait)
        data["due"] = due.strftime("%Y-%m-%d %H:%M UTC")
    async with rt.db.writing() as conn:
        await notify(
            conn,
            event.principal,
            _NOTICES.get(event.action, "key_registered"),
            data,
            source=str(event.id),
            now=rt.clock(),
        )
        if note is not None:
            await keep_key_note(conn, event.id, event.principal, note)


def key_event_write(rt: Runtime, event: KeyEvent, sigs: tuple[Signature, ...]) -> KeyEventWrite:
    payload = key_event_payload(rt.log.origin, event)
    message = signed_message(Domain.KEY_EVENT, payload)
    entry = log_entry(entry_document(EntryType.KEY_EVENT, payload, sigs))
    return KeyEventWrite(event, sigs, hashlib.sha256(message).digest(), entry)


def vouched_write(rt: Runtime, event: KeyEvent, sigs: tuple[Signature, ...] = ()) -> KeyEventWrite:
    """The event countersigned by the log key; the caller has checked who asks."""
    payload = key_event_payload(rt.log.origin, event)
    return key_event_write(rt, event, (*sigs, rt.log.sign_payload(Domain.KEY_EVENT, payload)))


async def read_keys(
    rt: Runtime, *, principal_id: PrincipalId | None = None, key_ids: Iterable[KeyId] = ()
) -> list[KeyRecord]:
    query = select(signing_keys).order_by(signing_keys.c.registered_at)
    ids = set(key_ids)
    if ids:
        query = query.where(signing_keys.c.key_id.in_(ids))
    if principal_id is not None:
        query = query.where(signing_keys.c.principal_id == principal_id)
    async with rt.db.reading() as conn:
        return [key_record(row) for row in await conn.execute(query)]


async def public_keys(rt: Runtime, key_ids: Iterable[KeyId]) -> dict[KeyId, bytes]:
    """Public keys by id, from a process-wide cache: a key id names one key forever."""
    cache = rt.public_keys
    wanted = set(key_ids)
    missing = wanted - cache.keys()
    if missing:
        for record in await read_keys(rt, key_ids=missing):
            if len(cache) > 200_000:
                cache.clear()
            cache[record.key_id] = record.public_key
    return {k: cache[k] for k in wanted if k in cache}


async def read_recoveries(
    rt: Runtime, principal: Principal, principal_id: PrincipalId
) -> list[Recovery]:
    """A member's recoveries, for the member (whose page completes or cancels them) or
    an operator."""
    if principal.id != principal_id and not principal.has(Role.OPERATOR):
        raise Forbidden("a member reads their own recoveries")
    async with rt.db.reading() as conn:
        return await recoveries_of(conn, principal_id)


@dataclass(frozen=True, slots=True)
class WitnessKey:
    record: KeyRecord
    verifier_key: VerifierKey


async def witness_verifier_keys(rt: Runtime, name: str) -> list[WitnessKey]:
    query = select(signing_keys).where(
        signing_keys.c.capacity == Capacity.WITNESS.value, signing_keys.c.name == name
    )
    async with rt.db.reading() as conn:
        records = [key_record(row) for row in await conn.execute(query)]
    return [WitnessKey(r, vk) for r in records if (vk := r.cosignature_key()) is not None]


@dataclass(frozen=True, slots=True)
class Custody:
    principal: PrincipalId
    custodian: PrincipalId
    appointed_at: int


async def read_custodians(rt: Runtime, principal_id: PrincipalId | None) -> list[Custody]:
    """The custodians the log has appointed and not removed (a project's lead, a point's
    keepers, a trusted person for a resident without a device)."""
    async with rt.db.reading() as conn:
        pairs = await custodian_pairs(conn, principal_id)
    return [Custody(PrincipalId(p), PrincipalId(c), at) for p, c, at in pairs]
