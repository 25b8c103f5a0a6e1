"""``/log``: the log key, signed checkpoints, cosignatures and Merkle proofs.

Checkpoints are served as C2SP signed notes (``text/plain``), with every witness
cosignature appended, so standard tlog tooling can read them as they are.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, PathParameter, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problems import problem_responses
from mutual.api.schemas import (
    MAX_INDEX,
    ConsistencyProofOut,
    CosignatureIn,
    InclusionProofOut,
    LogInfoOut,
)
from mutual.core.signing import b64encode
from mutual.store import log_reads
from mutual.store.log_reads import StoredCheckpoint
from mutual.usecases import log as usecase

NOTE_MEDIA_TYPE = "text/plain"  # litestar adds "; charset=utf-8"


def _note(stored: StoredCheckpoint, *, status_code: int = 200) -> Response[str]:
    return Response(
        stored.note_with_cosignatures(), media_type=NOTE_MEDIA_TYPE, status_code=status_code
    )


@get(
    "/log",
    operation_id="getLogInfo",
    responses=problem_responses(),
    summary="The log's origin, verifier key and current size",
    exclude_from_auth=True,
)
async def log_info(state: State) -> LogInfoOut:
    rt = runtime_of(state)
    return LogInfoOut(
        origin=rt.log.origin,
        territory=rt.settings.territory,
        verifier_key=rt.log.verifier_key_text(),
        tree_size=await log_reads.read_tree_size(rt.db),
    )


@get(
    "/log/checkpoint",
    operation_id="getLatestCheckpoint",
    responses=problem_responses("not_found"),
    summary="The latest signed checkpoint, with its cosignatures (C2SP signed note)",
    media_type=NOTE_MEDIA_TYPE,
    exclude_from_auth=True,
)
async def latest_checkpoint(state: State) -> Response[str]:
    return _note(await usecase.checkpoint(runtime_of(state), None))


@get(
    "/log/checkpoints/{tree_size:int}",
    operation_id="getCheckpoint",
    responses=problem_responses("not_found"),
    summary="The signed checkpoint of one tree size, with its cosignatures",
    media_type=NOTE_MEDIA_TYPE,
    exclude_from_auth=True,
)
async def checkpoint_at(
    tree_size: Annotated[int, PathParameter(ge=0, le=MAX_INDEX)], state: State
) -> Response[str]:
    return _note(await usecase.checkpoint(runtime_of(state), tree_size))


@post(
    "/log/checkpoints",
    operation_id="signCheckpoint",
    responses=problem_responses(),
    summary="Sign a checkpoint of the log as it is now (reused if the size is unchanged)",
    media_type=NOTE_MEDIA_TYPE,
    status_code=201,
)
async def sign_checkpoint(state: State, principal: CurrentPrincipal) -> Response[str]:
    return _note(await usecase.sign_checkpoint(runtime_of(state)), status_code=201)


@post(
    "/log/checkpoints/{tree_size:int}/cosignatures",
    operation_id="addCosignature",
    responses=problem_responses("not_found"),
    summary="Add a witness's C2SP cosignature to a checkpoint",
    media_type=NOTE_MEDIA_TYPE,
    status_code=201,
)
async def add_cosignature(
    tree_size: Annotated[int, PathParameter(ge=0, le=MAX_INDEX)],
    data: JSONBody[CosignatureIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[str]:
    """The witness checks the checkpoint is consistent with the last one it cosigned
    (``/log/proofs/consistency``) before signing; the service verifies the line against
    the witness key registered under that name."""
    stored = await usecase.add_cosignature(runtime_of(state), tree_size, data.cosignature)
    return _note(stored, status_code=201)


@get(
    "/log/proofs/inclusion",
    operation_id="getInclusionProof",
    responses=problem_responses("not_found"),
    summary="Inclusion proof of the log entry recording an id (transaction, key event, account)",
)
async def inclusion_proof(
    state: State,
    principal: CurrentPrincipal,
    entry_id: Annotated[UUID, QueryParameter(name="id")],
    tree_size: Annotated[int | None, QueryParameter(ge=0, le=MAX_INDEX)] = None,
) -> InclusionProofOut:
    found = await usecase.inclusion_proof(runtime_of(state), principal, entry_id, tree_size)
    entry: dict[str, Any] | None = json.loads(found.entry.leaf_input) if found.entry_shown else None
    return InclusionProofOut(
        log_index=found.entry.log_index,
        tree_size=found.tree_size,
        leaf_hash=b64encode(found.entry.leaf_hash),
        entry=entry,
        proof=[b64encode(h) for h in found.proof],
    )


@get(
    "/log/proofs/consistency",
    operation_id="getConsistencyProof",
    responses=problem_responses(),
    summary="Consistency proof between two tree sizes",
)
async def consistency_proof(
    state: State,
    principal: CurrentPrincipal,
    from_size: Annotated[int, QueryParameter(name="from", ge=0, le=MAX_INDEX)],
    to_size: Annotated[int, QueryParameter(name="to", ge=0, le=MAX_INDEX)],
) -> ConsistencyProofOut:
    proof = await usecase.consistency_proof(runtime_of(state), from_size, to_size)
    return ConsistencyProofOut(
        from_size=from_size, to_size=to_size, proof=[b64encode(h) for h in proof]
    )
