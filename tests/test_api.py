"""The HTTP API on both backends: authentication, problem details, idempotency,
batches, reversals, pagination, and hostile input that must write nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from mutual.api.app import create_app
from mutual.api.problems import STATUS_BY_CODE
from mutual.core import merkle
from mutual.core.authority import Role
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.messages import LANGUAGES, PROBLEM_TITLES
from mutual.core.notes import (
    COSIGNATURE_V1,
    format_signature_line,
    open_checkpoint,
    parse_checkpoint_body,
    parse_note,
    parse_verifier_key,
    sign_cosignature,
    signer_key_from_seed,
)
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.signing import KeyId, canonical
from mutual.settings import Settings
from mutual.store import ledger_reads
from mutual.store.database import Database
from mutual.store.tables import transactions
from mutual.usecases.access import issue_token
from mutual.usecases.runtime import Runtime
from mutual.usecases.startup import open_runtime
from tests.ledger_checks import check_ledger
from tests.wallet import keypair_for, sign_body

API = "/api/v1"


@dataclass
class Api:
    """The client, an operator's headers, and the database seen from the test's own loop
    (the app runs its own event loop, whose connections the test must not borrow)."""

    client: AsyncTestClient[Litestar]
    db: Database
    operator: dict[str, str]
    origin: str = ""
    keys: dict[str, Keypair] = dataclass_field(default_factory=dict)
    operator_key: Keypair | None = None
    runtime: Runtime | None = None

    async def register(
        self, headers: dict[str, str], principal_id: str, capacity: str = "member"
    ) -> Keypair:
        """Register the principal's key through the API, signed by that key."""
        me = (await self.client.get(f"{API}/me", headers=headers)).json()["principal_id"]
        key = keypair_for(uuid.UUID(principal_id), Capacity(capacity))
        event = KeyEvent(
            uuid.uuid4(),
            KeyAction.REGISTER,
            PrincipalId(uuid.UUID(principal_id)),
            by=PrincipalId(uuid.UUID(me)),
            public_key=key.public_key,
            capacity=Capacity(capacity),
        )
        body = key.key_event_request(self.origin, event)
        answer = await self.client.post(f"{API}/key-events", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        assert answer.json()["key_id"] == key.key_id
        return key

    async def member(self) -> tuple[dict[str, str], str]:
        """A new member (with a registered key) and their TIME account (-20 h / +40 h)."""
        answer = await self.client.post(
            f"{API}/tokens", json={"roles": ["member"]}, headers=self.operator
        )
        issued = answer.json()
        headers = {"Authorization": f"Bearer {issued['token']}"}
        key = await self.register(headers, issued["principal_id"])
        account = await self.account(owner_id=issued["principal_id"])
        self.keys[account] = key
        return headers, account

    async def account(self, **fields: Any) -> str:
        body = {"unit": "TIME", "owner_kind": "member", "balance_min": -1200, "balance_max": 2400}
        body.update(fields)
        answer = await self.client.post(f"{API}/accounts", json=body, headers=self.operator)
        assert answer.status_code == 201, answer.text
        account_id: str = answer.json()["id"]
        if body["owner_kind"] not in ("member", "organisation") and self.operator_key:
            self.keys[account_id] = self.operator_key
        return account_id

    def signed(self, body: dict[str, Any], key: Keypair | None = None) -> dict[str, Any]:
        """The body signed by ``key``, or by the key that may spend from its first debit."""
        if key is None:
            payer = next(
                (p["account_id"] for p in body.get("postings", []) if p.get("amount", 0) < 0),
                None,
            )
            key = self.keys.get(payer or "")
        return sign_body(body, self.origin, *([key] if key else []))

    async def pay(
        self,
        headers: dict[str, str],
        payer: str,
        payee: str,
        amount: int,
        key: Keypair | None = None,
        **extra: Any,
    ) -> httpx.Response:
        tx_id = str(uuid.uuid4())
        body = self.signed(transfer(tx_id, payer, payee, amount) | extra, key)
        return await self.client.post(
            f"{API}/transactions", json=body, headers={**headers, "Idempotency-Key": body["id"]}
        )

    async def tree_size(self) -> int:
        """How many transactions the log holds (accounts and keys are leaves too)."""
        async with self.db.read_engine.connect() as conn:
            count: int = (
                await conn.execute(select(func.count()).select_from(transactions))
            ).scalar_one()
        return count

    async def log_size(self) -> int:
        return await ledger_reads.tree_size(self.db)


def transfer(tx_id: str, payer: str, payee: str, amount: int, unit: str = "TIME") -> dict[str, Any]:
    return {
        "id": tx_id,
        "kind": "exchange",
        "memo": "Aide aux devoirs",
        "postings": [
            {"account_id": payer, "unit": unit, "amount": -amount},
            {"account_id": payee, "unit": unit, "amount": amount},
        ],
    }


def assert_problem(
    answer: httpx.Response, status: int, code: str, field: str | None = None
) -> None:
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    body = answer.json()
    assert (answer.status_code, body["code"], body["status"]) == (status, code, status), body
    assert body["type"] == f"/api/v1/problems/{code}"
    assert set(body) >= {"type", "code", "title", "status", "detail", "instance", "field"}
    assert "?" not in (body["instance"] or "")
    if field is not None:
        assert body["field"] == field


@asynccontextmanager
async def open_api(settings: Settings) -> AsyncIterator[Api]:
    """The app on ``settings`` with an operator holding a token and a registered key."""
    async with open_runtime(settings, migrate=False) as rt:
        issued = await issue_token(rt, roles=[Role.OPERATOR])
        async with AsyncTestClient(create_app(settings)) as client:
            api = Api(client, rt.db, {"Authorization": f"Bearer {issued.token}"}, runtime=rt)
            api.origin = (await client.get(f"{API}/log")).json()["origin"]
            api.operator_key = await api.register(
                api.operator, str(issued.principal_id), "operator"
            )
            yield api


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


async def test_health_needs_no_token(api: Api) -> None:
    """Health and its probes answer without a token: ready says the database is reachable
    and the writer runs; live only that the process answers."""
    ready = {"status": "ok", "database": "ok", "writer": "ok"}
    for path in ("/health", "/health/ready"):
        answer = await api.client.get(f"{API}{path}")
        assert (answer.status_code, answer.json()) == (200, ready)
    live = await api.client.get(f"{API}/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})


# Fixed ids: the test workers must each collect the same test names.
_NOWHERE = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/accounts"),
        ("POST", "/accounts"),
        ("GET", f"/accounts/{_NOWHERE}"),
        ("GET", f"/accounts/{_NOWHERE}/postings"),
        ("POST", "/transactions"),
        ("GET", f"/transactions/{_NOWHERE}"),
        ("POST", f"/transactions/{_NOWHERE}/reversal"),
        ("POST", "/tokens"),
    ],
)
async def test_every_other_endpoint_needs_a_valid_token(api: Api, method: str, path: str) -> None:
    """Without a token, or with an unknown one, every endpoint answers 401."""
    for headers in ({}, {"Authorization": "Bearer mutual_not-a-token"}):
        answer = await api.client.request(method, API + path, headers=headers, json={})
        assert_problem(answer, 401, "not_authenticated", "Authorization")


async def test_accounts_are_opened_by_operators_idempotently(api: Api) -> None:
    """An identical repeat answers 200 and replayed; a different body with that id is refused."""
    body = {"id": str(uuid.uuid4()), "unit": "EUR", "owner_kind": "project", "owner_id": "p-1"}
    first = await api.client.post(f"{API}/accounts", json=body, headers=api.operator)
    again = await api.client.post(f"{API}/accounts", json=body, headers=api.operator)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json() == again.json()
    changed = await api.client.post(
        f"{API}/accounts", json=body | {"unit": "TIME"}, headers=api.operator
    )
    assert_problem(changed, 422, "idempotency_key_reused", "id")
    member, _ = await api.member()
    refused = await api.client.post(f"{API}/accounts", json=body | {"id": None}, headers=member)
    assert_problem(refused, 403, "not_authorised")


async def test_transaction_answer_and_replay(api: Api) -> None:
    """A transaction answers its log index and balances; a replay answers the same, marked."""
    alice, a = await api.member()
    _, b = await api.member()
    tx = api.signed(transfer(str(uuid.uuid4()), a, b, 90))
    headers = {**alice, "Idempotency-Key": tx["id"]}
    first = await api.client.post(f"{API}/transactions", json=tx, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["log_index"] == await api.log_size() - 1
    assert [(p["amount"], p["balance_after"]) for p in body["postings"]] == [(-90, -90), (90, 90)]
    assert {x["account_id"]: x["balance"] for x in body["balances"]} == {a: -90, b: 90}
    replay = await api.client.post(f"{API}/transactions", json=tx, headers=headers)
    assert (replay.status_code, replay.json()) == (201, body)
    assert replay.headers["idempotent-replayed"] == "true"
    resigned = await api.client.post(
        f"{API}/transactions", json=api.signed(tx, api.keys[b]), headers=headers
    )
    assert (resigned.status_code, resigned.json()) == (201, body), "same payload, other signer"
    reused = await api.client.post(
        f"{API}/transactions", json=api.signed(tx | {"memo": "autre"}), headers=headers
    )
    assert_problem(reused, 422, "idempotency_key_reused", "id")
    assert await api.tree_size() == 1


async def test_idempotency_key_must_equal_the_id(api: Api) -> None:
    """A missing or different Idempotency-Key header is refused before anything is written."""
    alice, a = await api.member()
    _, b = await api.member()
    tx = transfer(str(uuid.uuid4()), a, b, 10)
    for headers in (alice, {**alice, "Idempotency-Key": str(uuid.uuid4())}):
        answer = await api.client.post(f"{API}/transactions", json=tx, headers=headers)
        assert_problem(answer, 422, "idempotency_key_mismatch", "Idempotency-Key")
    assert await api.tree_size() == 0


async def test_stored_refusal_replays(api: Api) -> None:
    """A refusal caused by the ledger state is stored: its replay answers the same problem."""
    alice, a = await api.member()
    _, b = await api.member()
    tx = api.signed(transfer(str(uuid.uuid4()), a, b, 1201))
    headers = {**alice, "Idempotency-Key": tx["id"]}
    first = await api.client.post(f"{API}/transactions", json=tx, headers=headers)
    assert_problem(first, 409, "exceeds_balance_min", "postings[0].amount")
    again = await api.client.post(f"{API}/transactions", json=tx, headers=headers)
    assert_problem(again, 409, "exceeds_balance_min", "postings[0].amount")
    assert again.headers["idempotent-replayed"] == "true"
    assert await api.tree_size() == 0


async def test_members_spend_only_their_own(api: Api) -> None:
    """Spending from someone else's account is refused and writes nothing."""
    _, a = await api.member()
    mallory, m = await api.member()
    answer = await api.pay(mallory, a, m, 60, key=api.keys[m])
    assert_problem(answer, 403, "signature_required", "postings[0].account_id")
    unsigned = await api.pay(mallory, a, m, 60, key=api.keys[m], signatures=[])
    assert_problem(unsigned, 403, "signature_required", "postings[0].account_id")
    assert await api.tree_size() == 0
    statement = await api.client.get(f"{API}/accounts/{a}/postings", headers=api.operator)
    assert statement.json()["items"] == []


async def test_each_rule_has_its_problem(api: Api) -> None:
    """Each ledger rule answers its own code, status and field, and writes nothing."""
    alice, a = await api.member()
    _, b = await api.member()
    euros = await api.account(unit="EUR", owner_id="someone")
    ghost = str(uuid.uuid4())
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": 0}, {"account_id": b, "unit": "TIME", "amount": 0}]}, 422, "amount_zero", "postings[0].amount"),
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": -(2**53 + 1)}, {"account_id": b, "unit": "TIME", "amount": 2**53 + 1}]}, 422, "amount_out_of_range", "postings[0].amount"),
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": -5}]}, 422, "too_few_postings", "postings"),
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": -5}, {"account_id": a, "unit": "TIME", "amount": 5}]}, 422, "duplicate_account", "postings[1].account_id"),
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": -5}, {"account_id": b, "unit": "TIME", "amount": 4}]}, 422, "transaction_not_balanced", "postings"),
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": -5}, {"account_id": euros, "unit": "EUR", "amount": 5}]}, 422, "transaction_not_balanced", "postings"),
        ({"postings": [{"account_id": a, "unit": "EUR", "amount": -5}, {"account_id": euros, "unit": "EUR", "amount": 5}]}, 422, "unit_mismatch", "postings[0].unit"),
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": -5}, {"account_id": ghost, "unit": "TIME", "amount": 5}]}, 422, "account_not_found", "postings[1].account_id"),
        ({"postings": [{"account_id": a, "unit": "HOURS", "amount": -5}, {"account_id": b, "unit": "HOURS", "amount": 5}]}, 422, "invalid_unit", "postings[0].unit"),
        ({"reverses": str(uuid.uuid4())}, 422, "reversal_kind_mismatch", "kind"),
        ({"kind": "correction", "reverses": str(uuid.uuid4())}, 422, "transaction_not_found", "reverses"),
        ({"postings": [{"account_id": a, "unit": "TIME", "amount": -1201}, {"account_id": b, "unit": "TIME", "amount": 1201}]}, 409, "exceeds_balance_min", "postings[0].amount"),
    ]  # fmt: skip
    for changes, status, code, field in cases:
        answer = await api.pay(alice, a, b, 5, **changes)
        assert_problem(answer, status, code, field)
    _, c = await api.member()
    pool = await api.account(owner_id="x", owner_kind="commons_pool", balance_min=None)
    over = await api.pay(api.operator, pool, c, 2401)
    assert_problem(over, 409, "exceeds_balance_max", "postings[1].amount")
    assert await api.tree_size() == 0
    await check_ledger(api.db)


async def test_atomic_batch_is_all_or_nothing(api: Api) -> None:
    """An atomic batch with one bad item writes nothing and says which item failed."""
    alice, a = await api.member()
    _, b = await api.member()
    good = api.signed(transfer(str(uuid.uuid4()), a, b, 30))
    bad = api.signed(transfer(str(uuid.uuid4()), a, b, 5000))
    answer = await api.client.post(
        f"{API}/transactions", json={"atomic": True, "transactions": [good, bad]}, headers=alice
    )
    body = answer.json()
    assert (answer.status_code, body["committed"]) == (200, False)
    assert [r["problem"]["code"] for r in body["results"]] == [
        "batch_aborted",
        "exceeds_balance_min",
    ]
    assert await api.tree_size() == 0
    loose = await api.client.post(
        f"{API}/transactions", json={"atomic": False, "transactions": [good, bad]}, headers=alice
    )
    results = loose.json()["results"]
    assert [r["status"] for r in results] == [201, 409]
    assert results[0]["transaction"]["log_index"] == await api.log_size() - 1
    assert await api.tree_size() == 1


async def test_reversal(api: Api) -> None:
    """A reversal is the exact inverse, shown on the original, and happens once."""
    alice, a = await api.member()
    _, b = await api.member()
    original = (await api.pay(alice, a, b, 45)).json()
    first_id, second_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def reverse(target: str, new_id: str) -> httpx.Response:
        correction = {
            "id": new_id,
            "kind": "correction",
            "memo": "erreur de saisie",
            "reverses": target,
            "postings": [
                {"account_id": a, "unit": "TIME", "amount": 45},
                {"account_id": b, "unit": "TIME", "amount": -45},
            ],
        }
        signed = api.signed(correction, api.operator_key)
        return await api.client.post(
            f"{API}/transactions/{target}/reversal",
            json={k: signed[k] for k in ("id", "memo", "memo_salt", "signatures")},
            headers={**api.operator, "Idempotency-Key": new_id},
        )

    first = await reverse(original["id"], first_id)
    assert first.status_code == 201, first.text
    assert first.json()["reverses"] == original["id"]
    assert [(p["account_id"], p["amount"]) for p in first.json()["postings"]] == [
        (a, 45),
        (b, -45),
    ]
    shown = (await api.client.get(f"{API}/transactions/{original['id']}", headers=alice)).json()
    assert shown["reversed_by"] == first_id
    assert_problem(await reverse(original["id"], second_id), 409, "already_reversed", "reverses")
    assert_problem(await reverse(str(uuid.uuid4()), str(uuid.uuid4())), 404, "not_found")
    balances = await check_ledger(api.db)
    assert (balances[uuid.UUID(a)], balances[uuid.UUID(b)]) == (0, 0)


async def test_statement_pages_cover_every_posting_once(api: Api) -> None:
    """Following next_cursor yields each posting once, in order (oldest or newest first),
    with running balances."""
    alice, a = await api.member()
    _, b = await api.member()
    for amount in range(1, 8):
        assert (await api.pay(alice, a, b, amount)).status_code == 201

    async def read_all(order: str) -> tuple[list[tuple[int, int]], str]:
        seen: list[tuple[int, int]] = []
        cursor: str | None = None
        first_cursor = ""
        while True:
            query = f"?limit=3&order={order}" + (f"&cursor={cursor}" if cursor else "")
            url = f"{API}/accounts/{a}/postings{query}"
            answer = await api.client.get(url, headers=alice)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            seen += [(line["amount"], line["balance_after"]) for line in page["items"]]
            cursor = page["next_cursor"]
            first_cursor = first_cursor or cursor or ""
            if cursor is None:
                return seen, first_cursor

    running = [-sum(range(1, n + 1)) for n in range(1, 8)]
    oldest, oldest_cursor = await read_all("oldest_first")
    assert oldest == [(-n, running[n - 1]) for n in range(1, 8)]
    newest, newest_cursor = await read_all("newest_first")
    assert newest == oldest[::-1]
    # A cursor belongs to its order: the other order refuses it rather than skip lines.
    mixed = await api.client.get(
        f"{API}/accounts/{a}/postings?order=newest_first&cursor={oldest_cursor}", headers=alice
    )
    assert_problem(mixed, 422, "invalid_cursor", "cursor")
    assert newest_cursor != oldest_cursor
    garbage = await api.client.get(f"{API}/accounts/{a}/postings?cursor=zzz", headers=alice)
    assert_problem(garbage, 422, "invalid_cursor", "cursor")


async def test_account_lists_filter_and_paginate(api: Api) -> None:
    """Accounts list by owner and unit across pages; members see only their own."""
    for _ in range(5):
        await api.account(owner_id="org-1", owner_kind="organisation")
    await api.account(owner_id="org-1", owner_kind="organisation", unit="EUR")
    ids: list[str] = []
    cursor: str | None = None
    while True:
        query = "?owner_id=org-1&unit=TIME&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await api.client.get(f"{API}/accounts{query}", headers=api.operator)).json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(ids) == len(set(ids)) == 5
    alice, a = await api.member()
    own = (await api.client.get(f"{API}/accounts", headers=alice)).json()
    assert [item["id"] for item in own["items"]] == [a]
    others = await api.client.get(f"{API}/accounts?owner_id=org-1", headers=alice)
    assert_problem(others, 403, "not_authorised", "owner_id")


HOSTILE_BODIES: list[tuple[str, bytes, str]] = [
    ("malformed json", b'{"id": ', "application/json"),
    ("invalid utf-8", b'{"id": "\xff\xfe"}', "application/json"),
    ("deep nesting", b"[" * 10_000 + b"]" * 10_000, "application/json"),
    ("huge float", b'{"id": "00000000-0000-7000-8000-000000000000", "kind": "exchange", "postings": [{"account_id": "00000000-0000-7000-8000-000000000000", "unit": "TIME", "amount": 1e400}]}', "application/json"),
    ("huge integer", b'{"id": "00000000-0000-7000-8000-000000000000", "kind": "exchange", "postings": [{"account_id": "00000000-0000-7000-8000-000000000000", "unit": "TIME", "amount": ' + b"9" * 400 + b"}]}", "application/json"),
    ("string amount", b'{"id": "00000000-0000-7000-8000-000000000000", "kind": "exchange", "postings": [{"account_id": "00000000-0000-7000-8000-000000000000", "unit": "TIME", "amount": "5"}]}', "application/json"),
    ("boolean amount", b'{"id": "00000000-0000-7000-8000-000000000000", "kind": "exchange", "postings": [{"account_id": "00000000-0000-7000-8000-000000000000", "unit": "TIME", "amount": true}]}', "application/json"),
    ("unknown field", b'{"id": "00000000-0000-7000-8000-000000000000", "kind": "exchange", "postings": [], "sneaky": 1}', "application/json"),
    ("empty body", b"", "application/json"),
    ("not an object", b"[1, 2, 3]", "application/json"),
    ("form encoded", b"id=1&kind=exchange", "application/x-www-form-urlencoded"),
    ("oversized", b'{"memo": "' + b"x" * 2_000_000 + b'"}', "application/json"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "body", "content_type"), HOSTILE_BODIES, ids=[h[0] for h in HOSTILE_BODIES]
)
async def test_hostile_bodies_get_a_problem_and_write_nothing(
    api: Api, name: str, body: bytes, content_type: str
) -> None:
    """Malformed, oversized, deep, huge or mistyped bodies answer a 4xx problem; nothing is written."""
    answer = await api.client.post(
        f"{API}/transactions",
        content=body,
        headers={
            **api.operator,
            "Content-Type": content_type,
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert await api.tree_size() == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
transaction_like = st.fixed_dictionaries(
    {"id": st.uuids().map(str), "kind": st.sampled_from(["exchange", "correction", "bogus"])},
    optional={
        "postings": st.lists(
            st.fixed_dictionaries(
                {"account_id": st.uuids().map(str) | json_values, "unit": st.sampled_from(["TIME", "EUR", "x"]) | json_values, "amount": st.integers() | json_values}
            ),
            max_size=3,
        ),
        "memo": json_values,
        "reverses": st.uuids().map(str) | json_values,
        "references": json_values,
    },
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        json_values.map(lambda v: json.dumps(v).encode()),
        transaction_like.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
    ),
    path=st.sampled_from(["/transactions", "/accounts", "/tokens"]),
)
async def test_arbitrary_input_never_fails_the_service(api: Api, body: bytes, path: str) -> None:
    """Whatever the body, the answer is not a 5xx, a refusal is a problem, and no transaction lands."""
    before = await api.tree_size()
    answer = await api.client.post(
        API + path,
        content=body,
        headers={**api.operator, "Content-Type": "application/json", "Idempotency-Key": "x"},
    )
    assert answer.status_code < 500, answer.text[:300]
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await api.tree_size() == before


async def test_a_replay_is_answered_only_to_who_sent_it_first(api: Api) -> None:
    """The same signed transaction sent again under its id answers the recorded outcome
    to its first sender (and to an operator); another member who copied it gets
    replay_not_yours, without the balances or even whether it was accepted."""
    alice, a = await api.member()
    _, b = await api.member()
    carol, _ = await api.member()
    body = api.signed(transfer(str(uuid.uuid4()), a, b, 30))

    async def send(headers: dict[str, str]) -> httpx.Response:
        return await api.client.post(
            f"{API}/transactions", json=body, headers={**headers, "Idempotency-Key": body["id"]}
        )

    first = await send(alice)
    assert first.status_code == 201, first.text
    for sender in (alice, api.operator):
        again = await send(sender)
        assert (again.status_code, again.json()) == (first.status_code, first.json())
    copied = await send(carol)
    assert_problem(copied, 409, "replay_not_yours", "id")
    assert "balance" not in copied.text


async def test_an_inclusion_proof_shows_the_entry_only_to_its_parties(api: Api) -> None:
    """Anyone may check that a transaction is in the log, but only its parties, auditors
    and operators see the entry: another member gets the audit path and the leaf hash,
    which verify, and not the accounts and amounts."""
    alice, a = await api.member()
    _, b = await api.member()
    carol, _ = await api.member()
    paid = (await api.pay(alice, a, b, 30)).json()
    auditor = (
        await api.client.post(f"{API}/tokens", json={"roles": ["auditor"]}, headers=api.operator)
    ).json()

    async def proof(headers: dict[str, str]) -> dict[str, Any]:
        answer = await api.client.get(
            f"{API}/log/proofs/inclusion", params={"id": paid["id"]}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    full = await proof(alice)
    assert full["entry"]["payload"]["id"] == paid["id"]
    for reader in (api.operator, {"Authorization": f"Bearer {auditor['token']}"}):
        assert await proof(reader) == full
    outsider = await proof(carol)
    assert outsider == full | {"entry": None}
    assert not {a, b} & set(json.dumps(outsider).split('"'))
    # The same path and leaf hash as the party's (whose proof the next test verifies).
    assert base64.b64decode(outsider["leaf_hash"]) == merkle.leaf_hash(canonical(full["entry"]))


async def test_log_endpoints_tie_answers_to_signed_checkpoints(api: Api) -> None:
    """Over HTTP: the log key and checkpoints are public; an inclusion proof of a paid
    transaction and a consistency proof verify against signed checkpoints; a witness
    cosigns through the API."""
    assert (await api.client.get(f"{API}/log/checkpoint")).status_code in (200, 404)
    alice, a = await api.member()
    _, b = await api.member()
    first = await api.client.post(f"{API}/log/checkpoints", headers=alice)
    assert (first.status_code, first.headers["content-type"]) == (201, "text/plain; charset=utf-8")
    paid = (await api.pay(alice, a, b, 30)).json()
    second = await api.client.post(f"{API}/log/checkpoints", headers=alice)
    info = (await api.client.get(f"{API}/log")).json()
    log_key = parse_verifier_key(info["verifier_key"])
    old, _ = open_checkpoint(first.text, info["origin"], log_key)
    new, _ = open_checkpoint(second.text, info["origin"], log_key)
    assert (await api.client.get(f"{API}/log/checkpoints/{new.size}")).text == second.text
    proof = (
        await api.client.get(
            f"{API}/log/proofs/inclusion",
            params={"id": paid["id"], "tree_size": new.size},
            headers=alice,
        )
    ).json()
    leaf = merkle.leaf_hash(canonical(proof["entry"]))
    assert base64.b64encode(leaf).decode() == paid["leaf_hash"] == proof["leaf_hash"]
    hashes = [base64.b64decode(h) for h in proof["proof"]]
    merkle.verify_inclusion(leaf, paid["log_index"], new.size, hashes, new.root)
    consistency = (
        await api.client.get(
            f"{API}/log/proofs/consistency",
            params={"from": old.size, "to": new.size},
            headers=alice,
        )
    ).json()
    merkle.verify_consistency(
        old.size, new.size, old.root, new.root, [base64.b64decode(h) for h in consistency["proof"]]
    )
    too_far = await api.client.get(
        f"{API}/log/proofs/consistency", params={"from": 0, "to": new.size + 5}, headers=alice
    )
    assert_problem(too_far, 422, "invalid_request", "to")
    # An auditor registers its own witness key and cosigns the newest checkpoint.
    auditor = (
        await api.client.post(f"{API}/tokens", json={"roles": ["auditor"]}, headers=api.operator)
    ).json()
    auditor_headers = {"Authorization": f"Bearer {auditor['token']}"}
    witness = keypair_for(uuid.UUID(auditor["principal_id"]), Capacity.WITNESS)

    async def register_witness(
        owner: str, key: Keypair, name: str, headers: dict[str, str]
    ) -> httpx.Response:
        """``owner`` registers ``key`` as its own witness key, signed by the key itself."""
        event = KeyEvent(
            uuid.uuid4(),
            KeyAction.REGISTER,
            PrincipalId(uuid.UUID(owner)),
            by=PrincipalId(uuid.UUID(owner)),
            public_key=key.public_key,
            capacity=Capacity.WITNESS,
            name=name,
        )
        body = key.key_event_request(api.origin, event)
        return await api.client.post(f"{API}/key-events", json=body, headers=headers)

    registered = await register_witness(
        auditor["principal_id"], witness, "auditor.example/w1", auditor_headers
    )
    assert registered.status_code == 201, registered.text
    # A resident is no witness: registering a witness key for oneself is refused.
    alice_id = (await api.client.get(f"{API}/me", headers=alice)).json()["principal_id"]
    posing = Keypair(hashlib.sha256(b"posing witness").digest())
    posed = await register_witness(alice_id, posing, "alice.example/w", alice)
    assert_problem(posed, 403, "not_authorised")
    key = (await api.client.get(f"{API}/keys/{witness.key_id}", headers=alice)).json()
    assert key["verifier_key"].startswith("auditor.example/w1+")
    latest = await api.client.post(f"{API}/log/checkpoints", headers=alice)
    body = parse_note(latest.text).text
    signer = signer_key_from_seed("auditor.example/w1", witness.seed, COSIGNATURE_V1)
    line = format_signature_line(sign_cosignature(body, 1_790_000_000, signer))
    cosigned = await api.client.post(
        f"{API}/log/checkpoints/{parse_checkpoint_body(body).size}/cosignatures",
        json={"cosignature": line},
        headers={"Authorization": f"Bearer {auditor['token']}"},
    )
    assert cosigned.status_code == 201, cosigned.text
    assert cosigned.text == latest.text + line
    size = parse_checkpoint_body(body).size
    ahead = int(time.time()) + 86_400
    skewed = format_signature_line(sign_cosignature(body, ahead, signer))
    refused_skew = await api.client.post(
        f"{API}/log/checkpoints/{size}/cosignatures",
        json={"cosignature": skewed},
        headers={"Authorization": f"Bearer {auditor['token']}"},
    )
    assert_problem(refused_skew, 422, "invalid_request", "cosignature")
    assert "ahead" in refused_skew.json()["detail"]
    assert skewed not in (await api.client.get(f"{API}/log/checkpoints/{size}")).text
    forged = line.replace(line[-10:-2], "AAAAAAAA")
    refused = await api.client.post(
        f"{API}/log/checkpoints/{parse_checkpoint_body(body).size}/cosignatures",
        json={"cosignature": forged},
        headers={"Authorization": f"Bearer {auditor['token']}"},
    )
    assert_problem(refused, 422, "invalid_request", "cosignature")
    # Residents do not cosign: the permission matrix refuses before the note is read.
    resident = await api.client.post(
        f"{API}/log/checkpoints/{parse_checkpoint_body(body).size}/cosignatures",
        json={"cosignature": line},
        headers=alice,
    )
    assert_problem(resident, 403, "not_authorised")


async def test_a_revoked_key_signs_nothing_more(api: Api) -> None:
    """The owner revokes a key with the key itself (a reason code, their words in the
    erasable note); its next signature is refused with key_not_valid, and the registry
    shows when it stopped being valid. The log key cannot revoke a member's key, asked by
    the owner (key_custody) or by someone else (their by must be their own id)."""
    alice, a = await api.member()
    _, b = await api.member()
    assert (await api.pay(alice, a, b, 10)).status_code == 201
    me = (await api.client.get(f"{API}/me", headers=alice)).json()["principal_id"]
    key = api.keys[a]
    unsigned = {
        "id": str(uuid.uuid4()),
        "action": "revoke",
        "principal": me,
        "by": me,
        "key_id": key.key_id,
    }
    by_log = await api.client.post(f"{API}/key-events", json=unsigned, headers=alice)
    assert_problem(by_log, 403, "key_custody", "signatures")
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REVOKE,
        PrincipalId(uuid.UUID(me)),
        key_id=KeyId(key.key_id),
        reason="lost",
    )
    body = {**key.key_event_request(api.origin, event), "note": "lost phone"}
    revoked = await api.client.post(f"{API}/key-events", json=body, headers=alice)
    assert revoked.status_code == 201, revoked.text
    refused = await api.pay(alice, a, b, 10)
    assert_problem(refused, 422, "key_not_valid", "signatures[0].key_id")
    listed = (
        await api.client.get(f"{API}/keys", params={"principal_id": me}, headers=alice)
    ).json()
    [record] = listed["items"]
    assert record["revoked_at"] == revoked.json()["log_index"]
    stranger, _ = await api.member()
    hijack = await api.client.post(
        f"{API}/key-events", json={**unsigned, "id": str(uuid.uuid4())}, headers=stranger
    )
    assert_problem(hijack, 422, "invalid_request", "by")


def test_every_problem_type_has_a_title_in_french_and_english() -> None:
    """People read titles: each code the API can answer has both, and no two codes of one
    language share a title."""
    assert set(PROBLEM_TITLES) == set(STATUS_BY_CODE)
    for language in LANGUAGES:
        titles = [PROBLEM_TITLES[code][language] for code in STATUS_BY_CODE]
        assert all(titles)
        assert len(set(titles)) == len(titles)


async def test_nul_characters_are_refused_before_the_database(api: Api) -> None:
    """PostgreSQL cannot store a NUL character: a body or a query holding one is refused
    as invalid input (found by schemathesis as a 500 on PostgreSQL)."""
    body = {"display_name": "Awa\x00", "neighbourhood": "Drouot", "languages": ["fr"]}
    answer = await api.client.post(f"{API}/members/applications", json=body)
    assert_problem(answer, 422, "invalid_request")
    searched = await api.client.get(f"{API}/offers?q=jardin%00", headers=api.operator)
    assert_problem(searched, 422, "invalid_request")
    listed = await api.client.get(f"{API}/members?status=applied", headers=api.operator)
    assert "Awa" not in listed.text


async def test_token_lifetimes_are_bounded(api: Api) -> None:
    """A lifetime past ten years is refused as input rather than overflowing the expiry
    date (found by schemathesis as a 500 on PostgreSQL); ten years itself is accepted."""
    too_long = {"roles": ["member"], "expires_in_seconds": 2491586288845874329026560}
    answer = await api.client.post(f"{API}/tokens", json=too_long, headers=api.operator)
    assert_problem(answer, 422, "invalid_request")
    ten_years = {"roles": ["member"], "expires_in_seconds": 3660 * 86400}
    issued = await api.client.post(f"{API}/tokens", json=ten_years, headers=api.operator)
    assert issued.status_code == 201, issued.text
