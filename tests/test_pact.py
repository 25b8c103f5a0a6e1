"""The territorial pact, on SQLite and PostgreSQL: versions published by a coordinator,
signed once per signatory and version, invitations by signatories counted per quarter,
a new version asking earlier signatories to sign it; each a log entry signed by the log
key and checked by the one fold, verified offline with a rewritten one caught; a raw
write that breaks a pact rule refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from mutual.core.authority import Principal, Role
from mutual.core.entries import EntryType
from mutual.core.ids import PrincipalId
from mutual.core.pact import PactAction, PactEntry, pact_payload
from mutual.core.signing import Domain
from mutual.store import ledger_reads
from mutual.store.journal import PactWrite
from mutual.store.tables import pact_entries
from mutual.usecases import pact as pact_usecase
from mutual.usecases.runtime import Runtime
from tests.test_api import API, Api, assert_problem
from tests.test_associations import appoint, register
from tests.test_commons_pot import coordinator
from tests.test_projects import api
from tests.test_rounds import START, post, set_now
from tests.test_tampering import entry_of, first_index, kinds, rewrite
from tests.test_tampering import verify as verify_lines
from tests.test_timebank import join, verified_export

__all__ = ["api"]

COORDINATOR = Principal(PrincipalId(uuid.UUID(int=1)), frozenset({Role.OPERATOR}))
CHARTER = {
    "title": "Pacte de coresponsabilité",
    "text": "Nous nous engageons.",
    "languages": ["fr"],
}


async def publish(api: Api, **extra: Any) -> dict[str, Any]:
    version: dict[str, Any] = await post(api, "/pact/versions", CHARTER | extra, api.operator)
    return version


async def mine(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    answer = await api.client.get(f"{API}/pact", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_sign_once_invite_and_count_per_quarter(api: Api) -> None:
    set_now(api, START)
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    # Nothing to sign before a version is published; only a coordinator publishes.
    assert_problem(
        await api.client.post(f"{API}/pact/signatures", json={}, headers=alice.headers),
        409,
        "pact_rule",
        "version_id",
    )
    refused = await api.client.post(f"{API}/pact/versions", json=CHARTER, headers=alice.headers)
    assert refused.status_code == 403, refused.text
    v1 = await publish(api)
    assert v1["number"] == 1

    signed = await post(api, "/pact/signatures", {}, alice.headers)
    assert signed["action"] == "signed"
    # Signing the same version again is refused by the fold.
    assert_problem(
        await api.client.post(f"{API}/pact/signatures", json={}, headers=alice.headers),
        409,
        "pact_rule",
        "version",
    )
    # A version that was never published.
    assert_problem(
        await api.client.post(
            f"{API}/pact/signatures",
            json={"version_id": str(uuid.uuid4())},
            headers=bob.headers,
        ),
        409,
        "pact_rule",
        "version",
    )
    # Bob has not signed: he cannot invite. Alice invites Bob, once.
    assert_problem(
        await api.client.post(
            f"{API}/pact/invitations", json={"member_id": carol.id}, headers=bob.headers
        ),
        409,
        "pact_rule",
        "by",
    )
    await post(api, "/pact/invitations", {"member_id": bob.id}, alice.headers)
    assert_problem(
        await api.client.post(
            f"{API}/pact/invitations", json={"member_id": bob.id}, headers=alice.headers
        ),
        409,
        "pact_rule",
        "invitee",
    )
    told = (await api.client.get(f"{API}/notifications", headers=bob.headers)).json()["items"]
    assert [n["kind"] for n in told].count("pact_invited") == 1
    bob_sees = await mine(api, bob.headers)
    assert [i["member_id"] for i in bob_sees["mine"]["invited_by"]] == [alice.id]
    assert bob_sees["mine"]["invited_by"][0]["display_name"] == "Alice"
    assert not bob_sees["mine"]["signed_current"]
    await post(api, "/pact/signatures", {}, bob.headers)
    alice_sees = await mine(api, alice.headers)
    assert alice_sees["mine"]["invited_this_quarter"] == [bob.id]
    assert alice_sees["mine"]["quarter"] == "2027-Q1"
    assert alice_sees["signatories"] == 2

    # Someone not a member yet: an application in their name, invited by Alice; a
    # non-signatory's attempt leaves no application behind.
    newcomer = {"display_name": "Dora", "email": "dora@example.org"}
    assert_problem(
        await api.client.post(
            f"{API}/pact/invitations", json={"newcomer": newcomer}, headers=carol.headers
        ),
        409,
        "pact_rule",
        "by",
    )
    await post(api, "/pact/invitations", {"newcomer": newcomer}, alice.headers)
    applied = await api.client.get(
        f"{API}/members", params={"status": "applied"}, headers=api.operator
    )
    [dora] = [m for m in applied.json()["items"] if m["display_name"] == "Dora"]
    assert dora["contact"] == {"email": {"value": "dora@example.org", "visibility": "coordinators"}}
    assert_problem(
        await api.client.post(
            f"{API}/pact/invitations",
            json={"member_id": bob.id, "newcomer": newcomer},
            headers=alice.headers,
        ),
        422,
        "invalid_request",
        "member_id",
    )

    # Next quarter: Bob invites Carol, who signs; Alice invites nobody.
    set_now(api, START + timedelta(days=100))
    await post(api, "/pact/invitations", {"member_id": carol.id}, bob.headers)
    await post(api, "/pact/signatures", {}, carol.headers)
    assert (await mine(api, alice.headers))["mine"]["invited_this_quarter"] == []

    async def quarter(q: str) -> dict[str, Any]:
        answer = await api.client.get(
            f"{API}/pact/signatories", params={"quarter": q}, headers=api.operator
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    q1, q2 = await quarter("2027-Q1"), await quarter("2027-Q2")
    assert (q1["signed_in_quarter"], q1["signatories_at_end"], q1["invited_at_least_one"]) == (
        2,
        2,
        1,
    )
    assert {s["signatory"]: s["invited"] for s in q1["signatories"]} == {
        alice.id: [bob.id, dora["id"]],
        bob.id: [],
    }
    assert (q2["signed_in_quarter"], q2["signatories_at_end"], q2["invited_at_least_one"]) == (
        1,
        3,
        1,
    )
    assert {s["signatory"]: s["invited"] for s in q2["signatories"]} == {
        alice.id: [],
        bob.id: [carol.id],
        carol.id: [],
    }
    # A resident does not read the others' figures.
    forbidden = await api.client.get(f"{API}/pact/signatories", headers=alice.headers)
    assert forbidden.status_code == 403

    # A new version: every earlier signatory is asked to sign it, in their feed too.
    v2 = await publish(api, title="Pacte de coresponsabilité, 2e version")
    assert v2["number"] == 2
    alice_sees = await mine(api, alice.headers)
    assert alice_sees["current"]["id"] == v2["id"]
    assert alice_sees["mine"]["asked_to_sign"]
    assert alice_sees["signatories_current"] == 0
    feed = await api.client.get(f"{API}/notifications", headers=alice.headers)
    assert [n["kind"] for n in feed.json()["items"]].count("pact_new_version") == 1
    await post(api, "/pact/signatures", {}, alice.headers)
    assert not (await mine(api, alice.headers))["mine"]["asked_to_sign"]
    # The older version may still be signed by someone who has not signed it.
    dave = await join(api, "Dave")
    await post(api, "/pact/signatures", {"version_id": v1["id"]}, dave.headers)

    # Offline: the pact's entries verify; one rewritten under the log key (Bob signing
    # as invited by Carol, who never invited him) is refused by the fold at its index.
    exported = await verified_export(api)
    assert api.runtime is not None
    rt = api.runtime
    bob_signed, _ = entry_of(
        exported,
        lambda e: e["type"] == "pact" and e["payload"]["body"].get("signatory") == bob.id,
    )

    def invited_by_carol(payload: Any) -> None:
        payload["body"]["invited_by"] = carol.id

    findings = verify_lines(rt, rewrite(rt, exported, bob_signed, invited_by_carol))
    assert (findings[0].log_index, findings[0].kind) == (bob_signed, "pact_rule"), findings
    # Changed without the log key: its signature fails at its own index.
    tampered = [
        line.replace(alice.id, carol.id) if f'"index":{bob_signed},' in line else line
        for line in exported
    ]
    assert tampered != exported
    findings = verify_lines(rt, tampered)
    assert first_index(findings) == bob_signed, findings
    assert "invalid_signature" in kinds(findings), findings


async def test_an_association_signs_through_a_member_who_acts_for_it(api: Api) -> None:
    claire = await coordinator(api)
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    registered = await register(api, claire)
    assert (await appoint(api, claire, registered["id"], alice)).status_code == 201
    await publish(api)
    body = {"on_behalf_of": registered["id"]}
    refused = await api.client.post(f"{API}/pact/signatures", json=body, headers=bob.headers)
    assert_problem(refused, 403, "not_custodian", "on_behalf_of")
    await post(api, "/pact/signatures", body, alice.headers)
    seen = await mine(api, alice.headers)
    # The association signed; Alice herself has not.
    assert (seen["signatories"], seen["mine"]["signed_current"]) == (1, False)


def _write(rt: Runtime, entry: PactEntry) -> PactWrite:
    log_entry, digest = rt.log.sign_entry(
        Domain.PACT, EntryType.PACT, pact_payload(rt.log.origin, entry)
    )
    return PactWrite(entry, digest, log_entry)


async def _written(rt: Runtime) -> tuple[int, int]:
    async with rt.db.reading() as conn:
        rows = (await conn.execute(select(func.count()).select_from(pact_entries))).scalar_one()
    return await ledger_reads.tree_size(rt.db), int(rows)


async def test_a_raw_write_breaking_a_pact_rule_is_refused_with_nothing_written(
    runtime: Runtime,
) -> None:
    rt = runtime
    version = await pact_usecase.publish_version(
        rt, COORDINATOR, "Pacte", "Texte.", ["fr"], version_id=None
    )
    alice, bob = uuid.uuid4(), uuid.uuid4()
    await rt.journal.submit(
        [
            _write(
                rt,
                PactEntry(
                    uuid.uuid4(),
                    PactAction.SIGNED,
                    alice,
                    rt.clock(),
                    {
                        "version": str(version.id),
                        "signatory": str(alice),
                        "signatory_kind": "resident",
                        "invited_by": None,
                    },
                ),
            )
        ],
        atomic=True,
        recorded_at=rt.clock(),
    )
    now = rt.clock()

    def signed(who: uuid.UUID, version_id: uuid.UUID, invited_by: uuid.UUID | None) -> PactEntry:
        body = {
            "version": str(version_id),
            "signatory": str(who),
            "signatory_kind": "resident",
            "invited_by": None if invited_by is None else str(invited_by),
        }
        return PactEntry(uuid.uuid4(), PactAction.SIGNED, who, now, body)

    raw = [
        # Alice signs again; Bob signs a version never published; Bob names an inviter
        # who never invited him; Bob (no signature) invites; a version out of sequence.
        signed(alice, version.id, None),
        signed(bob, uuid.uuid4(), None),
        signed(bob, version.id, alice),
        PactEntry(uuid.uuid4(), PactAction.INVITED, bob, now, {"invitee": str(alice)}),
        PactEntry(
            uuid.uuid4(),
            PactAction.VERSION_PUBLISHED,
            COORDINATOR.id,
            now,
            {"number": 3, "title": "Pacte", "text": "Texte.", "languages": ["fr"]},
        ),
    ]
    before = await _written(rt)
    for entry in raw:
        [outcome] = await rt.journal.submit([_write(rt, entry)], atomic=True, recorded_at=now)
        assert not outcome.accepted
        assert outcome.body["code"] == "pact_rule", outcome.body
    assert await _written(rt) == before
    assert before[1] == 2
    # An atomic batch whose second entry breaks a rule that the first makes true (two
    # invitations of Bob by Alice): neither is written.
    invite = PactEntry(uuid.uuid4(), PactAction.INVITED, alice, now, {"invitee": str(bob)})
    again = PactEntry(uuid.uuid4(), PactAction.INVITED, alice, now, {"invitee": str(bob)})
    outcomes = await rt.journal.submit(
        [_write(rt, invite), _write(rt, again)], atomic=True, recorded_at=now
    )
    assert [o.body["code"] for o in outcomes] == ["batch_aborted", "pact_rule"]
    assert await _written(rt) == before
    assert (await pact_usecase.pact(rt)).invitations == []
