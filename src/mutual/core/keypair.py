"""A signer's side: one Ed25519 key pair and the signatures it makes on our payloads.

Used by the demo, the tests, the benchmarks and any Python client; the browser does the
same with WebCrypto. The seed is drawn by the caller (the core has no randomness).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mutual.core.ids import PrincipalId
from mutual.core.registry import KeyEvent, key_event_payload
from mutual.core.signing import (
    Domain,
    KeyId,
    Signature,
    key_id_of,
    public_key_of,
    sign,
    signed_message,
)
from mutual.core.transactions import Transaction, transaction_payload


@dataclass(frozen=True, slots=True)
class Keypair:
    seed: bytes = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return public_key_of(self.seed)

    @property
    def key_id(self) -> KeyId:
        return key_id_of(self.public_key)

    def sign_payload(
        self, domain: Domain, payload: Mapping[str, Any], *, on_behalf_of: PrincipalId | None = None
    ) -> Signature:
        message = signed_message(domain, payload)
        return Signature(self.key_id, sign(self.seed, message), on_behalf_of)

    def sign_transaction(
        self, origin: str, tx: Transaction, *, on_behalf_of: PrincipalId | None = None
    ) -> Signature:
        payload = transaction_payload(origin, tx)
        return self.sign_payload(Domain.TRANSACTION, payload, on_behalf_of=on_behalf_of)

    def sign_key_event(self, origin: str, event: KeyEvent) -> Signature:
        return self.sign_payload(Domain.KEY_EVENT, key_event_payload(origin, event))

    def key_event_request(self, origin: str, event: KeyEvent) -> dict[str, Any]:
        """The body a client sends to ``POST /key-events`` for ``event``, signed by this
        key: the signed document's fields (the log's origin aside) and the signature."""
        fields = {k: v for k, v in key_event_payload(origin, event).items() if k != "log"}
        return {**fields, "signatures": [self.sign_key_event(origin, event).document()]}
