"""The key registry, kept as signed log entries so anyone can tell which key was valid when.

A key event is one of:

- ``register``: a principal's new public key, in a capacity (``member`` signs for the
  principal's own accounts, ``operator`` for the service's accounts, ``witness``
  cosigns checkpoints). Always signed by the new key itself (proof of possession).
- ``rotate``: replace a key by a new one of the same principal and capacity. Signed by
  both keys, so the service cannot rotate a resident's key on its own.
- ``revoke``: end a key, with an optional ``reason`` from ``REVOCATION_REASONS``.
- ``appoint_custodian`` / ``remove_custodian``: a named trusted person may sign on
  behalf of a resident without a device. Signed by the log key.
- ``request_recovery`` / ``cancel_recovery`` / ``complete_recovery``: a member who lost
  every device gets a new key without any old one (see ``core.key_custody``).

**Custody** (events of ``version`` 2, the only ones the writer writes). A member's keys
are theirs: the log key alone can neither add, replace nor end one, and an auditor
checks that offline from the signatures.

- A ``member`` key is registered ``by`` the member, signed by the new key; if the member
  holds a member key valid here, the registration also needs it (adding a device).
  Otherwise a new key comes by rotation or by recovery.
- A member key is revoked by itself or another valid member key of the same member,
  never by the log key alone.
- ``operator`` and ``witness`` keys stay vouched for by the log key, as before.

What no signature can show: that the very first key of a member was made by the member
and not by an operator who got there first. The member's own first registration is then
refused, and every later key event for them is told in their notifications; that is
the limit an auditor should know.

Events without ``version`` (version 1) come from logs written before custody: they keep
the old rule (a registration vouched by the log key, a revocation by the key or the log
key) and are accepted only before the log's first version-2 key event.

A key registered at log index ``r`` and revoked at ``v`` is valid for entries with
``r < index < v``: it cannot sign the entry that registers it, nor anything from its
revocation on.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from mutual.core.errors import (
    InvalidKeyEvent,
    KeyAlreadyRegistered,
    KeyNotValid,
    SignatureRequired,
    UnknownKey,
)
from mutual.core.ids import PrincipalId
from mutual.core.notes import COSIGNATURE_V1, VerifierKey, verifier_key
from mutual.core.signing import (
    PUBLIC_KEY_BYTES,
    Domain,
    KeyId,
    Signature,
    b64encode,
    key_id_of,
    signed_message,
    verify,
)

# The version of the rules a key event is written under (see the module docstring).
LEGACY_VERSION = 1
CUSTODY_VERSION = 2

# A revocation's signed reason is a code from this list: free text could hold personal
# data, which the signed log can never erase (a note goes to the erasable table).
REVOCATION_REASONS = frozenset({"lost", "stolen", "compromised", "replaced", "retired"})


class KeyAction(StrEnum):
    REGISTER = "register"
    ROTATE = "rotate"
    REVOKE = "revoke"
    APPOINT_CUSTODIAN = "appoint_custodian"
    REMOVE_CUSTODIAN = "remove_custodian"
    REQUEST_RECOVERY = "request_recovery"
    CANCEL_RECOVERY = "cancel_recovery"
    COMPLETE_RECOVERY = "complete_recovery"


RECOVERY_ACTIONS = frozenset(
    {KeyAction.REQUEST_RECOVERY, KeyAction.CANCEL_RECOVERY, KeyAction.COMPLETE_RECOVERY}
)


class Capacity(StrEnum):
    MEMBER = "member"
    OPERATOR = "operator"
    WITNESS = "witness"


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """One registry change as requested; which fields apply depends on ``action``.

    ``request`` names a recovery request; ``at`` is the signed time of a recovery's
    request or completion, ``wait`` the request's waiting period in seconds."""

    id: UUID
    action: KeyAction
    principal: PrincipalId
    by: PrincipalId | None = None
    public_key: bytes | None = None
    capacity: Capacity | None = None
    name: str | None = None
    key_id: KeyId | None = None
    custodian: PrincipalId | None = None
    reason: str | None = None
    request: UUID | None = None
    at: datetime | None = None
    wait: int | None = None
    version: int = CUSTODY_VERSION

    @property
    def new_key_id(self) -> KeyId | None:
        return None if self.public_key is None else key_id_of(self.public_key)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: KeyId
    principal: PrincipalId
    public_key: bytes
    capacity: Capacity
    name: str | None
    registered_at: int
    revoked_at: int | None = None

    def cosignature_key(self) -> VerifierKey | None:
        """A witness key's C2SP cosignature/v1 verifier key (type 0x04 key id)."""
        if self.capacity is not Capacity.WITNESS or self.name is None:
            return None
        return verifier_key(self.name, self.public_key, COSIGNATURE_V1)

    def valid_at(self, log_index: int) -> bool:
        return self.registered_at < log_index and (
            self.revoked_at is None or log_index < self.revoked_at
        )


class RecoveryStatus(StrEnum):
    PENDING = "pending"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Recovery:
    """A recovery request as the log holds it: who asked for which new key, when, and
    how long the member has to cancel it."""

    id: UUID
    principal: PrincipalId
    public_key: bytes
    by: PrincipalId
    at: datetime
    wait: int
    requested_at: int
    status: RecoveryStatus = RecoveryStatus.PENDING
    closed_at: int | None = None
    completed_time: datetime | None = None


@dataclass(slots=True)
class Registry:
    """What the registry holds so far; the writer loads the part a batch touches.

    ``custody_from`` is the log index of the first version-2 key event (the verifier
    keeps it; the writer writes nothing else). ``latest_time`` is the latest signed time
    of a recovery entry: recovery times never go backwards in the log."""

    keys: dict[KeyId, KeyRecord] = field(default_factory=dict)
    custodians: dict[PrincipalId, set[PrincipalId]] = field(default_factory=dict)
    recoveries: dict[UUID, Recovery] = field(default_factory=dict)
    custody_from: int | None = None
    latest_time: datetime | None = None
    # Member key ids by principal, built on first use and kept by ``apply_key_effect``:
    # every key event asks for a member's keys, and a scan of all keys each time made
    # verifying a log of n members' registrations take n² comparisons.
    _member_index: dict[PrincipalId, list[KeyId]] | None = None

    def copy(self) -> Registry:
        return Registry(
            dict(self.keys),
            {k: set(v) for k, v in self.custodians.items()},
            dict(self.recoveries),
            self.custody_from,
            self.latest_time,
            None
            if self._member_index is None
            else {p: list(ids) for p, ids in self._member_index.items()},
        )

    def member_keys(self, principal: PrincipalId) -> list[KeyRecord]:
        """Every member key the principal ever had, valid or not, in registration order."""
        if self._member_index is None:
            index: dict[PrincipalId, list[KeyId]] = {}
            for record in self.keys.values():
                if record.capacity is Capacity.MEMBER:
                    index.setdefault(record.principal, []).append(record.key_id)
            self._member_index = index
        return [self.keys[k] for k in self._member_index.get(principal, ())]

    def add_key(self, record: KeyRecord) -> None:
        """A newly registered key (the one way keys enter a registry being folded)."""
        known = record.key_id in self.keys
        self.keys[record.key_id] = record
        if not known and record.capacity is Capacity.MEMBER and self._member_index is not None:
            self._member_index.setdefault(record.principal, []).append(record.key_id)


def timestamp(at: datetime) -> str:
    """A signed time of the registry: UTC, to the second, ending in Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: object) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise InvalidKeyEvent("a time is an RFC 3339 UTC timestamp ending in Z", field="at")
    try:
        at = datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError as exc:
        raise InvalidKeyEvent(f"not a timestamp: {text!r}", field="at") from exc
    if timestamp(at) != text:
        raise InvalidKeyEvent("a time is written to the second: YYYY-MM-DDTHH:MM:SSZ", field="at")
    return at


def key_event_payload(origin: str, event: KeyEvent) -> dict[str, Any]:
    """The signed document of a key event; absent fields are left out, not null, and
    ``version`` is absent on a version-1 event, so old logs keep their bytes."""
    doc: dict[str, Any] = {
        "log": origin,
        "id": str(event.id),
        "action": event.action.value,
        "principal": str(event.principal),
    }
    optional: dict[str, Any] = {
        "by": None if event.by is None else str(event.by),
        "public_key": None if event.public_key is None else b64encode(event.public_key),
        "capacity": None if event.capacity is None else event.capacity.value,
        "name": event.name,
        "key_id": event.key_id,
        "custodian": None if event.custodian is None else str(event.custodian),
        "reason": event.reason,
        "request": None if event.request is None else str(event.request),
        "at": None if event.at is None else timestamp(event.at),
        "wait": event.wait,
        "version": None if event.version == LEGACY_VERSION else event.version,
    }
    doc.update({k: v for k, v in optional.items() if v is not None})
    return doc


_REQUIRED: Mapping[KeyAction, Set[str]] = {
    KeyAction.REGISTER: {"public_key", "capacity", "by"},
    KeyAction.ROTATE: {"public_key", "key_id"},
    KeyAction.REVOKE: {"key_id"},
    KeyAction.APPOINT_CUSTODIAN: {"custodian", "by"},
    KeyAction.REMOVE_CUSTODIAN: {"custodian", "by"},
    KeyAction.REQUEST_RECOVERY: {"public_key", "by", "at", "wait"},
    KeyAction.CANCEL_RECOVERY: {"request"},
    KeyAction.COMPLETE_RECOVERY: {"request", "at"},
}
_ALLOWED_EXTRA: Mapping[KeyAction, Set[str]] = {
    KeyAction.REGISTER: {"name"},
    KeyAction.ROTATE: set(),
    KeyAction.REVOKE: {"reason", "by"},
    KeyAction.APPOINT_CUSTODIAN: set(),
    KeyAction.REMOVE_CUSTODIAN: set(),
    KeyAction.REQUEST_RECOVERY: set(),
    KeyAction.CANCEL_RECOVERY: set(),
    KeyAction.COMPLETE_RECOVERY: set(),
}
# The fields a key event may carry beyond its id, action and principal (``version`` aside).
EVENT_FIELDS = (
    "by",
    "public_key",
    "capacity",
    "name",
    "key_id",
    "custodian",
    "reason",
    "request",
    "at",
    "wait",
)


def check_key_event_shape(event: KeyEvent) -> None:
    if event.version not in (LEGACY_VERSION, CUSTODY_VERSION):
        raise InvalidKeyEvent(f"no key event version {event.version}", field="version")
    if event.version == LEGACY_VERSION and event.action in RECOVERY_ACTIONS:
        raise InvalidKeyEvent("a recovery is a version-2 key event", field="version")
    present = {f for f in EVENT_FIELDS if getattr(event, f) is not None}
    required = _REQUIRED[event.action]
    missing = required - present
    if missing:
        raise InvalidKeyEvent(f"{event.action} needs {sorted(missing)[0]}", field=min(missing))
    extra = present - required - _ALLOWED_EXTRA[event.action]
    if extra:
        raise InvalidKeyEvent(f"{event.action} takes no {min(extra)}", field=min(extra))
    if event.public_key is not None and len(event.public_key) != PUBLIC_KEY_BYTES:
        raise InvalidKeyEvent("an Ed25519 public key is 32 bytes", field="public_key")
    if event.capacity is Capacity.WITNESS and not event.name:
        raise InvalidKeyEvent("a witness key has a name (its C2SP key name)", field="name")
    if event.name is not None and (
        not event.name or any(c.isspace() or c == "+" for c in event.name)
    ):
        raise InvalidKeyEvent("a key name has no spaces and no '+'", field="name")
    if (
        event.version == CUSTODY_VERSION
        and event.reason is not None
        and event.reason not in REVOCATION_REASONS
    ):
        raise InvalidKeyEvent(
            f"a revocation's reason is one of {sorted(REVOCATION_REASONS)}", field="reason"
        )
    if event.at is not None and (event.at.tzinfo is None or event.at.microsecond != 0):
        raise InvalidKeyEvent("a signed time is in UTC, to the second", field="at")
    if event.wait is not None and (type(event.wait) is not int or event.wait < 0):
        raise InvalidKeyEvent("a wait is a whole number of seconds, not negative", field="wait")


@dataclass(frozen=True, slots=True)
class KeyEffect:
    """What an accepted key event changes."""

    registered: KeyRecord | None = None
    revoked: tuple[KeyId, ...] = ()
    custodian_added: tuple[PrincipalId, PrincipalId] | None = None
    custodian_removed: tuple[PrincipalId, PrincipalId] | None = None
    recovery: Recovery | None = None
    custody_from: int | None = None


@dataclass(frozen=True, slots=True)
class Signed:
    """Who signed a key event: a check over its message, shared by the rules."""

    message: bytes
    signatures: tuple[Signature, ...]
    log_key_id: KeyId
    log_public_key: bytes

    def by(self, key_id: KeyId, public_key: bytes) -> bool:
        return any(
            s.key_id == key_id
            and s.on_behalf_of is None
            and verify(public_key, self.message, s.signature)
            for s in self.signatures
        )

    def by_log(self) -> bool:
        return self.by(self.log_key_id, self.log_public_key)

    def by_any(self, records: list[KeyRecord]) -> bool:
        return any(self.by(r.key_id, r.public_key) for r in records)


def apply_key_event(
    registry: Registry,
    event: KeyEvent,
    signatures: tuple[Signature, ...],
    *,
    origin: str,
    log_public_key: bytes,
    log_index: int,
) -> KeyEffect:
    """Check a key event's signatures and rule against the registry; return its effect.

    Pure and complete: the writer and the offline verifier both call it, so the
    cryptographic checks happen here too (key events are rare; transactions are
    verified before the writer instead).
    """
    # Imported here: core.key_custody builds on this module's types (a cycle at import).
    from mutual.core import key_custody

    check_key_event_shape(event)
    custody = event.version == CUSTODY_VERSION
    if not custody and registry.custody_from is not None:
        raise InvalidKeyEvent(
            f"a version-1 key event after the log's first version-2 one (index "
            f"{registry.custody_from}): the custody rules hold from there on",
            field="version",
        )
    signed = Signed(
        signed_message(Domain.KEY_EVENT, key_event_payload(origin, event)),
        signatures,
        key_id_of(log_public_key),
        log_public_key,
    )
    if event.action in RECOVERY_ACTIONS:
        effect = key_custody.apply_recovery(registry, event, signed, log_index=log_index)
    else:
        effect = _apply_key_change(registry, event, signed, custody=custody, log_index=log_index)
    if custody and registry.custody_from is None:
        effect = replace(effect, custody_from=log_index)
    return effect


def valid_key(registry: Registry, event: KeyEvent, key_id: KeyId, log_index: int) -> KeyRecord:
    """The principal's key ``key_id``, valid at ``log_index``."""
    record = registry.keys.get(key_id)
    if record is None or record.principal != event.principal:
        raise UnknownKey("the principal has no key with this id", field="key_id")
    if not record.valid_at(log_index):
        raise KeyNotValid(
            f"the key is not valid at log index {log_index}"
            + ("" if record.revoked_at is None else f" (revoked at {record.revoked_at})"),
            field="key_id",
        )
    return record


def unregistered(registry: Registry, public_key: bytes, log_key_id: KeyId) -> KeyId:
    """The id of a public key that is neither registered nor the log key."""
    new_id = key_id_of(public_key)
    if new_id in registry.keys or new_id == log_key_id:
        raise KeyAlreadyRegistered("this public key is already registered", field="public_key")
    return new_id


def new_key(registry: Registry, signed: Signed, public_key: bytes) -> KeyId:
    """A public key not yet registered, signing for itself (proof of possession)."""
    new_id = unregistered(registry, public_key, signed.log_key_id)
    if not signed.by(new_id, public_key):
        raise SignatureRequired("the new key must sign its own registration", field="signatures")
    return new_id


def _apply_key_change(
    registry: Registry, event: KeyEvent, signed: Signed, *, custody: bool, log_index: int
) -> KeyEffect:
    from mutual.core import key_custody  # see apply_key_event

    if event.action in (KeyAction.REGISTER, KeyAction.ROTATE):
        assert event.public_key is not None
        new_id = new_key(registry, signed, event.public_key)
        if event.action is KeyAction.REGISTER:
            assert event.capacity is not None
            if custody and event.capacity is Capacity.MEMBER:
                key_custody.check_member_registration(registry, event, signed, log_index)
            elif not signed.by_log():
                raise SignatureRequired(
                    "a registration is vouched by the log key", field="signatures"
                )
            capacity, name = event.capacity, event.name
            revoked: tuple[KeyId, ...] = ()
        else:
            assert event.key_id is not None
            old = valid_key(registry, event, event.key_id, log_index)
            if not signed.by(old.key_id, old.public_key):
                raise SignatureRequired("the old key must sign its rotation", field="signatures")
            capacity, name, revoked = old.capacity, old.name, (old.key_id,)
        record = KeyRecord(new_id, event.principal, event.public_key, capacity, name, log_index)
        return KeyEffect(registered=record, revoked=revoked)
    if event.action is KeyAction.REVOKE:
        assert event.key_id is not None
        old = valid_key(registry, event, event.key_id, log_index)
        if custody and old.capacity is Capacity.MEMBER:
            key_custody.check_member_revocation(registry, event, signed, old, log_index)
        elif not (signed.by(old.key_id, old.public_key) or signed.by_log()):
            raise SignatureRequired(
                "a revocation is signed by the key itself or the log key", field="signatures"
            )
        return KeyEffect(revoked=(old.key_id,))
    assert event.custodian is not None
    if not signed.by_log():
        raise SignatureRequired("custodians are appointed by the log key", field="signatures")
    if event.custodian == event.principal:
        raise InvalidKeyEvent("a custodian signs for someone else", field="custodian")
    if custody and event.action is KeyAction.APPOINT_CUSTODIAN:
        key_custody.check_custodian_appointment(registry, event, signed, log_index)
    pair = (event.principal, event.custodian)
    current = registry.custodians.get(event.principal, set())
    if event.action is KeyAction.APPOINT_CUSTODIAN:
        if event.custodian in current:
            raise InvalidKeyEvent("already a custodian of this principal", field="custodian")
        return KeyEffect(custodian_added=pair)
    if event.custodian not in current:
        raise InvalidKeyEvent("not a custodian of this principal", field="custodian")
    return KeyEffect(custodian_removed=pair)


def apply_key_effect(registry: Registry, effect: KeyEffect, *, log_index: int) -> None:
    """Fold an accepted key event's effect into ``registry`` (in place)."""
    for key_id in effect.revoked:
        registry.keys[key_id] = replace(registry.keys[key_id], revoked_at=log_index)
    if effect.registered is not None:
        registry.add_key(effect.registered)
    if effect.custodian_added is not None:
        principal, custodian = effect.custodian_added
        registry.custodians.setdefault(principal, set()).add(custodian)
    if effect.custodian_removed is not None:
        principal, custodian = effect.custodian_removed
        registry.custodians.get(principal, set()).discard(custodian)
    if effect.recovery is not None:
        recovery = effect.recovery
        registry.recoveries[recovery.id] = recovery
        for time in (recovery.at, recovery.completed_time):
            if time is not None and (registry.latest_time is None or time > registry.latest_time):
                registry.latest_time = time
    if effect.custody_from is not None and registry.custody_from is None:
        registry.custody_from = effect.custody_from
