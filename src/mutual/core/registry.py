"""The key registry, kept as signed log entries so anyone can tell which key was valid when.

A key event is one of:

- ``register``: a principal's new public key, in a capacity (``member`` signs for the
  principal's own accounts, ``operator`` for the service's accounts, ``witness``
  cosigns checkpoints). Signed by the new key itself (proof of possession) and by the
  log key (the service vouches that an operator asked for it, named in ``by``).
- ``rotate``: replace a key by a new one of the same principal and capacity. Signed by
  both keys, so the service cannot rotate a resident's key on its own.
- ``revoke``: end a key. Signed by the key itself, or by the log key when the device is
  lost (an operator asked, named in ``by``).
- ``appoint_custodian`` / ``remove_custodian``: a named trusted person may sign on
  behalf of a resident without a device. Signed by the log key.

A key registered at log index ``r`` and revoked at ``v`` is valid for entries with
``r < index < v``: it cannot sign the entry that registers it, nor anything from its
revocation on.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
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


class KeyAction(StrEnum):
    REGISTER = "register"
    ROTATE = "rotate"
    REVOKE = "revoke"
    APPOINT_CUSTODIAN = "appoint_custodian"
    REMOVE_CUSTODIAN = "remove_custodian"


class Capacity(StrEnum):
    MEMBER = "member"
    OPERATOR = "operator"
    WITNESS = "witness"


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """One registry change as requested; which fields apply depends on ``action``."""

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


@dataclass(slots=True)
class Registry:
    """What the registry holds so far; the writer loads the part a batch touches."""

    keys: dict[KeyId, KeyRecord] = field(default_factory=dict)
    custodians: dict[PrincipalId, set[PrincipalId]] = field(default_factory=dict)

    def copy(self) -> Registry:
        return Registry(dict(self.keys), {k: set(v) for k, v in self.custodians.items()})


def key_event_payload(origin: str, event: KeyEvent) -> dict[str, Any]:
    """The signed document of a key event; absent fields are left out, not null."""
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
    }
    doc.update({k: v for k, v in optional.items() if v is not None})
    return doc


_REQUIRED: Mapping[KeyAction, Set[str]] = {
    KeyAction.REGISTER: {"public_key", "capacity", "by"},
    KeyAction.ROTATE: {"public_key", "key_id"},
    KeyAction.REVOKE: {"key_id"},
    KeyAction.APPOINT_CUSTODIAN: {"custodian", "by"},
    KeyAction.REMOVE_CUSTODIAN: {"custodian", "by"},
}
_ALLOWED_EXTRA: Mapping[KeyAction, Set[str]] = {
    KeyAction.REGISTER: {"name"},
    KeyAction.ROTATE: set(),
    KeyAction.REVOKE: {"reason", "by"},
    KeyAction.APPOINT_CUSTODIAN: set(),
    KeyAction.REMOVE_CUSTODIAN: set(),
}
_FIELDS = ("by", "public_key", "capacity", "name", "key_id", "custodian", "reason")


def check_key_event_shape(event: KeyEvent) -> None:
    present = {f for f in _FIELDS if getattr(event, f) is not None}
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


@dataclass(frozen=True, slots=True)
class KeyEffect:
    """What an accepted key event changes."""

    registered: KeyRecord | None = None
    revoked: KeyId | None = None
    custodian_added: tuple[PrincipalId, PrincipalId] | None = None
    custodian_removed: tuple[PrincipalId, PrincipalId] | None = None


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
    check_key_event_shape(event)
    message = signed_message(Domain.KEY_EVENT, key_event_payload(origin, event))
    log_key_id = key_id_of(log_public_key)

    def signed_by(key_id: KeyId, public_key: bytes) -> bool:
        return any(
            s.key_id == key_id
            and s.on_behalf_of is None
            and verify(public_key, message, s.signature)
            for s in signatures
        )

    def existing(key_id: KeyId) -> KeyRecord:
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

    if event.action in (KeyAction.REGISTER, KeyAction.ROTATE):
        assert event.public_key is not None
        assert event.new_key_id is not None
        new_id = event.new_key_id
        if new_id in registry.keys or new_id == log_key_id:
            raise KeyAlreadyRegistered("this public key is already registered", field="public_key")
        if not signed_by(new_id, event.public_key):
            raise SignatureRequired(
                "the new key must sign its own registration", field="signatures"
            )
        if event.action is KeyAction.REGISTER:
            assert event.capacity is not None
            if not signed_by(log_key_id, log_public_key):
                raise SignatureRequired(
                    "a registration is vouched by the log key", field="signatures"
                )
            capacity, name = event.capacity, event.name
        else:
            assert event.key_id is not None
            old = existing(event.key_id)
            if not signed_by(old.key_id, old.public_key):
                raise SignatureRequired("the old key must sign its rotation", field="signatures")
            capacity, name = old.capacity, old.name
        record = KeyRecord(new_id, event.principal, event.public_key, capacity, name, log_index)
        revoked = event.key_id if event.action is KeyAction.ROTATE else None
        return KeyEffect(registered=record, revoked=revoked)
    if event.action is KeyAction.REVOKE:
        assert event.key_id is not None
        old = existing(event.key_id)
        if not (signed_by(old.key_id, old.public_key) or signed_by(log_key_id, log_public_key)):
            raise SignatureRequired(
                "a revocation is signed by the key itself or the log key", field="signatures"
            )
        return KeyEffect(revoked=old.key_id)
    assert event.custodian is not None
    if not signed_by(log_key_id, log_public_key):
        raise SignatureRequired("custodians are appointed by the log key", field="signatures")
    if event.custodian == event.principal:
        raise InvalidKeyEvent("a custodian signs for someone else", field="custodian")
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
    if effect.revoked is not None:
        old = registry.keys[effect.revoked]
        registry.keys[effect.revoked] = KeyRecord(
            old.key_id,
            old.principal,
            old.public_key,
            old.capacity,
            old.name,
            old.registered_at,
            log_index,
        )
    if effect.registered is not None:
        registry.keys[effect.registered.key_id] = effect.registered
    if effect.custodian_added is not None:
        principal, custodian = effect.custodian_added
        registry.custodians.setdefault(principal, set()).add(custodian)
    if effect.custodian_removed is not None:
        principal, custodian = effect.custodian_removed
        registry.custodians.get(principal, set()).discard(custodian)
