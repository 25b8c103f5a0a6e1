"""``/transactions``: record one or a batch, read one, reverse one."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problem_codes import RAW_TRANSACTION, SIGNED_FLOW
from mutual.api.problems import (
    STATUS_BY_CODE,
    problem_document,
    problem_response,
    problem_responses,
)
from mutual.api.schemas import (
    BatchItemOut,
    BatchOut,
    PostingOut,
    ProblemOut,
    ReversalIn,
    SignatureIn,
    TransactionIn,
    TransactionOut,
    TransactionResultOut,
    TransactionsIn,
)
from mutual.core.errors import LedgerError
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.signing import Signature, b64decode, parse_signature
from mutual.core.transactions import Posting, Transaction
from mutual.core.units import Unit
from mutual.store.outcomes import Outcome
from mutual.usecases import transactions as usecase
from mutual.usecases.errors import IdempotencyKeyMismatch
from mutual.usecases.transactions import SignedTransaction

# Required where the server requires it (a reversal, a single transaction): without it a
# request is refused naming the header, with another value than the id it is refused
# ``idempotency_key_mismatch``. A batch's items are their own keys, so there it is optional.
IdempotencyKey = Annotated[
    str,
    HeaderParameter(name="Idempotency-Key", description="Equal to the reversal's id."),
]
OptionalIdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        description="Required with a single transaction, equal to its id; not read for a "
        "batch, whose items' ids are their keys.",
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"


def to_signatures(items: list[SignatureIn]) -> tuple[Signature, ...]:
    return tuple(
        parse_signature(s.model_dump(mode="json"), field=f"signatures[{i}]")
        for i, s in enumerate(items)
    )


def to_salt(text: str | None) -> bytes:
    return b"" if text is None else b64decode(text, field="memo_salt")


def to_signed(data: TransactionIn, initiator: PrincipalId) -> SignedTransaction | LedgerError:
    """The core's transaction and signatures, or the error that makes it unreadable."""
    try:
        tx = Transaction(
            TransactionId(data.id),
            data.kind,
            tuple(Posting(AccountId(p.account_id), Unit(p.unit), p.amount) for p in data.postings),
            initiator,
            data.memo,
            dict(data.references),
            None if data.reverses is None else TransactionId(data.reverses),
            to_salt(data.memo_salt),
        )
        return SignedTransaction(tx, to_signatures(data.signatures))
    except LedgerError as exc:
        return exc


def _check_key(key: str | None, expected: UUID) -> None:
    try:
        matches = key is not None and UUID(key) == expected
    except ValueError:
        matches = False
    if not matches:
        raise IdempotencyKeyMismatch(
            "the Idempotency-Key header must equal the transaction id", field="Idempotency-Key"
        )


def outcome_response(outcome: Outcome) -> Response[Any]:
    """The journal's answer to one write: 201 with its result, or its problem; a replay
    says so in ``Idempotent-Replayed``."""
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else {}
    if not outcome.accepted:
        body = outcome.body
        return problem_response(
            problem_document(body["code"], body["detail"], body["field"], facts=body.get("facts")),
            headers=headers,
        )
    # The stored outcome already has the result's shape (the journal built it); validating
    # it again on every request would cost more than the rest of the handler.
    return Response(outcome.body, status_code=201, headers=headers)


def _item(index: int, outcome: Outcome) -> BatchItemOut:
    if outcome.accepted:
        return BatchItemOut(
            index=index,
            status=201,
            replayed=outcome.replayed,
            transaction=TransactionResultOut.model_validate(outcome.body),
            problem=None,
        )
    document = problem_document(
        outcome.body["code"],
        outcome.body["detail"],
        outcome.body["field"],
        facts=outcome.body.get("facts"),
    )
    return BatchItemOut(
        index=index,
        status=STATUS_BY_CODE.get(outcome.body["code"], 422),
        replayed=outcome.replayed,
        transaction=None,
        problem=ProblemOut.model_validate(document),
    )


@post(
    "/transactions",
    operation_id="recordTransactions",
    responses={
        **problem_responses(*RAW_TRANSACTION),
        # Declared one by one: the return type, either, would document a union for both.
        201: ResponseSpec(
            TransactionResultOut,
            generate_examples=False,
            description="One transaction recorded (or its replay)",
        ),
        200: ResponseSpec(
            BatchOut, generate_examples=False, description="A batch, answered item by item"
        ),
    },
    summary="Record one transaction, or a batch",
    status_code=201,
)
async def record_transactions(
    data: JSONBody[TransactionsIn],
    state: State,
    principal: CurrentPrincipal,
    idempotency_key: OptionalIdempotencyKey = None,
) -> Response[Any]:
    """One transaction (201, or a problem), or a batch answered item by item (200).

    A replay of an earlier request with the same id and body returns the first answer
    with ``Idempotent-Replayed: true``.
    """
    rt = runtime_of(state)
    body = data.root
    if isinstance(body, TransactionIn):
        _check_key(idempotency_key, body.id)
        [outcome] = await usecase.record_transactions(
            rt, principal, [to_signed(body, principal.id)], atomic=False
        )
        return outcome_response(outcome)
    if len(body.transactions) > rt.settings.max_batch_items:
        return problem_response(
            problem_document(
                "invalid_request",
                f"a batch holds at most {rt.settings.max_batch_items} transactions",
                "transactions",
            )
        )
    outcomes = await usecase.record_transactions(
        rt,
        principal,
        [to_signed(t, principal.id) for t in body.transactions],
        atomic=body.atomic,
    )
    committed = any(o.accepted and not o.replayed for o in outcomes)
    return Response(
        BatchOut(
            atomic=body.atomic,
            committed=committed,
            results=[_item(i, o) for i, o in enumerate(outcomes)],
        ),
        status_code=200,
    )


@get(
    "/transactions/{tx_id:uuid}",
    operation_id="getTransaction",
    responses=problem_responses("not_found"),
    summary="Read a transaction",
)
async def get_transaction(
    tx_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> TransactionOut:
    record = await usecase.read_transaction(runtime_of(state), principal, TransactionId(tx_id))
    return TransactionOut(
        id=record.id,
        log_index=record.log_index,
        kind=record.kind,
        initiator=record.initiator,
        memo=record.memo,
        references=record.references,
        reverses=record.reverses,
        reversed_by=record.reversed_by,
        recorded_at=record.recorded_at,
        postings=[
            PostingOut(
                account_id=p.account_id,
                unit=p.unit,
                amount=p.amount,
                account_version=p.account_version,
                balance_after=p.balance_after,
            )
            for p in record.postings
        ],
    )


@post(
    "/transactions/{tx_id:uuid}/reversal",
    operation_id="reverseTransaction",
    responses=problem_responses(
        "not_found",
        "already_reversed",
        *SIGNED_FLOW,
        "reversal_not_inverse",
        "transaction_not_found",
        "invalid_correction",
        "idempotency_key_mismatch",
    ),
    summary="Record the exact inverse of a transaction",
    status_code=201,
)
async def reverse_transaction(
    tx_id: FromPath[UUID],
    data: JSONBody[ReversalIn],
    state: State,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey,
) -> Response[TransactionResultOut]:
    """The client signs the correction's payload: the original's postings negated, in
    the original's order, kind ``correction`` and ``reverses`` set to the original."""
    rt = runtime_of(state)
    _check_key(idempotency_key, data.id)
    tx = await usecase.reversal_of(
        rt,
        TransactionId(tx_id),
        reversal_id=TransactionId(data.id),
        memo=data.memo,
        memo_salt=to_salt(data.memo_salt),
        initiator=principal,
    )
    [outcome] = await usecase.record_transactions(
        rt, principal, [SignedTransaction(tx, to_signatures(data.signatures))], atomic=False
    )
    return outcome_response(outcome)
