"""The co-responsibility fund end to end through the HTTP API, on SQLite and PostgreSQL:
partners, gifts and deposits signed by the partner, repayments, grants within the
available balance, disbursements signed by a project's lead, the fund's summary and
each partner's trace of where its money went."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest

from mutual.core.authority import Principal, Role
from mutual.core.derived import named_client_id
from mutual.core.fund import ContributionKind, PartnerKind
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity
from mutual.core.signing import Domain
from mutual.settings import Settings
from mutual.store import ledger_reads
from mutual.store.principals import ensure_principal
from mutual.usecases import fund as fund_usecases
from mutual.usecases import members, projects
from mutual.usecases.demo_fund import load_fund_demo
from mutual.usecases.errors import Unsigned
from mutual.usecases.flows import sign_and_record
from mutual.usecases.runtime import Runtime
from tests.conftest import OPERATOR
from tests.flow_client import signed_post
from tests.ledger_checks import check_ledger
from tests.test_api import API, Api, assert_problem, open_api, transfer
from tests.test_projects import project_body
from tests.test_timebank import Member, join, verified_export
from tests.wallet import ensure_key, sign_body


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


@dataclass
class Partner:
    id: str
    principal_id: str
    headers: dict[str, str]
    key: Keypair


async def org_partner(api: Api, name: str, kind: str) -> Partner:
    """An organisation: a principal with role partner and a registered key, then named."""
    issued = (
        await api.client.post(f"{API}/tokens", json={"roles": ["partner"]}, headers=api.operator)
    ).json()
    headers = {"Authorization": f"Bearer {issued['token']}"}
    key = await api.register(headers, issued["principal_id"])
    return await name_partner(api, name, kind, issued["principal_id"], headers, key)


async def resident_partner(api: Api, member: Member) -> Partner:
    return await name_partner(api, "Amina B.", "resident", member.id, member.headers, member.key)


async def name_partner(
    api: Api, name: str, kind: str, principal_id: str, headers: dict[str, str], key: Keypair
) -> Partner:
    body = {"name": name, "kind": kind, "principal_id": principal_id}
    answer = await api.client.post(f"{API}/partners", json=body, headers=api.operator)
    assert answer.status_code == 201, answer.text
    return Partner(answer.json()["id"], principal_id, headers, key)


async def unsigned(api: Api, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    """The first step: the service composes the transaction and shows what to sign."""
    answer = await api.client.post(f"{API}{path}", json=body, headers=headers)
    assert_problem(answer, 422, "unsigned", "signatures")
    return answer.json()["signing_payload"]


async def give(
    api: Api, partner: Partner, cents: int, kind: str = "gift", due: date | None = None
) -> str:
    body: dict[str, Any] = {"partner_id": partner.id, "kind": kind, "amount_cents": cents}
    if due is not None:
        body["repayment_due"] = due.isoformat()
    answer = await signed_post(api, "/fund/contributions", body, partner.headers, partner.key)
    assert answer.status_code == 201, answer.text
    tx_id: str = answer.json()["id"]
    return tx_id


async def repay(api: Api, contribution: str, cents: int) -> httpx.Response:
    assert api.operator_key is not None
    path = f"/fund/contributions/{contribution}/repayments"
    return await signed_post(api, path, {"amount_cents": cents}, api.operator, api.operator_key)


async def grant(api: Api, project: str, cents: int, decision: str = "CA n°1") -> httpx.Response:
    assert api.operator_key is not None
    body = {"project_id": project, "amount_cents": cents, "decision": decision}
    return await signed_post(api, "/fund/grants", body, api.operator, api.operator_key)


async def disburse(
    api: Api,
    project: str,
    cents: int,
    headers: dict[str, str],
    key: Keypair,
    on_behalf_of: str | None,
) -> httpx.Response:
    body = {"amount_cents": cents, "payee": "Quincaillerie Lefèbvre", "receipt_ref": "F-2027-118"}
    return await signed_post(
        api, f"/projects/{project}/disbursements", body, headers, key, on_behalf_of=on_behalf_of
    )


async def fund(api: Api) -> dict[str, Any]:
    answer = await api.client.get(f"{API}/fund", headers=api.operator)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def new_project(api: Api, lead: Member) -> str:
    answer = await api.client.post(f"{API}/projects", json=project_body(lead), headers=api.operator)
    assert answer.status_code == 201, answer.text
    project_id: str = answer.json()["id"]
    return project_id


def far() -> date:
    """A repayment date well after the end of the next quarter."""
    return datetime.now(UTC).date() + timedelta(days=800)


async def test_gifts_deposits_and_repayments(api: Api) -> None:
    """A gift and a deposit are signed by the partner; the unsigned first step writes
    nothing; a signed resend replays; a deposit is repaid up to what is owed, a gift
    never."""
    city = await org_partner(api, "Ville de Mulhouse", "city")
    body = {"partner_id": city.id, "kind": "gift", "amount_cents": 100_000}
    size = await api.log_size()
    payload = await unsigned(api, "/fund/contributions", body, city.headers)
    assert await api.log_size() == size, "the unsigned first step writes nothing"
    assert (payload["kind"], [p["amount"] for p in payload["postings"]]) == (
        "contribution",
        [-100_000, 100_000],
    )
    assert payload["references"] == {"partner": city.id}
    signed = body | {
        "id": payload["id"],
        "signatures": [city.key.sign_payload(Domain.TRANSACTION, payload).document()],
    }
    first = await api.client.post(f"{API}/fund/contributions", json=signed, headers=city.headers)
    assert first.status_code == 201, first.text
    assert await api.log_size() == size + 3, "the fund, the partner's account, the gift"
    again = await api.client.post(f"{API}/fund/contributions", json=signed, headers=city.headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert await api.log_size() == size + 3

    # Only the partner's principal (or a coordinator) records; only its key signs.
    stranger = await join(api, "Bob")
    assert_problem(
        await api.client.post(f"{API}/fund/contributions", json=body, headers=stranger.headers),
        403,
        "not_authorised",
    )
    payload = await unsigned(api, "/fund/contributions", body, api.operator)
    assert api.operator_key is not None
    by_operator = body | {
        "id": payload["id"],
        "signatures": [api.operator_key.sign_payload(Domain.TRANSACTION, payload).document()],
    }
    assert_problem(
        await api.client.post(f"{API}/fund/contributions", json=by_operator, headers=api.operator),
        403,
        "signature_required",
    )
    assert_problem(
        await api.client.post(
            f"{API}/fund/contributions",
            json=body | {"repayment_due": "2030-01-01"},
            headers=city.headers,
        ),
        422,
        "invalid_request",
        "repayment_due",
    )

    due = far()
    deposit = await give(api, city, 50_000, "deposit", due)
    assert (await fund(api))["owed"] == 50_000
    repaid = await repay(api, deposit, 20_000)
    assert repaid.status_code == 201, repaid.text
    size = await api.log_size()
    assert_problem(await repay(api, deposit, 30_001), 409, "exceeds_owed", "amount_cents")
    gift = signed["id"]
    assert_problem(
        await api.client.post(
            f"{API}/fund/contributions/{gift}/repayments",
            json={"amount_cents": 100},
            headers=api.operator,
        ),
        409,
        "not_a_deposit",
    )
    assert_problem(
        await api.client.post(
            f"{API}/fund/contributions/{deposit}/repayments",
            json={"amount_cents": 100},
            headers=city.headers,
        ),
        403,
        "not_authorised",
    )
    assert await api.log_size() == size
    assert await fund(api) | {"as_of": None, "due_by": None} == {
        "balance": 130_000,
        "received": 150_000,
        "granted": 0,
        "repaid": 20_000,
        "owed": 30_000,
        "owed_due_soon": 0,
        "available": 130_000,
        "as_of": None,
        "due_by": None,
    }
    assert (await repay(api, deposit, 30_000)).status_code == 201
    assert (await fund(api))["owed"] == 0
    # The ledger holds the same rule on its own: a raw repayment gets the flow's answer.
    recorded = (await api.client.get(f"{API}/transactions/{deposit}", headers=api.operator)).json()
    owed_account, fund_account = (p["account_id"] for p in recorded["postings"])
    refund = sign_body(
        transfer(str(uuid.uuid4()), fund_account, owed_account, 1, "EUR")
        | {"kind": "repayment", "references": {"contribution": deposit}},
        api.origin,
        api.operator_key,
    )
    beyond = await api.client.post(
        f"{API}/transactions",
        json=refund,
        headers={**api.operator, "Idempotency-Key": refund["id"]},
    )
    assert_problem(beyond, 409, "exceeds_owed")
    await verified_export(api)


async def test_grants_stay_within_available(api: Api) -> None:
    """A deposit due by the end of the next quarter is kept aside; a grant beyond the
    available balance is refused and writes nothing; within it, it moves the euros."""
    foundation = await org_partner(api, "Fondation de France", "foundation")
    lead = await join(api, "Léa")
    project = await new_project(api, lead)
    await give(api, foundation, 100_000)
    soon = datetime.now(UTC).date() + timedelta(days=20)
    await give(api, foundation, 60_000, "deposit", soon)
    state = await fund(api)
    assert (state["balance"], state["owed_due_soon"], state["available"]) == (
        160_000,
        60_000,
        100_000,
    )
    size = await api.log_size()
    assert_problem(await grant(api, project, 100_001), 409, "exceeds_available", "amount_cents")
    assert await api.log_size() == size, "a refused grant writes nothing"
    assert_problem(await grant(api, str(uuid.uuid4()), 100), 404, "not_found", "project_id")
    assert_problem(
        await api.client.post(
            f"{API}/fund/grants",
            json={"project_id": project, "amount_cents": 100, "decision": "x"},
            headers=lead.headers,
        ),
        403,
        "not_authorised",
    )
    granted = await grant(api, project, 100_000, "CA 2027-03-12 n°4")
    assert granted.status_code == 201, granted.text
    assert granted.json()["kind"] == "grant"
    state = await fund(api)
    assert (state["balance"], state["granted"], state["available"]) == (60_000, 100_000, 0)
    assert_problem(await grant(api, project, 1), 409, "exceeds_available")
    shown = await api.client.get(f"{API}/projects/{project}", headers=lead.headers)
    eur = next(a for a in shown.json()["accounts"] if a["unit"] == "EUR")
    assert eur["balance"] == 100_000
    await verified_export(api)


async def test_disbursements_are_signed_by_the_lead(api: Api) -> None:
    """Only the lead's signature on the project's behalf pays from a project, never
    beyond its balance; a member who is not the lead may not even ask, nor read the
    payments the lead reads with their payee and receipt."""
    company = await org_partner(api, "Peugeot Mulhouse", "company")
    lead, other = await join(api, "Léa"), await join(api, "Bob")
    project = await new_project(api, lead)
    await give(api, company, 50_000)
    assert (await grant(api, project, 30_000)).status_code == 201
    paid = await disburse(api, project, 12_000, lead.headers, lead.key, project)
    assert paid.status_code == 201, paid.text
    assert paid.json()["kind"] == "disbursement"
    assert_problem(
        await api.client.post(
            f"{API}/projects/{project}/disbursements",
            json={"amount_cents": 100, "payee": "x", "receipt_ref": "y"},
            headers=other.headers,
        ),
        403,
        "not_authorised",
    )
    assert_problem(
        await disburse(api, project, 100, api.operator, other.key, project), 403, "not_custodian"
    )
    assert api.operator_key is not None
    assert_problem(
        await disburse(api, project, 100, api.operator, api.operator_key, None),
        403,
        "signature_required",
    )
    assert_problem(
        await disburse(api, project, 18_001, lead.headers, lead.key, project),
        409,
        "exceeds_balance_min",
    )
    last = await disburse(api, project, 18_000, lead.headers, lead.key, project)
    assert last.status_code == 201
    # The lead reads its payments back with the words kept beside the log; a member who
    # is not the lead may not, and nothing refused was kept.
    listed = await api.client.get(f"{API}/projects/{project}/disbursements", headers=lead.headers)
    assert listed.status_code == 200, listed.text
    assert [
        (d["id"], d["amount_cents"], d["payee"], d["receipt_ref"]) for d in listed.json()["items"]
    ] == [
        (paid.json()["id"], 12_000, "Quincaillerie Lefèbvre", "F-2027-118"),
        (last.json()["id"], 18_000, "Quincaillerie Lefèbvre", "F-2027-118"),
    ]
    assert_problem(
        await api.client.get(f"{API}/projects/{project}/disbursements", headers=other.headers),
        403,
        "not_authorised",
    )
    await verified_export(api)


async def test_partner_trace_worked_example(api: Api) -> None:
    """Each contribution is followed in proportion through grants, repayments and the
    projects' payments, exactly; the display floors to the cent and says what is left."""
    city = await org_partner(api, "Ville de Mulhouse", "city")
    foundation = await org_partner(api, "Fondation de France", "foundation")
    amina = await join(api, "Amina")
    resident = await resident_partner(api, amina)
    lead1, lead2 = await join(api, "Léa"), await join(api, "Hugo")
    p1, p2 = await new_project(api, lead1), await new_project(api, lead2)

    a = await give(api, city, 60_000)
    b = await give(api, foundation, 30_000, "deposit", far())
    g1 = (await grant(api, p1, 45_000, "CA 2027-01 n°1")).json()["id"]  # a 30 000, b 15 000
    assert (await repay(api, b, 10_000)).status_code == 201  # from b's own share
    c = await give(api, resident, 10_000)  # shares: a 30 000, b 5 000, c 10 000
    g2 = (await grant(api, p2, 9_000, "CA 2027-01 n°2")).json()["id"]  # a 6 000, b 1 000, c 2 000
    d1 = await disburse(api, p1, 15_000, lead1.headers, lead1.key, p1)  # a third of p1
    assert d1.status_code == 201, d1.text
    g3 = (await grant(api, p2, 1_000, "CA 2027-02 n°1")).json()["id"]  # a 2/3, b 1/9, c 2/9

    traced = await api.client.get(f"{API}/partners/{city.id}/trace", headers=city.headers)
    assert traced.status_code == 200, traced.text
    [use] = traced.json()["contributions"]
    assert use["id"] == a
    assert {g["grant_id"]: g["amount_cents"] for g in use["grants"]} == {
        g1: 30_000,
        g2: 6_000,
        g3: 666,  # 666.67 floored
    }
    assert {g["grant_id"]: g["decision"] for g in use["grants"]}[g1] == "CA 2027-01 n°1"
    assert [
        (d["disbursement_id"], d["amount_cents"], d["payee"]) for d in use["disbursements"]
    ] == [(d1.json()["id"], 10_000, "Quincaillerie Lefèbvre")]
    assert (use["repaid_cents"], use["in_fund_cents"], use["rounding_cents"]) == (0, 23_333, 1)

    traced = await api.client.get(f"{API}/partners/{foundation.id}/trace", headers=api.operator)
    [use] = traced.json()["contributions"]
    assert use["kind"] == "deposit"
    assert {g["grant_id"]: g["amount_cents"] for g in use["grants"]} == {
        g1: 15_000,
        g2: 1_000,
        g3: 111,  # 111.11
    }
    assert [d["amount_cents"] for d in use["disbursements"]] == [5_000]
    assert (use["repaid_cents"], use["owed_cents"], use["in_fund_cents"]) == (10_000, 20_000, 3_888)
    assert use["rounding_cents"] == 1

    traced = await api.client.get(f"{API}/partners/{resident.id}/trace", headers=amina.headers)
    [use] = traced.json()["contributions"]
    assert use["id"] == c
    assert {g["grant_id"]: g["amount_cents"] for g in use["grants"]} == {g2: 2_000, g3: 222}
    assert (use["in_fund_cents"], use["rounding_cents"]) == (7_777, 1)

    # The trace is the partner's, a coordinator's or an auditor's to read.
    assert_problem(
        await api.client.get(f"{API}/partners/{city.id}/trace", headers=lead1.headers),
        404,
        "not_found",
    )
    listed = await api.client.get(f"{API}/partners", headers=city.headers)
    assert [p["id"] for p in listed.json()["items"]] == [city.id]
    listed = await api.client.get(f"{API}/partners", headers=api.operator)
    assert len(listed.json()["items"]) == 3
    await verified_export(api)


async def test_partners_are_named_by_coordinators(api: Api) -> None:
    """A partner names an existing principal (an active member for a resident); a retry
    with the same id answers the same partner, another body with it is refused."""
    amina = await join(api, "Amina")
    body = {
        "id": str(uuid.uuid4()),
        "name": "Amina B.",
        "kind": "resident",
        "principal_id": amina.id,
    }
    assert_problem(
        await api.client.post(f"{API}/partners", json=body, headers=amina.headers),
        403,
        "not_authorised",
    )
    first = await api.client.post(f"{API}/partners", json=body, headers=api.operator)
    assert first.status_code == 201, first.text
    again = await api.client.post(f"{API}/partners", json=body, headers=api.operator)
    assert again.json() == first.json()
    assert_problem(
        await api.client.post(f"{API}/partners", json=body | {"name": "X"}, headers=api.operator),
        422,
        "invalid_request",
        "id",
    )
    assert_problem(
        await api.client.post(
            f"{API}/partners",
            json=body | {"id": None, "principal_id": str(uuid.uuid4())},
            headers=api.operator,
        ),
        404,
        "not_found",
        "principal_id",
    )
    assert_problem(
        await api.client.post(
            f"{API}/partners",
            json=body | {"id": None, "kind": "company", "principal_id": str(uuid.uuid4())},
            headers=api.operator,
        ),
        404,
        "not_found",
        "principal_id",
    )
    shown = await api.client.get(f"{API}/partners/{body['id']}", headers=amina.headers)
    assert shown.json()["name"] == "Amina B."


async def test_the_demo_fund_loads_twice_and_verifies(runtime: Runtime) -> None:
    """The demo's fund loads through the use cases with real signatures; loading it
    again replays and writes nothing; the fund then holds what the plan says."""
    rt = runtime
    operator_key = await ensure_key(rt, OPERATOR.id, Capacity.OPERATOR)
    people: list[Principal] = []
    keys: dict[PrincipalId, Keypair] = {}
    for i in range(11):
        applied = await members.apply(rt, members.Profile(f"M{i}", None, {}, []))
        await members.accept(rt, OPERATOR, applied.id)
        people.append(Principal(applied.id, frozenset({Role.MEMBER})))
        keys[applied.id] = await ensure_key(rt, applied.id)
    for n in range(3):
        project_id = named_client_id(f"https://mutual.invalid/demo/project/{n}")
        new = projects.NewProject(f"P{n}", "energy", "resource", "G", people[3 + n].id, False)
        await projects.create_project(rt, OPERATOR, project_id, new)
    await load_fund_demo(rt, OPERATOR, operator_key, people, keys)
    size = await ledger_reads.tree_size(rt.db)
    await load_fund_demo(rt, OPERATOR, operator_key, people, keys)
    assert await ledger_reads.tree_size(rt.db) == size
    summary = await fund_usecases.fund_summary(rt)
    assert (summary.received, summary.granted, summary.repaid) == (
        9_205_000,
        2_850_000,
        500_000,
    )
    assert (summary.owed, summary.owed_due_soon) == (1_400_000, 1_000_000)
    assert summary.available == summary.balance - 1_000_000 > 0
    await check_ledger(rt.db)


async def test_concurrent_grants_cannot_both_pass(runtime: Runtime) -> None:
    """Two grants that each fit the available balance but not together, sent at once:
    exactly one is written, the other is refused exceeds_available."""
    rt = runtime
    operator_key = await ensure_key(rt, OPERATOR.id, Capacity.OPERATOR)
    pid = PrincipalId(uuid.uuid4())
    await ensure_principal(rt.db, pid, [Role.PARTNER], now=rt.clock())
    partner_key = await ensure_key(rt, pid)
    partner = await fund_usecases.create_partner(
        rt, OPERATOR, None, fund_usecases.NewPartner("Ville", PartnerKind.CITY, pid)
    )
    applied = await members.apply(rt, members.Profile("Léa", None, {}, []))
    await members.accept(rt, OPERATOR, applied.id)
    new = projects.NewProject("P", "energy", "resource", "G", applied.id, False)
    project = (await projects.create_project(rt, OPERATOR, None, new)).record.id

    gift = fund_usecases.NewContribution(partner.id, ContributionKind.GIFT, 10_000, None)
    contribute = partial(fund_usecases.record_contribution, rt, OPERATOR, uuid.uuid4(), gift)
    assert (await sign_and_record(contribute, partner_key)).accepted
    calls = []
    for _ in range(2):
        grant_id = uuid.uuid4()
        with pytest.raises(Unsigned) as asked:
            await fund_usecases.record_grant(rt, OPERATOR, grant_id, project, 6_000, "CA", [])
        signature = operator_key.sign_payload(Domain.TRANSACTION, asked.value.signing_payload)
        calls.append(
            fund_usecases.record_grant(rt, OPERATOR, grant_id, project, 6_000, "CA", [signature])
        )
    results = await asyncio.gather(*calls)
    # The ledger's fold decides under the writer's lock: the refusal is the write's answer.
    codes = sorted("accepted" if r.accepted else r.body["code"] for r in results)
    assert codes == ["accepted", "exceeds_available"]
    summary = await fund_usecases.fund_summary(rt)
    assert (summary.granted, summary.available) == (6_000, 4_000)
