"""The key registry: registering, rotating and revoking keys, custodians, and reads.

Key events are log entries like transactions: they go through the journal, which
checks them against the registry as it stands at their log index. The service's log key
countersigns the events it vouches for (registrations, custodians, a revocation asked
for by the owner or an operator without the key itself).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from mutual.core.authority import Principal, Role
from mutual.core.entries import EntryType, entry_document, log_entry
from mutual.core.ids import PrincipalId
from mutual.core.notes import VerifierKey
from mutual.core.registry import Capacity, KeyAction, KeyEvent, KeyRecord, key_event_payload
from mutual.core.signing import Domain, KeyId, Signature, signed_message
from mutual.store.journal import KeyEventWrite
from mutual.store.journal_io import key_record
from mutual.store.outcomes import Outcome
from mutual.store.tables import signing_keys
from mutual.usecases.errors import Forbidden, InvalidRequest
from mutual.usecases.runtime import Runtime

# Events the log key countersigns, and who may ask for that.
_VOUCHED = {KeyAction.REGISTER, KeyAction.APPOINT_CUSTODIAN, KeyAction.REMOVE_CUSTODIAN}


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
        return own and (event.capacity is Capacity.MEMBER or witness)
    return own and event.action is KeyAction.REVOKE


async def submit_key_event(
    rt: Runtime, principal: Principal, event: KeyEvent, signatures: Sequence[Signature]
) -> Outcome:
    """Record a key event; the log key countersigns it when the rule asks for that.

    A revocation without the key's own signature (the device is lost) is vouched for
    by the log key, for the owner or an operator. ``by`` must name the caller whenever
    the log key vouches, so the log shows who asked.
    """
    sigs = tuple(signatures)
    vouch = event.action in _VOUCHED or (event.action is KeyAction.REVOKE and not sigs)
    if vouch:
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
    return outcome


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
