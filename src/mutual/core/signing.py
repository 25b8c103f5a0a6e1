"""Canonical bytes and Ed25519 signatures over them.

Every signed payload is RFC 8785 canonical JSON behind a domain-separation prefix that
names its type, so a signature made for one kind of payload can never be replayed as
another (a key event can never pass for a transaction, nor a transaction for a ballot).
C2SP cosignatures carry their own standard prefix (``cosignature/v1``, see ``notes``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any, NewType
from uuid import UUID

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from mutual.core.canonical import canonical_json
from mutual.core.errors import InvalidSignature, MalformedSignature, UnknownKey
from mutual.core.ids import PrincipalId

KeyId = NewType("KeyId", str)
"""Lowercase hex SHA-256 of a raw 32-byte Ed25519 public key."""

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class Domain(Enum):
    """The prefix each payload type is signed behind."""

    TRANSACTION = b"mutual/transaction/v1\n"
    KEY_EVENT = b"mutual/key-event/v1\n"
    ACCOUNT = b"mutual/account/v1\n"
    BOUNDS = b"mutual/bounds/v1\n"
    BALLOT = b"mutual/ballot/v1\n"
    ROUND = b"mutual/round/v1\n"
    MEMBER_NOTICE = b"mutual/member-notice/v1\n"
    GROUP = b"mutual/group/v1\n"
    PACT = b"mutual/pact/v1\n"


def canonical(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of ``document``."""
    return canonical_json(document)


def signed_message(domain: Domain, payload: Mapping[str, Any]) -> bytes:
    """The exact bytes a signer signs for ``payload`` of type ``domain``."""
    return domain.value + canonical(payload)


def key_id_of(public_key: bytes) -> KeyId:
    return KeyId(hashlib.sha256(public_key).hexdigest())


def public_key_of(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def sign(seed: bytes, message: bytes) -> bytes:
    """Ed25519 signature with the private key whose 32-byte seed is ``seed`` (deterministic)."""
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


@lru_cache(maxsize=4096)
def _public_key(public_key: bytes) -> Ed25519PublicKey:
    # The same members' keys verify most entries; loading a key costs about 1.5 % of
    # a verification, once per key instead of once per signature.
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        _public_key(bytes(public_key)).verify(signature, message)
    except (_CryptoInvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature on a payload; ``on_behalf_of`` marks a custodial signature."""

    key_id: KeyId
    signature: bytes
    on_behalf_of: PrincipalId | None = None

    @property
    def custodial(self) -> bool:
        return self.on_behalf_of is not None

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"key_id": self.key_id, "signature": b64encode(self.signature)}
        if self.on_behalf_of is not None:
            doc["on_behalf_of"] = str(self.on_behalf_of)
        return doc


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, field: str, length: int | None = None) -> bytes:
    """Strict standard base64 (padding required); ``length`` checks the decoded size."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise MalformedSignature("not valid base64", field=field) from exc
    if length is not None and len(data) != length:
        raise MalformedSignature(f"expected {length} bytes, got {len(data)}", field=field)
    return data


_KEY_ID = re.compile("[0-9a-f]{64}")


def parse_key_id(text: str, *, field: str) -> KeyId:
    # fullmatch, not ``$``, which would also match before a final newline.
    if _KEY_ID.fullmatch(text) is None:
        raise MalformedSignature("a key id is 64 lowercase hex digits", field=field)
    return KeyId(text)


def parse_signature(document: object, *, field: str) -> Signature:
    """A signature object from JSON: ``{key_id, signature[, on_behalf_of]}``."""
    if not isinstance(document, Mapping) or set(document) - {"key_id", "signature", "on_behalf_of"}:
        raise MalformedSignature("a signature has key_id, signature and on_behalf_of", field=field)
    key_id = document.get("key_id")
    sig = document.get("signature")
    behalf = document.get("on_behalf_of")
    if not isinstance(key_id, str) or not isinstance(sig, str):
        raise MalformedSignature("key_id and signature are strings", field=field)
    on_behalf_of: PrincipalId | None = None
    if behalf is not None:
        try:
            on_behalf_of = PrincipalId(UUID(behalf))
        except (ValueError, TypeError, AttributeError) as exc:
            raise MalformedSignature(
                "on_behalf_of is a principal id", field=f"{field}.on_behalf_of"
            ) from exc
    return Signature(
        parse_key_id(key_id, field=f"{field}.key_id"),
        b64decode(sig, field=f"{field}.signature", length=SIGNATURE_BYTES),
        on_behalf_of,
    )


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """One Ed25519 verification still to do, and the field to blame if it fails."""

    public_key: bytes
    signature: bytes
    field: str


def signature_checks(
    signatures: tuple[Signature, ...], public_keys: Mapping[KeyId, bytes]
) -> tuple[SignatureCheck, ...]:
    """Raise unless every signature is by a known key, once; return the checks to make.

    Split from the verification itself so that an offline verifier can fold the ledger
    in order while another process does the Ed25519 work.
    """
    seen: set[KeyId] = set()
    checks: list[SignatureCheck] = []
    for i, sig in enumerate(signatures):
        field = f"signatures[{i}]"
        if sig.key_id in seen:
            raise MalformedSignature("each key signs at most once", field=field)
        seen.add(sig.key_id)
        public_key = public_keys.get(sig.key_id)
        if public_key is None:
            raise UnknownKey("no key with this id is registered", field=f"{field}.key_id")
        checks.append(SignatureCheck(public_key, sig.signature, f"{field}.signature"))
    return tuple(checks)


def first_failing(message: bytes, checks: tuple[SignatureCheck, ...]) -> SignatureCheck | None:
    for check in checks:
        if not verify(check.public_key, message, check.signature):
            return check
    return None


INVALID_SIGNATURE_DETAIL = "the signature does not verify over this payload"


def check_signatures(
    message: bytes, signatures: tuple[Signature, ...], public_keys: Mapping[KeyId, bytes]
) -> None:
    """Raise unless every signature is by a known key and verifies over ``message``.

    Which keys are *valid at this point of the log* and whether they carry enough
    authority is decided later, against the registry (``authority``).
    """
    failing = first_failing(message, signature_checks(signatures, public_keys))
    if failing is not None:
        raise InvalidSignature(INVALID_SIGNATURE_DETAIL, field=failing.field)
