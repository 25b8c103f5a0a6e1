"""The service's own log key: it signs checkpoints and vouches for registrations.

Loaded from the settings (the key itself, or a file), or on first start created in the
data directory so that a new user runs the service with nothing to configure. The key's
name is the log's origin, as C2SP checkpoints expect.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from mutual.core.entries import EntryType, LogEntry, entry_document, log_entry
from mutual.core.keypair import Keypair
from mutual.core.notes import (
    NoteSignature,
    SignerKey,
    VerifierKey,
    format_signer_key,
    format_verifier_key,
    parse_signer_key,
    sign_note,
    signer_key_from_seed,
    verifier_key_of,
)
from mutual.core.signing import (
    Domain,
    KeyId,
    Signature,
    key_id_of,
    public_key_of,
    signed_message,
)
from mutual.settings import Settings

GENERATED_KEY_FILE = "log-signing.key"


class LogKeyError(RuntimeError):
    """The configured log key is unusable; the service refuses to start."""


@dataclass(frozen=True, slots=True)
class LogSigner:
    signer: SignerKey
    public_key: bytes

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def key_id(self) -> KeyId:
        return key_id_of(self.public_key)

    @property
    def verifier_key(self) -> VerifierKey:
        return verifier_key_of(self.signer)

    def verifier_key_text(self) -> str:
        return format_verifier_key(self.verifier_key)

    def sign_payload(self, domain: Domain, payload: dict[str, Any]) -> Signature:
        return Keypair(self.signer.seed).sign_payload(domain, payload)

    def sign_entry(
        self, domain: Domain, entry_type: EntryType, payload: dict[str, Any]
    ) -> tuple[LogEntry, bytes]:
        """A log entry the log key alone signs, and its idempotency digest."""
        signature = self.sign_payload(domain, payload)
        entry = log_entry(entry_document(entry_type, payload, (signature,)))
        return entry, hashlib.sha256(signed_message(domain, payload)).digest()

    def sign_note(self, text: str) -> NoteSignature:
        return sign_note(text, self.signer)


def _from_text(text: str, origin: str) -> LogSigner:
    try:
        signer = parse_signer_key(text.strip())
    except ValueError as exc:
        raise LogKeyError(f"the log signing key is not a C2SP Ed25519 signer key: {exc}") from exc
    if signer.name != origin:
        raise LogKeyError(
            f"the log signing key is named {signer.name!r} but the log origin is {origin!r}"
        )
    return LogSigner(signer, public_key_of(signer.seed))


def load_log_signer(settings: Settings) -> LogSigner:
    if settings.log_signing_key is not None:
        return _from_text(settings.log_signing_key.get_secret_value(), settings.log_origin)
    path = settings.log_signing_key_file or settings.data_dir / GENERATED_KEY_FILE
    if path.exists():
        return _from_text(path.read_text(), settings.log_origin)
    if settings.log_signing_key_file is not None:
        raise LogKeyError(f"log_signing_key_file {path} does not exist")
    signer = signer_key_from_seed(settings.log_origin, os.urandom(32))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting at once, one writes and both use its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _from_text(path.read_text(), settings.log_origin)
    with os.fdopen(fd, "w") as f:
        f.write(format_signer_key(signer) + "\n")
    return LogSigner(signer, public_key_of(signer.seed))
