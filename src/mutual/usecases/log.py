"""The verifiable log: signed checkpoints, witness cosignatures and Merkle proofs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.entries import EntryType
from mutual.core.ids import AccountId, TransactionId
from mutual.core.merkle import (
    consistency_ranges,
    inclusion_ranges,
    proof_hashes,
    proof_node_keys,
    root_from_nodes,
    root_node_keys,
)
from mutual.core.notes import (
    Checkpoint,
    Note,
    NoteError,
    format_checkpoint_body,
    format_note,
    format_signature_line,
    parse_note,
    parse_signature_line,
    verify_cosignature,
)
from mutual.core.permissions import reads_everything
from mutual.core.signing import KeyId
from mutual.store import ledger_reads, log_reads
from mutual.store.accounts import get_account
from mutual.store.errors import StoreUnavailable
from mutual.store.log_reads import StoredCheckpoint, StoredEntry
from mutual.usecases.errors import InvalidRequest, NotFound
from mutual.usecases.keys import read_keys, witness_verifier_keys
from mutual.usecases.runtime import Runtime

log = logging.getLogger(__name__)


async def root_at(rt: Runtime, size: int) -> bytes:
    nodes = await log_reads.read_nodes(rt.db, root_node_keys(size))
    return root_from_nodes(size, nodes)


def _require_size(size: int, current: int, *, field: str) -> None:
    if size < 0 or size > current:
        raise InvalidRequest(f"tree size must be between 0 and {current}", field=field)


async def _check_size(rt: Runtime, size: int, *, field: str) -> int:
    current = await log_reads.read_tree_size(rt.db)
    _require_size(size, current, field=field)
    return current


async def sign_checkpoint(rt: Runtime) -> StoredCheckpoint:
    """A checkpoint of the log as it is now, signed by the log key (reused if it exists)."""
    size = await log_reads.read_tree_size(rt.db)
    existing = await log_reads.read_checkpoints(rt.db, size=size)
    if existing:
        return existing[0]
    root = await root_at(rt, size)
    body = format_checkpoint_body(Checkpoint(rt.log.origin, size, root))
    note = format_note(Note(body, (rt.log.sign_note(body),)))
    await log_reads.insert_checkpoint(
        rt.db, tree_size=size, root_hash=root, note=note, created_at=rt.clock()
    )
    [stored] = await log_reads.read_checkpoints(rt.db, size=size)
    return stored


async def checkpoint(rt: Runtime, size: int | None) -> StoredCheckpoint:
    found = await log_reads.read_checkpoints(rt.db, size=size, latest=size is None)
    if not found:
        raise NotFound("no checkpoint of that size has been signed", field="tree_size")
    return found[0]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    entry: StoredEntry
    tree_size: int
    proof: list[bytes]
    # Whether the reader may see the entry itself, or only its leaf hash and path.
    entry_shown: bool


async def _is_party(rt: Runtime, reader: Principal, entry: StoredEntry) -> bool:
    """Whether the entry is the reader's: they signed it (or it was signed on their
    behalf), it is their key event or account, or a transaction they initiated or that
    touches an account of theirs (the rule GET /transactions/{id} reads by)."""
    document = json.loads(entry.leaf_input)
    signatures = document.get("signatures", [])
    if any(s.get("on_behalf_of") == str(reader.id) for s in signatures):
        return True
    signers = await read_keys(rt, key_ids=[KeyId(s["key_id"]) for s in signatures])
    if any(k.principal == reader.id for k in signers):
        return True
    payload = document.get("payload", {})
    if entry.entry_type == EntryType.KEY_EVENT.value:
        return str(reader.id) in (payload.get("principal"), payload.get("by"))
    if entry.entry_type == EntryType.ACCOUNT.value:
        account = await get_account(rt.db, AccountId(entry.entity_id))
        return account is not None and account.owned_by(reader.id)
    if entry.entry_type == EntryType.TRANSACTION.value:
        record = await ledger_reads.get_transaction(rt.db, TransactionId(entry.entity_id))
        if record is None:
            return False
        if record.initiator == reader.id:
            return True
        for posting in record.postings:
            account = await get_account(rt.db, posting.account_id)
            if account is not None and account.owned_by(reader.id):
                return True
    return False


async def inclusion_proof(
    rt: Runtime, reader: Principal, entity_id: UUID, tree_size: int | None
) -> InclusionProof:
    """The audit path of the leaf recording ``entity_id`` in the tree of ``tree_size``;
    the entry itself only for its parties and those who read everything."""
    read = await log_reads.audit_path_read(rt.db, entity_id, tree_size)
    entry = read.entry
    if entry is None:
        raise NotFound("no log entry records this id", field="id")
    size = read.log_size if tree_size is None else tree_size
    _require_size(size, read.log_size, field="tree_size")
    if entry.log_index >= size:
        raise InvalidRequest(
            f"the entry is at log index {entry.log_index}, outside a tree of {size}",
            field="tree_size",
        )
    ranges = inclusion_ranges(entry.log_index, size)
    shown = reads_everything(reader) or await _is_party(rt, reader, entry)
    return InclusionProof(entry, size, proof_hashes(ranges, read.nodes), shown)


async def consistency_proof(rt: Runtime, old_size: int, new_size: int) -> list[bytes]:
    await _check_size(rt, new_size, field="to")
    if old_size < 0 or old_size > new_size:
        raise InvalidRequest("from must be between 0 and to", field="from")
    ranges = consistency_ranges(old_size, new_size)
    nodes = await log_reads.read_nodes(rt.db, proof_node_keys(ranges))
    return proof_hashes(ranges, nodes)


COSIGNATURE_CLOCK_SKEW_SECONDS = 300
"""How far ahead of the service's clock a witness's clock may run."""


async def add_cosignature(rt: Runtime, tree_size: int, line: str) -> StoredCheckpoint:
    """Verify a witness's C2SP cosignature line on a checkpoint and keep it."""
    stored = await checkpoint(rt, tree_size)
    signed = parse_note(stored.note)
    try:
        sig = parse_signature_line(line if line.endswith("\n") else line + "\n")
    except NoteError as exc:
        raise InvalidRequest(f"not a cosignature line: {exc}", field="cosignature") from exc
    witnesses = await witness_verifier_keys(rt, sig.name)
    match = next((w for w in witnesses if w.verifier_key.key_id == sig.key_id), None)
    if match is None:
        raise InvalidRequest(
            "no registered witness key with this name and key id", field="cosignature"
        )
    if match.record.revoked_at is not None:
        raise InvalidRequest("this witness key has been revoked", field="cosignature")
    try:
        timestamp = verify_cosignature(signed.text, sig, match.verifier_key)
    except NoteError as exc:
        raise InvalidRequest(
            f"the cosignature does not verify: {exc}", field="cosignature"
        ) from exc
    ahead = timestamp - rt.clock().timestamp()
    if ahead > COSIGNATURE_CLOCK_SKEW_SECONDS:
        # A cosignature vouches that the witness saw the checkpoint at its time: one
        # dated in the future vouches for nothing yet (the witness's clock is wrong).
        raise InvalidRequest(
            f"the cosignature is dated {int(ahead)} s ahead of the service's clock",
            field="cosignature",
        )
    line_text = format_signature_line(sig)
    await log_reads.insert_cosignature(
        rt.db,
        tree_size=tree_size,
        key_id=match.record.key_id,
        timestamp=timestamp,
        line=line_text,
        created_at=rt.clock(),
    )
    return await checkpoint(rt, tree_size)


async def checkpoint_timer(rt: Runtime, interval: float) -> None:
    """Sign a checkpoint every ``interval`` seconds while the log grows."""
    while True:
        await asyncio.sleep(interval)
        with contextlib.suppress(StoreUnavailable):
            try:
                await sign_checkpoint(rt)
            except Exception:  # the timer must outlive one failure
                log.exception("signing a checkpoint failed")
