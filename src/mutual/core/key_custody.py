"""Members' keys in their own custody: the rules of version-2 member key events.

What an auditor checks offline, from the log alone (``core.registry`` applies these for
``member`` keys; the writer and ``mutual verify`` share them through the fold):

- **registration**: ``by`` is the member and the new key signs; if the member holds a
  member key valid at this index, it signs too. The log key never suffices. (Only the
  member's own keys revoke theirs, so a member without a valid key either never had one,
  revoked their own, or lost none: a lost device leaves its key valid, for a recovery.)
- **revocation**: signed by the key itself or another valid member key of the member.
- **recovery**, for a member who lost every device:

  1. ``request_recovery`` names the new key (made on the member's new device), ``by`` a
     coordinator, the signed time ``at`` and the ``wait`` in seconds. It is signed by an
     ``operator``-capacity key of ``by``, valid here, ``by`` not being the member: a
     coordinator's own key, which the log key is not (it is never in the registry). Only
     a member who has had a member key is recovered (a first key is simply registered),
     one pending recovery at a time.
  2. ``cancel_recovery`` (signed by a member key of the member valid here) ends it: a
     member who still holds a device says no.
  3. ``complete_recovery``, with its own time ``at``, is signed by the new key (proof of
     possession, from the device that will use it, after the wait) and by the log key;
     it is valid only if the request is still pending and ``at ≥ request.at + wait``.
     It registers the new key and revokes every member key of the member still valid.

  The request is the coordinator's act and the completion the new device's: neither the
  coordinator nor the log key can finish a recovery alone. Signed times of recovery
  entries never go backwards in log order, so a request cannot be dated before a
  recovery entry already logged. The writer also refuses a time away from its own clock
  and a wait below its setting; the auditor sees each recovery's stated wait in the
  verifier's summary, since the setting is the territory's. What the auditor cannot
  check offline is that a signed time was the true time: a log that lies about its
  clock is contradicted only by witnesses' cosignature times or by the member, who is
  told of the request when it is made.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from mutual.core.errors import (
    InvalidKeyEvent,
    KeyCustody,
    RecoveryNotDue,
    RecoveryNotPending,
    SignatureRequired,
)
from mutual.core.registry import (
    Capacity,
    KeyAction,
    KeyEffect,
    KeyEvent,
    KeyRecord,
    Recovery,
    RecoveryStatus,
    Registry,
    Signed,
    new_key,
    unregistered,
)


def _valid_member_keys(registry: Registry, event: KeyEvent, log_index: int) -> list[KeyRecord]:
    return [k for k in registry.member_keys(event.principal) if k.valid_at(log_index)]


def check_member_registration(
    registry: Registry, event: KeyEvent, signed: Signed, log_index: int
) -> None:
    """A member key is registered by the member: alone while they hold no valid key (a
    first key, or after revoking their own, which only their keys can do), else with a
    valid key of theirs (the log key's signature counts for nothing here)."""
    if event.by != event.principal:
        raise KeyCustody("a member's key is registered by the member themselves", field="by")
    valid = _valid_member_keys(registry, event, log_index)
    if valid and not signed.by_any(valid):
        raise KeyCustody(
            "this member holds a valid key: a new one is signed by it too, "
            "or comes through a recovery",
            field="signatures",
        )


def check_member_revocation(
    registry: Registry, event: KeyEvent, signed: Signed, old: KeyRecord, log_index: int
) -> None:
    if not signed.by_any(_valid_member_keys(registry, event, log_index)):
        raise KeyCustody(
            "a member's key is revoked by itself or another valid key of the member; "
            "a lost device is a recovery",
            field="signatures",
        )


def check_custodian_appointment(
    registry: Registry, event: KeyEvent, signed: Signed, log_index: int
) -> None:
    """A custodian signs for a member as if with their key. For a member who holds a
    valid key of their own, that is as much as registering one: their consent, signed by
    it, besides the log key's. A member without a device is appointed one by the service
    alone, and told."""
    valid = _valid_member_keys(registry, event, log_index)
    if valid and not signed.by_any(valid):
        raise KeyCustody(
            "this member holds their own keys: a custodian is appointed with a valid key of theirs",
            field="signatures",
        )


def _after_latest(registry: Registry, event: KeyEvent) -> None:
    assert event.at is not None
    if registry.latest_time is not None and event.at < registry.latest_time:
        raise InvalidKeyEvent(
            "a recovery entry's time is not before one already in the log", field="at"
        )


def _pending(registry: Registry, event: KeyEvent) -> Recovery:
    assert event.request is not None
    recovery = registry.recoveries.get(event.request)
    if (
        recovery is None
        or recovery.principal != event.principal
        or recovery.status is not RecoveryStatus.PENDING
    ):
        raise RecoveryNotPending("no pending recovery of this member by this id", field="request")
    return recovery


def apply_recovery(
    registry: Registry, event: KeyEvent, signed: Signed, *, log_index: int
) -> KeyEffect:
    if event.action is KeyAction.REQUEST_RECOVERY:
        assert event.public_key is not None
        assert event.by is not None
        assert event.at is not None
        assert event.wait is not None
        if event.by == event.principal:
            raise KeyCustody("a recovery is asked for by someone else: a coordinator", field="by")
        coordinator = [
            k
            for k in registry.keys.values()
            if k.principal == event.by and k.capacity is Capacity.OPERATOR
        ]
        if not signed.by_any([k for k in coordinator if k.valid_at(log_index)]):
            raise KeyCustody(
                "a recovery request is signed by the coordinator's own operator key "
                "(the log key does not count)",
                field="signatures",
            )
        if not registry.member_keys(event.principal):
            raise InvalidKeyEvent(
                "this member has never had a key: they register their first one",
                field="principal",
            )
        if any(
            r.principal == event.principal and r.status is RecoveryStatus.PENDING
            for r in registry.recoveries.values()
        ):
            raise InvalidKeyEvent("a recovery of this member is already pending", field="principal")
        unregistered(registry, event.public_key, signed.log_key_id)
        _after_latest(registry, event)
        recovery = Recovery(
            event.id,
            event.principal,
            event.public_key,
            event.by,
            event.at,
            event.wait,
            log_index,
        )
        return KeyEffect(recovery=recovery)
    recovery = _pending(registry, event)
    if event.action is KeyAction.CANCEL_RECOVERY:
        if not signed.by_any(_valid_member_keys(registry, event, log_index)):
            raise KeyCustody(
                "a recovery is cancelled by a valid key of the member", field="signatures"
            )
        closed = replace(recovery, status=RecoveryStatus.CANCELLED, closed_at=log_index)
        return KeyEffect(recovery=closed)
    assert event.at is not None
    if not signed.by_log():
        raise SignatureRequired("the log key countersigns a recovery", field="signatures")
    _after_latest(registry, event)
    due = recovery.at + timedelta(seconds=recovery.wait)
    if event.at < due:
        raise RecoveryNotDue(
            f"the recovery asked at {recovery.at.isoformat()} takes effect from "
            f"{due.isoformat()}, after its wait of {recovery.wait} s",
            field="at",
        )
    # The new key proves possession here, from the device that will use it; it may have
    # been registered since the request (a registration it signed alone), and a key is
    # registered once.
    new_id = new_key(registry, signed, recovery.public_key)
    record = KeyRecord(
        new_id, event.principal, recovery.public_key, Capacity.MEMBER, None, log_index
    )
    ended = tuple(k.key_id for k in _valid_member_keys(registry, event, log_index))
    closed = replace(
        recovery, status=RecoveryStatus.COMPLETED, closed_at=log_index, completed_time=event.at
    )
    return KeyEffect(registered=record, revoked=ended, recovery=closed)
