"""The permission matrix, cell by cell: every operation of the API called as every role
(and as anonymous, and as service clients with and without the scope it needs), on both
databases. A refused cell answers 401 or 403 and writes nothing; an allowed cell is never
refused by the matrix (the use case may still narrow an ``own`` cell to what is theirs).
Also: contracts/permissions.md is rendered from the matrix, every route is in it, and
administrative actions reach the audit trail."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from mutual.core.authority import Role
from mutual.core.permissions import COLUMNS, MATRIX, SCOPES, render_markdown
from mutual.store.schema import metadata
from mutual.store.tables import tokens
from tests.test_api import API, Api
from tests.test_projects import api
from tests.test_timebank import join

__all__ = ["api"]

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
GUARD_DETAILS = ("your roles do not allow this operation", "a service client's token lacks")


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]
    roles: frozenset[Role]
    scopes: frozenset[str] = frozenset()

    def allowed(self, operation: str) -> bool:
        permission = MATRIX[operation]
        if permission.public:
            return True
        if not self.roles:
            return False
        if permission.any_token:
            return True
        if Role.SERVICE in self.roles:
            return permission.scope is not None and permission.scope in self.scopes
        return bool(self.roles & (permission.full | permission.own))


def operations() -> list[tuple[str, str, str]]:
    document = json.loads((CONTRACTS / "openapi.json").read_text())
    return [
        (op["operationId"], method.upper(), path)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    ]


PARAMS = {"tree_size": "1", "quarter": "2027-Q1", "slug": "perceuse", "key": "2027-Q1"}


def concrete(path: str) -> str:
    """The path with each parameter filled: ids that name nothing, plausible values else."""
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        name = out[start + 1 : end]
        out = out[:start] + PARAMS.get(name, str(uuid.uuid4())) + out[end + 1 :]
    return out


async def row_counts(api: Api) -> dict[str, int]:
    async with api.db.read_engine.connect() as conn:
        return {
            name: int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
            for name, table in sorted(metadata.tables.items())
        }


async def token(api: Api, roles: list[str], principal_id: str | None = None) -> dict[str, str]:
    body: dict[str, Any] = {"roles": roles}
    if principal_id is not None:
        body["principal_id"] = principal_id
    issued = await api.client.post(f"{API}/tokens", json=body, headers=api.operator)
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['token']}"}


async def service(api: Api, scopes: list[str]) -> dict[str, str]:
    created = await api.client.post(
        f"{API}/service-clients",
        json={"name": "outil de test", "scopes": scopes},
        headers=api.operator,
    )
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


async def callers(api: Api) -> list[Caller]:
    resident = await join(api, "Résidente")
    coordinator = await join(api, "Coordinateur")
    found = [
        Caller("anonymous", {}, frozenset()),
        Caller("resident", resident.headers, frozenset({Role.MEMBER})),
        Caller(
            "coordinator",
            await token(api, ["coordination_member"], coordinator.id),
            frozenset({Role.MEMBER, Role.COORDINATION_MEMBER}),
        ),
        Caller("facilitator", await token(api, ["facilitator"]), frozenset({Role.FACILITATOR})),
        Caller("partner", await token(api, ["partner"]), frozenset({Role.PARTNER})),
        Caller("auditor", await token(api, ["auditor"]), frozenset({Role.AUDITOR})),
        Caller("operator", api.operator, frozenset({Role.OPERATOR})),
        Caller(
            "service (every scope)",
            await service(api, list(SCOPES)),
            frozenset({Role.SERVICE}),
            frozenset(SCOPES),
        ),
        Caller(
            "service (events only)",
            await service(api, ["events:read"]),
            frozenset({Role.SERVICE}),
            frozenset({"events:read"}),
        ),
    ]
    assert {r for c in found for r in c.roles} >= set(COLUMNS)
    return found


def test_every_route_is_in_the_matrix_and_the_contract_is_current() -> None:
    assert {op for op, _, _ in operations()} == set(MATRIX)
    assert (CONTRACTS / "permissions.md").read_text() == render_markdown(), (
        "contracts/permissions.md is stale: run `.venv/bin/python -m mutual.api.openapi`"
    )


async def call(api: Api, caller: Caller, method: str, path: str) -> Any:
    body: dict[str, Any] | None = None if method in ("GET", "DELETE") else {}
    return await api.client.request(method, concrete(path), json=body, headers=caller.headers)


async def test_every_cell_of_the_matrix(api: Api) -> None:
    """Refused cells first, all of them, then the whole database is compared: nothing was
    written. Then every allowed cell: never refused by the matrix."""
    people = await callers(api)
    ops = operations()
    before = await row_counts(api)
    refused = 0
    for caller in people:
        for operation, method, path in ops:
            if caller.allowed(operation):
                continue
            answer = await call(api, caller, method, path)
            expected = 401 if not caller.roles else 403
            where = f"{caller.name} {method} {path}"
            assert answer.status_code == expected, f"{where}: {answer.status_code} {answer.text}"
            assert answer.json()["code"] == (
                "not_authenticated" if expected == 401 else "not_authorised"
            )
            refused += 1
    assert await row_counts(api) == before
    assert refused > 200
    for caller in people:
        for operation, method, path in ops:
            if not caller.allowed(operation) or operation in NOT_CALLED_WHEN_ALLOWED:
                continue
            answer = await call(api, caller, method, path)
            where = f"{caller.name} {method} {path}"
            assert answer.status_code != 401, f"{where}: {answer.text}"
            if answer.status_code == 403:
                # Only a use case narrowing an own cell, never the matrix itself.
                assert caller.roles & MATRIX[operation].own or Role.SERVICE in caller.roles, where
                assert not answer.json()["detail"].startswith(GUARD_DETAILS), where


# Allowed calls that would change what the other cells see (the operator's token).
NOT_CALLED_WHEN_ALLOWED = frozenset({"revokeServiceClientToken"})


async def test_service_clients_and_the_audit_trail(api: Api) -> None:
    """A service client reads within its scopes, is listed with its last use, and is
    refused the moment its token is revoked; each administrative action is in the trail
    with who, what and from where."""
    reader = await service(api, ["ledger:read"])
    assert (
        await api.client.get(
            f"{API}/log/proofs/consistency", params={"from": 0, "to": 0}, headers=reader
        )
    ).status_code != 403
    assert (await api.client.get(f"{API}/members", headers=reader)).status_code == 403
    listed = (await api.client.get(f"{API}/service-clients", headers=api.operator)).json()["items"]
    [mine] = [t for t in listed if t["scopes"] == ["ledger:read"]]
    assert mine["last_used_at"] is not None
    assert "token" not in mine
    refused = await api.client.post(
        f"{API}/service-clients", json={"name": "x", "scopes": ["everything"]}, headers=api.operator
    )
    assert refused.status_code == 422
    revoked = await api.client.delete(
        f"{API}/service-clients/tokens/{mine['id']}", headers=api.operator
    )
    assert revoked.status_code == 204, revoked.text
    assert (await api.client.get(f"{API}/keys", headers=reader)).status_code == 401
    member = await join(api, "Nadia")
    trail = (await api.client.get(f"{API}/audit", headers=api.operator)).json()["items"]
    operations_seen = [e["operation"] for e in trail]
    assert "createServiceClient" in operations_seen
    assert "revokeServiceClientToken" in operations_seen
    accepted = [e for e in trail if e["operation"] == "acceptMember"]
    assert any(member.id in e["path"] for e in accepted)
    assert all(e["request_id"] and e["status"] < 400 for e in trail)
    # The refused creation is not an action taken: it is not in the trail.
    assert operations_seen.count("createServiceClient") == 1
    auditor = await token(api, ["auditor"])
    assert (await api.client.get(f"{API}/audit", headers=auditor)).status_code == 200
    assert (await api.client.get(f"{API}/audit", headers=member.headers)).status_code == 403


async def test_a_service_client_is_managed_by_its_token_id(api: Api) -> None:
    """A service client asks who it is (`/me`: its principal and scopes); its creation
    answers the token id that revokes or rotates it; the list holds service clients only
    (a person's token is neither listed nor revocable there); a rotation issues a new
    token while the old one works on for the overlap, and an overlap of 0 ends it."""
    created = await api.client.post(
        f"{API}/service-clients",
        json={"name": "registre", "scopes": ["members:read", "events:read"]},
        headers=api.operator,
    )
    assert created.status_code == 201, created.text
    client = created.json()
    old = {"Authorization": f"Bearer {client['token']}"}
    me = await api.client.get(f"{API}/me", headers=old)
    assert me.json() == {
        "principal_id": client["principal_id"],
        "roles": ["service"],
        "scopes": ["events:read", "members:read"],
    }
    person = await join(api, "Aïcha")
    async with api.db.read_engine.connect() as conn:
        person_tokens = (
            await conn.execute(
                select(tokens.c.id).where(tokens.c.principal_id == uuid.UUID(person.id))
            )
        ).scalars()
        person_token = str(next(iter(person_tokens)))
    listed = (await api.client.get(f"{API}/service-clients", headers=api.operator)).json()
    assert [t["id"] for t in listed["items"]] == [client["token_id"]]
    not_theirs = await api.client.delete(
        f"{API}/service-clients/tokens/{person_token}", headers=api.operator
    )
    assert not_theirs.status_code == 404
    assert (await api.client.get(f"{API}/me", headers=person.headers)).status_code == 200

    rotation = f"{API}/service-clients/tokens/{client['token_id']}/rotation"
    rotated = await api.client.post(rotation, json={"overlap_minutes": 60}, headers=api.operator)
    assert rotated.status_code == 201, rotated.text
    second = rotated.json()
    new = {"Authorization": f"Bearer {second['token']}"}
    assert (second["principal_id"], second["scopes"]) == (
        client["principal_id"],
        me.json()["scopes"],
    )
    assert second["previous_token_id"] == client["token_id"]
    for headers in (old, new):
        assert (await api.client.get(f"{API}/members", headers=headers)).status_code == 200
    listed = (await api.client.get(f"{API}/service-clients", headers=api.operator)).json()
    ends = {t["id"]: t["expires_at"] for t in listed["items"]}
    assert ends == {client["token_id"]: second["previous_expires_at"], second["token_id"]: None}

    ended = await api.client.post(
        f"{API}/service-clients/tokens/{second['token_id']}/rotation",
        json={"overlap_minutes": 0},
        headers=api.operator,
    )
    assert ended.status_code == 201, ended.text
    assert (await api.client.get(f"{API}/me", headers=new)).status_code == 401
    third = {"Authorization": f"Bearer {ended.json()['token']}"}
    assert (await api.client.get(f"{API}/me", headers=third)).status_code == 200
    again = await api.client.post(
        f"{API}/service-clients/tokens/{second['token_id']}/rotation",
        json={"overlap_minutes": 0},
        headers=api.operator,
    )
    assert again.status_code == 404


def test_scopes_are_an_enum_in_the_contract() -> None:
    """A generated client knows the scopes: the contract names them as an enum."""
    document = json.loads((CONTRACTS / "openapi.json").read_text())
    assert document["components"]["schemas"]["Scope"]["enum"] == list(SCOPES)
