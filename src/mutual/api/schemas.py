"""Request and response bodies at the HTTP edge; the core never sees these.

Amounts are typed as strict integers only: the range rule (±2^53) and zero are the
core's to refuse, so that the error code is the same from every entry point.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    StringConstraints,
    Tag,
    model_validator,
)

from mutual.core.accounts import OwnerKind
from mutual.core.authority import Role
from mutual.core.permissions import Scope
from mutual.core.registry import Capacity, KeyAction
from mutual.core.transactions import TransactionKind
from mutual.core.units import AMOUNT_LIMIT

_AMOUNT_SCHEMA: dict[str, Any] = {"minimum": -AMOUNT_LIMIT, "maximum": AMOUNT_LIMIT}

Amount = Annotated[StrictInt, Field(json_schema_extra=_AMOUNT_SCHEMA)]
UnitCode = Annotated[str, StringConstraints(min_length=1, max_length=80)]
RefKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
RefValue = Annotated[str, StringConstraints(max_length=200)]
Memo = Annotated[str, StringConstraints(max_length=2000)]


def at_most_members(most: int) -> AfterValidator:
    """A JSON object of at most ``most`` members (see ``object_schema``)."""

    def check(value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > most:
            raise ValueError(f"at most {most} members")
        return value

    return AfterValidator(check)


def object_schema(most: int, key_max: int) -> Any:
    """How a bounded ``dict`` reads in the OpenAPI document. A length bound on a dict
    reaches it as an *array* with ``maxLength`` (litestar reads it as a sequence's), which
    generated clients then send; so the bound is checked by ``at_most_members`` and
    described as JSON Schema says it: ``maxProperties`` and ``propertyNames``."""
    return Field(
        json_schema_extra={
            "maxProperties": most,
            "propertyNames": {"minLength": 1, "maxLength": key_max},
        }
    )


References = Annotated[dict[RefKey, RefValue], at_most_members(16), object_schema(16, 64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # A NUL character is never meaningful text, and PostgreSQL cannot store it: refused
        # here for every body, so that no write fails halfway in the database.
        if _holds_nul(data):
            raise ValueError("text may not contain the NUL character")
        return data


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PageOut(_Out):
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the following page; null on the last page."
    )
    next: str | None = Field(
        description="The following page's URL (path and query), also sent as a "
        '`Link: <...>; rel="next"` header; null on the last page.'
    )


class FeedPageOut(PageOut):
    """A feed's page: a feed has no last page, so its cursor is never null."""

    next_cursor: str = Field(
        description="Pass as `cursor` to read on from here; never null: keep it for later."
    )
    next: str = Field(
        description='This feed read on from here, also sent as `Link: <...>; rel="next"`.'
    )
    caught_up: bool = Field(
        description="Nothing more was there when it was read: ask again later, from next."
    )


class PostingIn(_In):
    account_id: UUID
    unit: UnitCode
    amount: Amount = Field(description="Positive credits the account, negative debits it.")


class SignatureIn(_In):
    key_id: Annotated[str, StringConstraints(pattern="^[0-9a-f]{64}$")] = Field(
        description="Hex SHA-256 of the signer's registered Ed25519 public key."
    )
    signature: Annotated[str, StringConstraints(max_length=100)] = Field(
        description="Base64 Ed25519 signature over the payload's signed bytes."
    )
    on_behalf_of: UUID | None = Field(
        default=None,
        description="Set for a custodial signature: the principal the custodian signs for.",
    )


Signatures = Annotated[list[SignatureIn], Field(max_length=16)]
# Log indexes, tree sizes and feed cursors: within JSON's exact integers (and any database's).
MAX_INDEX = 2**53 - 1
Salt = Annotated[str, StringConstraints(max_length=100)]


class TransactionIn(_In):
    id: UUID = Field(description="Chosen by the client; also its Idempotency-Key.")
    kind: TransactionKind
    postings: list[PostingIn] = Field(max_length=100)
    memo: Memo = ""
    memo_salt: Salt | None = Field(
        default=None,
        description="Base64 of at least 16 random bytes; required with a memo. The payload "
        "signs SHA-256(salt || memo), never the memo.",
    )
    references: References = Field(default_factory=dict)
    reverses: UUID | None = None
    signatures: Signatures = Field(
        default_factory=list,
        description="Signatures over the transaction's signed bytes (see contracts/signing.md).",
    )


class BatchIn(_In):
    atomic: StrictBool = Field(description="All or nothing, or each item on its own.")
    transactions: list[TransactionIn] = Field(min_length=1)


BODY_SHAPE_TAGS = ("single", "batch")


def _body_shape(value: Any) -> str:
    present = "transactions" in value if isinstance(value, dict) else hasattr(value, "atomic")
    return "batch" if present else "single"


class TransactionsIn(
    RootModel[
        Annotated[
            Annotated[TransactionIn, Tag("single")] | Annotated[BatchIn, Tag("batch")],
            Discriminator(_body_shape),
        ]
    ]
):
    """One transaction, or ``{"atomic": ..., "transactions": [...]}``."""

    model_config = ConfigDict(frozen=True)


class ReversalIn(_In):
    id: UUID = Field(description="The id of the correcting transaction; its Idempotency-Key.")
    memo: Memo = ""
    memo_salt: Salt | None = None
    signatures: Signatures = Field(
        default_factory=list,
        description="Signatures over the correction's payload: the original's postings "
        "negated, in the original's order.",
    )


class PostingOut(_Out):
    account_id: UUID
    unit: str
    amount: int
    account_version: int
    balance_after: int


class BalanceOut(_Out):
    account_id: UUID
    unit: str
    balance: int
    version: int


class TransactionResultOut(_Out):
    id: UUID
    log_index: int
    leaf_hash: str = Field(description="Base64 RFC 9162 leaf hash of its log entry.")
    kind: TransactionKind
    reverses: UUID | None
    postings: list[PostingOut]
    balances: list[BalanceOut] = Field(description="Touched accounts right after it.")


class TransactionOut(_Out):
    id: UUID
    log_index: int
    kind: TransactionKind
    initiator: UUID
    memo: str
    references: dict[str, str]
    reverses: UUID | None
    reversed_by: UUID | None
    recorded_at: datetime
    postings: list[PostingOut]


class ProblemOut(_Out):
    type: str = Field(
        description="The problem type's URI, /api/v1/problems/<code>, which the service "
        "serves (what the code means)."
    )
    code: str = Field(description="Stable snake_case code, to switch on.")
    title: str
    status: int
    detail: str
    instance: str | None = Field(
        default=None, description="The request's path (never its query string)."
    )
    field: str | None = None
    facts: dict[str, int | str] | None = Field(
        default=None,
        description="What a person needs to read the refusal: amounts as integers in the "
        "facts' `unit`, and a `variant` of the code's text (served as /app/words.json).",
    )
    errors: list[dict[str, str]] | None = None
    signing_payload: dict[str, Any] | None = Field(
        default=None,
        description="With `unsigned`: the transaction the service composed, to sign and "
        "send back in the same request's `signatures`.",
    )


class ProblemTypeOut(_Out):
    type: str
    code: str
    status: int
    title: str = Field(description="In the reader's language (Accept-Language: fr or en).")
    meaning: str = Field(
        description="When it is given, in the reader's language (contracts/problems.md)."
    )


class BatchItemOut(_Out):
    index: int
    status: int
    replayed: bool
    transaction: TransactionResultOut | None
    problem: ProblemOut | None


class BatchOut(_Out):
    atomic: bool
    committed: bool = Field(description="Whether anything of this request was written.")
    results: list[BatchItemOut]


class AccountIn(_In):
    id: UUID | None = None
    unit: UnitCode
    owner_kind: OwnerKind
    owner_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    balance_min: StrictInt | None = None
    balance_max: StrictInt | None = None


class AccountOut(_Out):
    id: UUID
    unit: str
    owner_kind: OwnerKind
    owner_id: str
    balance_min: int | None
    balance_max: int | None
    balance: int
    version: int


class AccountCreatedOut(AccountOut):
    log_index: int
    leaf_hash: str


class AccountPage(PageOut):
    items: list[AccountOut]


class StatementLineOut(_Out):
    transaction_id: UUID
    log_index: int
    kind: TransactionKind
    amount: int
    account_version: int
    balance_after: int
    recorded_at: datetime


class StatementPage(PageOut):
    items: list[StatementLineOut]


class TokenIn(_In):
    roles: list[Role] = Field(min_length=1)
    principal_id: UUID | None = None
    # Ten years at most, as for service clients: beyond it a token is a password, and a
    # far larger figure overflows the expiry date.
    expires_in_seconds: StrictInt | None = Field(default=None, gt=0, le=3660 * 86400)


class TokenOut(_Out):
    principal_id: UUID
    token: str = Field(description="Shown once; only its hash is kept.")
    expires_at: datetime | None


class HealthOut(_Out):
    status: str
    database: str
    writer: str


class LiveOut(_Out):
    status: str


class KeyEventIn(_In):
    id: UUID = Field(description="Chosen by the client; also its idempotency key.")
    action: KeyAction
    principal: UUID
    by: UUID | None = Field(
        default=None, description="Who asks; required when the log key vouches for the event."
    )
    public_key: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="Base64 raw 32-byte Ed25519 public key (register, rotate)."
    )
    capacity: Capacity | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    key_id: Annotated[str, StringConstraints(pattern="^[0-9a-f]{64}$")] | None = None
    custodian: UUID | None = None
    reason: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None,
        description="A revocation's reason: lost, stolen, compromised, replaced or retired.",
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None,
        description="A revocation's free text: kept in an erasable table, not in the log.",
    )
    request: UUID | None = Field(
        default=None, description="The recovery request a cancel or a completion names."
    )
    at: str | None = Field(
        default=None,
        description="A recovery request's or completion's signed time, "
        "YYYY-MM-DDTHH:MM:SSZ, within minutes of the service's clock.",
    )
    wait: int | None = Field(
        default=None, description="A recovery request's waiting period, in seconds."
    )
    version: int = Field(
        default=2, description="The custody rules' version the event is signed under (2)."
    )
    signatures: Signatures = Field(default_factory=list)


class KeyEventOut(_Out):
    id: UUID
    action: KeyAction
    principal: UUID
    key_id: str | None
    revoked_key_id: str | None
    revoked_key_ids: list[str] = Field(
        default_factory=list, description="Every key it ended (a recovery may end several)."
    )
    custodian: UUID | None
    log_index: int
    leaf_hash: str


class RecoveryOut(_Out):
    id: UUID
    principal_id: UUID
    key_id: str = Field(description="The new key's id (hex SHA-256 of its public key).")
    public_key: str
    by: UUID = Field(description="The coordinator who asked.")
    at: str
    wait: int
    due: str = Field(description="When it can take effect: at + wait.")
    status: str = Field(description="pending, cancelled or completed.")
    requested_at: int
    closed_at: int | None


class RecoveryPage(PageOut):
    items: list[RecoveryOut]


class KeyOut(_Out):
    key_id: str
    principal_id: UUID
    public_key: str
    capacity: Capacity
    name: str | None
    registered_at: int = Field(description="Log index of its registration.")
    revoked_at: int | None = Field(description="Log index of its revocation or rotation.")
    verifier_key: str | None = Field(description="C2SP vkey (cosignature/v1) of a witness key.")


class KeyPage(PageOut):
    items: list[KeyOut]


class CustodianOut(_Out):
    principal_id: UUID = Field(description="Whom the custodian signs for.")
    custodian_id: UUID
    appointed_at: int = Field(description="The log index of the appointment.")


class CustodianPage(PageOut):
    items: list[CustodianOut] = Field(description="In the order they were appointed.")


class MeOut(_Out):
    principal_id: UUID
    roles: list[Role]
    scopes: list[Scope] = Field(
        description="What a service client's token admits (a person's token: none)."
    )


class LogInfoOut(_Out):
    origin: str
    territory: str | None = Field(
        default=None,
        description="The territory's name when the deployment serves several (each its own "
        "log, chosen by the host name); null when it serves one.",
    )
    verifier_key: str = Field(description="The log's C2SP Ed25519 verifier key.")
    tree_size: int


class LogEntryOut(_Out):
    log_index: int
    leaf_hash: str
    entry: dict[str, Any] = Field(
        description="The leaf's document; its RFC 8785 bytes are the leaf input."
    )


class InclusionProofOut(_Out):
    log_index: int
    tree_size: int
    leaf_hash: str
    entry: dict[str, Any] | None = Field(
        description="The leaf's entry; null for a reader who is not a party to it (nor an "
        "auditor or operator): the leaf hash and the path still prove it is in the log."
    )
    proof: list[str] = Field(description="Base64 hashes, RFC 9162 audit path order.")


class ConsistencyProofOut(_Out):
    from_size: int
    to_size: int
    proof: list[str]


class CosignatureIn(_In):
    cosignature: Annotated[str, StringConstraints(max_length=500)] = Field(
        description="One C2SP signed-note signature line (cosignature/v1), ending in a newline."
    )
