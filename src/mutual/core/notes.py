"""C2SP signed notes, checkpoints and cosignatures, bit-compatible with the Go ecosystem.

A log publishes its tree heads as checkpoints (c2sp.org/tlog-checkpoint): a signed note
(c2sp.org/signed-note) whose text is the origin, the size and the root. Witnesses add
cosignatures (c2sp.org/tlog-cosignature, ``cosignature/v1``) to the same note. Using these
formats unchanged lets any off-the-shelf verifier or witness check mutual's log, so parsing
is strict where upstream Go (golang.org/x/mod/sumdb/note) is strict, and a little stricter
where leniency would break byte-for-byte round trips: base64 must be canonical and key ids
lowercase hex, as every known implementation writes them.

Keys are Ed25519. Seeds are arguments: this module never draws randomness.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
"""Signature type of plain Ed25519 note signatures over the note text."""
COSIGNATURE_V1 = 0x04
"""Signature type of timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature)."""

KEY_ID_BYTES = 4
ED25519_KEY_BYTES = 32
ED25519_SIGNATURE_BYTES = 64
TIMESTAMP_BYTES = 8
COSIGNATURE_BYTES = TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES
MAX_SIGNATURES = 100
"""Upstream Go refuses notes with more signature lines; C2SP requires accepting 16."""
MAX_TIMESTAMP = 2**63 - 1
"""A cosignature timestamp MUST NOT exceed this (c2sp.org/tlog-cosignature)."""
MAX_TREE_SIZE = 2**64 - 1
HASH_BYTES = 32

_SUPPORTED_TYPES = (ED25519, COSIGNATURE_V1)
_SIGNATURE_PREFIX = "\u2014 "  # EM DASH, space
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")
# At most 20 digits, the length of 2**64 - 1: int() refuses longer text with its own
# ValueError, and a size past the bound is malformed anyway.
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_COSIGNATURE_HEADER = "cosignature/v1\n"

NoteErrorKind = Literal["malformed", "invalid_signature", "no_verifiable_signatures"]
CheckpointErrorKind = Literal["malformed", "origin_mismatch"]


class NoteError(ValueError):
    """A note (or one of its signatures) is unusable; ``kind`` says why.

    ``malformed``: not a well-formed note. ``invalid_signature``: a signature from a known
    key does not verify, so the whole note is rejected. ``no_verifiable_signatures``: no
    signature from a known key.
    """

    def __init__(self, kind: NoteErrorKind, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind: NoteErrorKind = kind
        self.detail = detail


class NoteKeyError(ValueError):
    """A verifier or signer key is malformed, inconsistent, or of the wrong type for the use."""


class CheckpointError(ValueError):
    """A checkpoint body is not strict C2SP, or is not from the expected log."""

    def __init__(self, kind: CheckpointErrorKind, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind: CheckpointErrorKind = kind
        self.detail = detail


# --- shared text rules -------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """Standard padded base64, canonical only (so that re-encoding gives ``text`` back)."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error and non-ASCII input are both ValueErrors
        return None
    return data if _b64(data) == text else None


def _has_control(text: str) -> bool:
    """True if ``text`` holds an ASCII control character other than newline."""
    return any(ch < " " and ch != "\n" for ch in text)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def is_valid_key_name(name: str) -> bool:
    """C2SP key names: non-empty, no Unicode space, no "+"; also no control characters."""
    return (
        bool(name)
        and "+" not in name
        and not any(ch.isspace() for ch in name)
        and not _has_control(name)
        and _is_utf8(name)
    )


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("malformed", "note text must be non-empty and end in a newline")
    if not _is_utf8(text):
        raise NoteError("malformed", "note text is not valid UTF-8")
    if _has_control(text):
        raise NoteError("malformed", "note text holds a control character other than newline")


# --- keys --------------------------------------------------------------------------------


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """C2SP key id: SHA-256(name || 0x0A || type || public key)[:4]."""
    if not 0 <= sig_type <= 0xFF:
        raise NoteKeyError(f"signature type {sig_type} is not a byte")
    material = name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key
    return hashlib.sha256(material).digest()[:KEY_ID_BYTES]


def _check_key_parts(name: str, sig_type: int, key: bytes, what: str) -> None:
    if not is_valid_key_name(name):
        raise NoteKeyError(f"{name!r} is not a valid key name")
    if sig_type not in _SUPPORTED_TYPES:
        raise NoteKeyError(f"signature type 0x{sig_type:02x} is not supported")
    if len(key) != ED25519_KEY_BYTES:
        raise NoteKeyError(f"an Ed25519 {what} is {ED25519_KEY_BYTES} bytes, got {len(key)}")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A public key as C2SP names it: name, 4-byte key id, signature type, raw key."""

    name: str
    key_id: bytes
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_key_parts(self.name, self.sig_type, self.public_key, "public key")
        if self.key_id != key_id(self.name, self.sig_type, self.public_key):
            raise NoteKeyError(f"key id does not match the name and key of {self.name!r}")


def verifier_key(name: str, public_key: bytes, sig_type: int = ED25519) -> VerifierKey:
    """A verifier key with its key id computed."""
    _check_key_parts(name, sig_type, public_key, "public key")
    return VerifierKey(name, key_id(name, sig_type, public_key), sig_type, public_key)


def _key_fields(text: str, arity: str) -> tuple[str, str, int, bytes]:
    """``<name>+<hex key id>+base64(type || key material)``, split and checked for form.

    Only the first two "+" separate fields: names cannot hold one but base64 can.
    """
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteKeyError(f"{arity} '+'-separated fields")
    name, id_hex, key_b64 = parts
    if not is_valid_key_name(name):
        raise NoteKeyError(f"{name!r} is not a valid key name")
    if _KEY_ID_HEX.fullmatch(id_hex) is None:
        raise NoteKeyError("a key id is 8 lowercase hex digits")
    material = _b64decode(key_b64)
    if not material:
        raise NoteKeyError("the key is not non-empty canonical base64")
    return name, id_hex, material[0], material[1:]


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse a vkey ``<name>+<hex key id>+base64(type || key)``.

    Only the first two "+" separate fields: names cannot hold one but base64 can.
    """
    name, id_hex, sig_type, public_key = _key_fields(text, "a verifier key has three")
    _check_key_parts(name, sig_type, public_key, "public key")
    if bytes.fromhex(id_hex) != key_id(name, sig_type, public_key):
        raise NoteKeyError(f"key id {id_hex} does not match the name and key")
    return VerifierKey(name, bytes.fromhex(id_hex), sig_type, public_key)


def format_verifier_key(vk: VerifierKey) -> str:
    """The vkey text of ``vk``."""
    return f"{vk.name}+{vk.key_id.hex()}+{_b64(bytes([vk.sig_type]) + vk.public_key)}"


def cosignature_key(vk: VerifierKey) -> VerifierKey:
    """The cosignature/v1 form (type 0x04, its own key id) of a witness's Ed25519 key.

    Some tools publish a witness key as a type 0x01 vkey; the cosignature key id must
    still be computed with type 0x04.
    """
    return verifier_key(vk.name, vk.public_key, COSIGNATURE_V1)


def _public_key_of(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


@dataclass(frozen=True, slots=True)
class SignerKey:
    """A private key: name, key id, signature type and the 32-byte Ed25519 seed."""

    name: str
    key_id: bytes
    sig_type: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_key_parts(self.name, self.sig_type, self.seed, "seed")
        if self.key_id != key_id(self.name, self.sig_type, _public_key_of(self.seed)):
            raise NoteKeyError(f"key id does not match the name and key of {self.name!r}")


def signer_key_from_seed(name: str, seed: bytes, sig_type: int = ED25519) -> SignerKey:
    """A signer key from its seed (the caller draws the seed; the core never does)."""
    _check_key_parts(name, sig_type, seed, "seed")
    return SignerKey(name, key_id(name, sig_type, _public_key_of(seed)), sig_type, seed)


def verifier_key_of(signer: SignerKey) -> VerifierKey:
    """The verifier key matching ``signer``."""
    return VerifierKey(signer.name, signer.key_id, signer.sig_type, _public_key_of(signer.seed))


def parse_signer_key(text: str) -> SignerKey:
    """Parse the Go form ``PRIVATE+KEY+<name>+<hex key id>+base64(type || seed)``."""
    if not text.startswith(_PRIVATE_PREFIX):
        raise NoteKeyError("a signer key starts with PRIVATE+KEY+")
    name, id_hex, sig_type, seed = _key_fields(
        text[len(_PRIVATE_PREFIX) :], "a signer key has five"
    )
    _check_key_parts(name, sig_type, seed, "seed")
    if bytes.fromhex(id_hex) != key_id(name, sig_type, _public_key_of(seed)):
        raise NoteKeyError(f"key id {id_hex} does not match the name and key")
    return SignerKey(name, bytes.fromhex(id_hex), sig_type, seed)


def format_signer_key(signer: SignerKey) -> str:
    """The Go text form of ``signer`` (a secret: keep it out of logs)."""
    material = _b64(bytes([signer.sig_type]) + signer.seed)
    return f"{_PRIVATE_PREFIX}{signer.name}+{signer.key_id.hex()}+{material}"


# --- notes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, 4-byte key id, and the signature bytes after the id."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise NoteError("malformed", f"{self.name!r} is not a valid key name")
        if len(self.key_id) != KEY_ID_BYTES:
            raise NoteError("malformed", f"a key id is {KEY_ID_BYTES} bytes")
        if not self.signature:
            raise NoteError("malformed", "a signature is at least one byte after the key id")


@dataclass(frozen=True, slots=True)
class Note:
    """A note text (ending in a newline) and its signatures, in order, duplicates kept."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        _check_note_text(self.text)
        if not self.signatures:
            raise NoteError("malformed", "a note has at least one signature")
        if len(self.signatures) > MAX_SIGNATURES:
            raise NoteError("malformed", f"a note has at most {MAX_SIGNATURES} signatures")


def format_signature_line(sig: NoteSignature) -> str:
    """``— <name> base64(key id || signature)`` and its newline."""
    return f"{_SIGNATURE_PREFIX}{sig.name} {_b64(sig.key_id + sig.signature)}\n"


def parse_signature_line(line: str) -> NoteSignature:
    """Parse one signature line, newline included (as witnesses return them)."""
    if not line.endswith("\n") or "\n" in line[:-1] or _has_control(line):
        raise NoteError("malformed", "a signature line is one line ending in a newline")
    return _parse_signature(line[:-1])


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise NoteError("malformed", "a signature line starts with an em dash and a space")
    name, _, payload_b64 = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    payload = _b64decode(payload_b64)
    if payload is None or len(payload) <= KEY_ID_BYTES:
        raise NoteError("malformed", "a signature is canonical base64 of at least 5 bytes")
    return NoteSignature(name, payload[:KEY_ID_BYTES], payload[KEY_ID_BYTES:])


def format_note(note: Note) -> str:
    """The note as sent: text, blank line, signature lines."""
    return note.text + "\n" + "".join(format_signature_line(sig) for sig in note.signatures)


def parse_note(data: str | bytes) -> Note:
    """Parse a signed note without verifying it (the text must then still be ignored).

    The signatures follow the *last* blank line, so the text itself may hold blank lines.
    """
    if isinstance(data, bytes):
        try:
            message = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("malformed", "a note is valid UTF-8") from None
    else:
        message = data
    if not _is_utf8(message):
        raise NoteError("malformed", "a note is valid UTF-8")
    if _has_control(message):
        raise NoteError("malformed", "a note holds no control character other than newline")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed", "a note has a blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("malformed", "the signature block is non-empty and ends in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed", f"a note has at most {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature(line) for line in lines))


def _ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(signature) != ED25519_SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (_CryptoInvalidSignature, ValueError):
        return False
    return True


def _verifies(vk: VerifierKey, text: str, signature: bytes) -> bool:
    """Whether ``signature`` (after the key id) is ``vk``'s over note ``text``."""
    if vk.sig_type == ED25519:
        return _ed25519_verify(vk.public_key, text.encode("utf-8"), signature)
    if len(signature) != COSIGNATURE_BYTES:
        return False
    timestamp = int.from_bytes(signature[:TIMESTAMP_BYTES], "big")
    if timestamp > MAX_TIMESTAMP:
        return False
    message = cosignature_message(text, timestamp)
    return _ed25519_verify(vk.public_key, message, signature[TIMESTAMP_BYTES:])


def sign_note(text: str, signer: SignerKey) -> NoteSignature:
    """An Ed25519 note signature by ``signer`` over ``text`` (deterministic)."""
    _check_note_text(text)
    if signer.sig_type != ED25519:
        raise NoteKeyError("plain note signatures need an Ed25519 (type 0x01) key")
    private = Ed25519PrivateKey.from_private_bytes(signer.seed)
    return NoteSignature(signer.name, signer.key_id, private.sign(text.encode("utf-8")))


def _index_keys(known: Sequence[VerifierKey]) -> dict[tuple[str, bytes], VerifierKey]:
    index: dict[tuple[str, bytes], VerifierKey] = {}
    for vk in known:
        previous = index.setdefault((vk.name, vk.key_id), vk)
        if previous != vk:
            raise NoteKeyError(f"two different known keys share name {vk.name!r} and key id")
    return index


def open_note(
    data: str | bytes, known: Sequence[VerifierKey]
) -> tuple[Note, list[NoteSignature], list[NoteSignature]]:
    """Parse and verify a note: ``(note, verified, unverified)``, as Go's ``note.Open``.

    A signature whose name and key id match a known key must verify, or the whole note is
    rejected (``invalid_signature``); other signatures are returned unverified, identical
    lines once. Repeated signatures by one known key count once (only the first is
    checked). At least one must verify (else ``no_verifiable_signatures``). Known keys of
    type 0x04 check cosignature/v1 signatures over the note text.
    """
    note = parse_note(data)
    index = _index_keys(known)
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen_known: set[tuple[str, bytes]] = set()
    seen_unknown: set[NoteSignature] = set()
    for sig in note.signatures:
        vk = index.get((sig.name, sig.key_id))
        if vk is None:
            if sig not in seen_unknown:
                seen_unknown.add(sig)
                unverified.append(sig)
            continue
        if (sig.name, sig.key_id) in seen_known:
            continue
        seen_known.add((sig.name, sig.key_id))
        if not _verifies(vk, note.text, sig.signature):
            raise NoteError("invalid_signature", f"signature by known key {sig.name!r} fails")
        verified.append(sig)
    if not verified:
        raise NoteError("no_verifiable_signatures", "no signature from a known key")
    return note, verified, unverified


# --- checkpoints -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: origin line, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, line in (("origin", self.origin), *(("extension", e) for e in self.extensions)):
            if not line or "\n" in line or _has_control(line) or not _is_utf8(line):
                raise CheckpointError("malformed", f"{what} line is empty or has control chars")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError("malformed", "tree size is not below 2**64")
        if len(self.root) != HASH_BYTES:
            raise CheckpointError("malformed", f"root hash is not {HASH_BYTES} bytes")


def format_checkpoint_body(cp: Checkpoint) -> str:
    """The note text of a checkpoint: origin, size, base64 root, extensions, each + newline."""
    lines = [cp.origin, str(cp.size), _b64(cp.root), *cp.extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint_body(text: str) -> Checkpoint:
    """Parse a checkpoint body strictly (canonical decimal size, 32-byte padded root)."""
    if not text.endswith("\n") or _has_control(text):
        raise CheckpointError("malformed", "a checkpoint body is newline-terminated lines")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("malformed", "a checkpoint body has origin, size and root lines")
    origin, size_text, root_text, *extensions = lines
    if _DECIMAL.fullmatch(size_text) is None or int(size_text) > MAX_TREE_SIZE:
        raise CheckpointError("malformed", "tree size is not canonical decimal below 2**64")
    root = _b64decode(root_text)
    if root is None or len(root) != HASH_BYTES:
        raise CheckpointError("malformed", f"root is not canonical base64 of {HASH_BYTES} bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def open_checkpoint(
    data: str | bytes, origin: str, log_key: VerifierKey
) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint from the log ``log_key`` and parse it; check its origin.

    Other signatures (cosignatures among them) are left in the note for the caller.
    """
    note, _, _ = open_note(data, [log_key])
    checkpoint = parse_checkpoint_body(note.text)
    if checkpoint.origin != origin:
        raise CheckpointError(
            "origin_mismatch", f"checkpoint is for {checkpoint.origin!r}, not {origin!r}"
        )
    return checkpoint, note


# --- cosignatures ------------------------------------------------------------------------


def cosignature_message(checkpoint_body: str, timestamp: int) -> bytes:
    """The bytes a cosignature/v1 signs: header, time line, then the whole checkpoint body."""
    _check_note_text(checkpoint_body)
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError("malformed", "a cosignature timestamp is in [0, 2**63 - 1]")
    return f"{_COSIGNATURE_HEADER}time {timestamp}\n{checkpoint_body}".encode()


def cosignature_timestamp(sig: NoteSignature) -> int:
    """The timestamp a cosignature/v1 signature carries (its first 8 bytes, big-endian)."""
    if len(sig.signature) != COSIGNATURE_BYTES:
        raise NoteError("malformed", f"a cosignature is {COSIGNATURE_BYTES} bytes")
    timestamp = int.from_bytes(sig.signature[:TIMESTAMP_BYTES], "big")
    if timestamp > MAX_TIMESTAMP:
        raise NoteError("malformed", "a cosignature timestamp does not exceed 2**63 - 1")
    return timestamp


def sign_cosignature(checkpoint_body: str, timestamp: int, signer: SignerKey) -> NoteSignature:
    """A witness's cosignature/v1 on a checkpoint body at ``timestamp`` (POSIX seconds)."""
    if signer.sig_type != COSIGNATURE_V1:
        raise NoteKeyError("cosignatures need a cosignature/v1 (type 0x04) key")
    parse_checkpoint_body(checkpoint_body)
    message = cosignature_message(checkpoint_body, timestamp)
    signature = Ed25519PrivateKey.from_private_bytes(signer.seed).sign(message)
    return NoteSignature(
        signer.name, signer.key_id, timestamp.to_bytes(TIMESTAMP_BYTES, "big") + signature
    )


def verify_cosignature(checkpoint_body: str, sig: NoteSignature, vk: VerifierKey) -> int:
    """Check ``sig`` is ``vk``'s cosignature/v1 on ``checkpoint_body``; return its timestamp."""
    if vk.sig_type != COSIGNATURE_V1:
        raise NoteError("no_verifiable_signatures", "the key is not a cosignature/v1 key")
    if (sig.name, sig.key_id) != (vk.name, vk.key_id):
        raise NoteError("no_verifiable_signatures", "the signature is not from this key")
    timestamp = cosignature_timestamp(sig)
    message = cosignature_message(checkpoint_body, timestamp)
    if not _ed25519_verify(vk.public_key, message, sig.signature[TIMESTAMP_BYTES:]):
        raise NoteError("invalid_signature", f"cosignature by {vk.name!r} does not verify")
    return timestamp
