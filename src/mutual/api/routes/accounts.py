"""``/accounts``: open accounts, read balances, list them, read statements."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID, SIGNATURES
from mutual.api.problems import problem_responses
from mutual.api.schemas import (
    MAX_INDEX,
    AccountCreatedOut,
    AccountIn,
    AccountOut,
    AccountPage,
    StatementLineOut,
    StatementPage,
)
from mutual.core.accounts import Account
from mutual.core.ids import AccountId
from mutual.usecases import accounts as usecase

AFTER_INDEX = (
    "Only the accounts a log entry past this index changed (opened, moved, bounded): "
    "pass the last log index you have seen (-1 for all); the log's index is in commit "
    "order, so an incremental sync by it misses nothing."
)


def account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        unit=account.unit,
        owner_kind=account.owner_kind,
        owner_id=account.owner_id,
        balance_min=account.balance_min,
        balance_max=account.balance_max,
        balance=account.balance,
        version=account.version,
    )


@post(
    "/accounts",
    operation_id="createAccount",
    responses={
        **problem_responses(
            *SIGNATURES[1:],
            *CLIENT_ID,
            "account_exists",
            "invalid_unit",
            "invalid_bounds",
            "invalid_key_event",
        ),
        200: ResponseSpec(AccountCreatedOut, description="A replay: the account opened before"),
    },
    summary="Open an account",
    status_code=201,
)
async def create_account(
    data: JSONBody[AccountIn], state: State, principal: CurrentPrincipal
) -> Response[AccountCreatedOut]:
    """Operators open accounts, each a log entry; an identical repeat with the same id
    answers 200."""
    rt = runtime_of(state)
    account, outcome = await usecase.create_account(
        rt,
        principal,
        account_id=None if data.id is None else AccountId(data.id),
        unit=data.unit,
        owner_kind=data.owner_kind,
        owner_id=data.owner_id,
        balance_min=data.balance_min,
        balance_max=data.balance_max,
    )
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    created = AccountCreatedOut(
        **account_out(account).model_dump(),
        log_index=outcome.body["log_index"],
        leaf_hash=outcome.body["leaf_hash"],
    )
    return Response(created, status_code=200 if outcome.replayed else 201, headers=headers)


@get(
    "/accounts/{account_id:uuid}",
    operation_id="getAccount",
    responses=problem_responses("not_found"),
    summary="Read an account",
)
async def get_account(
    account_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> AccountOut:
    rt = runtime_of(state)
    return account_out(await usecase.read_account(rt, principal, AccountId(account_id)))


@get(
    "/accounts",
    operation_id="listAccounts",
    responses=problem_responses("invalid_unit"),
    summary="List accounts by owner and unit; with after_index, those changed since",
)
async def list_accounts(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    owner_id: Annotated[str | None, QueryParameter(max_length=200)] = None,
    unit: Annotated[str | None, QueryParameter(max_length=80)] = None,
    after_index: Annotated[
        int | None, QueryParameter(ge=-1, le=MAX_INDEX, description=AFTER_INDEX)
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> AccountPage:
    rt = runtime_of(state)
    page = await usecase.list_accounts(
        rt,
        principal,
        owner_id=owner_id,
        unit=unit,
        cursor=cursor,
        limit=limit,
        after_index=after_index,
    )
    return AccountPage(
        items=[account_out(a) for a in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/accounts/{account_id:uuid}/postings",
    operation_id="getAccountStatement",
    responses=problem_responses("not_found"),
    summary="An account's postings with the running balance",
)
async def get_statement(
    request: Request[Any, Any, Any],
    account_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
    order: Annotated[
        Literal["oldest_first", "newest_first"],
        QueryParameter(description="newest_first: the latest lines first (a resident's view)."),
    ] = "oldest_first",
) -> StatementPage:
    rt = runtime_of(state)
    page = await usecase.account_statement(
        rt,
        principal,
        AccountId(account_id),
        cursor=cursor,
        limit=limit,
        newest_first=order == "newest_first",
    )
    return StatementPage(
        items=[
            StatementLineOut(
                transaction_id=line.transaction_id,
                log_index=line.log_index,
                kind=line.kind,
                amount=line.amount,
                account_version=line.account_version,
                balance_after=line.balance_after,
                recorded_at=line.recorded_at,
            )
            for line in page.items
        ],
        **page_links(request, page.next_cursor),
    )
