"""The coordination group's vote and the auditor's cosignature in a real browser against a
live server, on SQLite and PostgreSQL.

A round is set up through the API as a facilitator runs it (drafted, three projects put
forward, the roll frozen, a proposal, a standing objection that sends it to a ballot);
the three members vote in their own pages, each ballot signed with a key the page made;
once the facilitator closes the ballot, a member reads the result there: what was funded
in euros and hours, and why the other project was not. An auditor makes a witness key in
the page and registers it there itself, then the page cosigns a checkpoint (after checking
the log's signature, and for the next one its consistency with the last) which the API
then serves. Screenshots at both sizes and axe-core on every new page.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from mutual.core import merkle
from mutual.core.notes import (
    Note,
    format_note,
    format_verifier_key,
    parse_note,
    sign_note,
    signer_key_from_seed,
    verifier_key_of,
)
from tests.browser.conftest import PASSWORD, Live, Resident, put_forward, register_key, sign_in
from tests.browser.helpers import (
    QUARTER,
    SCREENSHOTS,
    add_device_key,
    check,
    send,
    signed,
)
from tests.conftest import BACKENDS

NBSP = "\u00a0"
NNBSP = "\u202f"
WITNESS = "audit.mulhouse.example/w1"


@dataclass(frozen=True)
class Round:
    id: str
    voters: list[Resident]
    projects: dict[str, str]  # name -> id
    facilitator: str


def round_to_ballot(live: Live) -> Round:
    """Three members who pledge ten hours each for the quarter, a city's 1,000 euros in
    the fund, three projects, and a round whose proposal funds only the repair café: Chloé
    objects that the bicycle workshop is left out, so what is left goes to a ballot."""
    voters = [
        live.resident("Awa Diallo", "awa", "Drouot"),
        live.resident("Bruno Keller", "bruno"),
        live.resident("Chloé Martin", "chloe", "Dornach"),
    ]
    for voter in voters:
        key = register_key(live, voter.id, voter.token)
        signed(live, "/pledges", {"quarter": QUARTER, "minutes": 600}, voter.token, key)
    city = live.call("POST", "/tokens", {"roles": ["partner"]})
    city_key = register_key(live, city["principal_id"], city["token"])
    partner = live.call(
        "POST",
        "/partners",
        {"name": "Ville de Mulhouse", "kind": "city", "principal_id": city["principal_id"]},
    )
    gift = {"partner_id": partner["id"], "kind": "gift", "amount_cents": 100_000}
    signed(live, "/fund/contributions", gift, city["token"], city_key)
    projects = put_forward(
        live,
        [("Jardin partagé", voters[0]), ("Repair café", voters[1]), ("Atelier vélo", voters[2])],
    )
    facilitator = live.call("POST", "/tokens", {"roles": ["facilitator"]})["token"]
    now = datetime.now(UTC)
    drafted = live.call(
        "POST",
        "/rounds",
        {
            "label": "2027-T1",
            "quarter": QUARTER,
            "rule": "mes-add1-greedy",
            "quorum": 3,
            "proposals_close": (now + timedelta(days=1)).isoformat(),
            "consent_close": (now + timedelta(days=2)).isoformat(),
            "ballot_close": (now + timedelta(days=3)).isoformat(),
        },
        facilitator,
    )
    rid = drafted["id"]
    asks = {
        "Jardin partagé": (30_000, 600, voters[0]),
        "Repair café": (50_000, 0, voters[1]),
        "Atelier vélo": (40_000, 300, voters[2]),
    }
    for name, (eur, minutes, lead) in asks.items():
        ask = {"project_id": projects[name], "ask_eur": eur, "ask_hours": minutes}
        live.call("POST", f"/rounds/{rid}/submissions", ask, lead.token)
    live.call("POST", f"/rounds/{rid}/snapshot", {}, facilitator)
    line = {"project_id": projects["Repair café"], "eur": 50_000, "hours": 0}
    live.call("POST", f"/rounds/{rid}/proposals", {"lines": [line]}, facilitator)
    objection = {
        "stance": "object",
        "target": {"kind": "omission", "project_id": projects["Atelier vélo"]},
        "reason": "L’atelier vélo a besoin de ce trimestre.",
    }
    live.call("POST", f"/rounds/{rid}/stances", objection, voters[2].token)
    for voter in voters[:2]:
        live.call("POST", f"/rounds/{rid}/stances", {"stance": "consent"}, voter.token)
    closed = live.call("POST", f"/rounds/{rid}/consent/close", {}, facilitator)
    assert closed["phase"] == "ballot"
    return Round(rid, voters, projects, facilitator)


def vote(page: Page, projects: list[str]) -> None:
    page.get_by_role("link", name="Répartition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Répartition du trimestre")
    for name in projects:
        page.get_by_role("checkbox", name=re.compile(name)).check()
    page.get_by_role("button", name="Voter et signer").click()
    expect(page.get_by_role("main")).to_contain_text("Votre bulletin est signé et enregistré")


def refuses_a_ballot_it_does_not_show(page: Page, other: Resident) -> None:
    """A service that asks the page to sign someone else's ballot gets no signature."""

    def as_someone_else(route: Route) -> None:
        answer = route.fetch()
        problem = answer.json()
        problem["signing_payload"]["by"] = other.id
        route.fulfill(response=answer, json=problem)

    page.route("**/api/v1/rounds/*/ballots", as_someone_else)
    page.get_by_role("checkbox", name=re.compile("Jardin partagé")).check()
    page.get_by_role("button", name="Voter et signer").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Ce que le service demande de signer ne correspond pas à ce bulletin : rien n’a été signé."
    )
    page.unroute("**/api/v1/rounds/*/ballots")


@pytest.mark.parametrize("backend", BACKENDS)
def test_members_vote_in_the_page_and_read_the_result(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """Each member signs an approval ballot in the page; after the close, the result says
    what each project got in euros and hours, or why it got nothing, at a glance."""
    live = serve(backend)
    r = round_to_ballot(live)
    choices = [["Jardin partagé"], ["Jardin partagé", "Atelier vélo"], ["Atelier vélo"]]
    pages: list[Page] = []
    for voter, chosen in zip(r.voters, choices, strict=True):
        page = new_context().new_page()
        sign_in(page, live, voter)
        add_device_key(page, live, voter)
        if not pages:
            page.get_by_role("link", name="Répartition").click()
            ballot = page.get_by_role("group", name="Projets soumis au vote")
            expect(ballot.get_by_role("checkbox")).to_have_count(2)
            expect(ballot).to_contain_text(f"Jardin partagé · demande 300{NNBSP}€ et 10{NBSP}h")
            expect(ballot).to_contain_text(f"Atelier vélo · demande 400{NNBSP}€ et 5{NBSP}h")
            expect(page.get_by_role("main")).to_contain_text(
                "Déjà financé par consentement : Repair café (500\u202f€)."
            )
            expect(page.get_by_role("main")).not_to_contain_text("null")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            assert check(page, "round-ballot") == []
            refuses_a_ballot_it_does_not_show(page, r.voters[1])
        vote(page, chosen)
        pages.append(page)
    expect(pages[2].get_by_role("main")).to_contain_text("3 bulletins reçus sur 3 votants.")
    expect(pages[2].get_by_role("main")).to_contain_text("Vous avez voté.")
    shown = live.call("GET", f"/rounds/{r.id}", bearer=r.voters[0].token)
    assert (shown["ballots_cast"], sorted(shown["voted"])) == (3, sorted(v.id for v in r.voters))

    closed = live.call("POST", f"/rounds/{r.id}/ballot/close", {}, r.facilitator)
    assert closed["phase"] == "decided"
    result = live.call("GET", f"/rounds/{r.id}/result", bearer=r.voters[0].token)
    funded = {p["project"]: p for p in result["transcript"]["selected"]}
    unfunded = {u["project"]: u for u in result["transcript"]["unfunded"]}
    garden, cafe, workshop = (
        r.projects[n] for n in ("Jardin partagé", "Repair café", "Atelier vélo")
    )
    assert (funded[garden]["eur"], funded[garden]["hours"]) == (30_000, 600)
    assert unfunded[workshop]["reason"] == "budget_left_short"
    assert {ln["project_id"] for ln in closed["decision"]} == {garden, cafe}

    page = pages[0]
    page.reload()
    expect(page.get_by_role("heading", name="Résultat")).to_be_visible()
    results = page.get_by_role("list", name="Résultat")
    expect(results.get_by_role("listitem")).to_have_count(3)
    garden_item = results.get_by_role("listitem").filter(has_text="Jardin partagé")
    expect(garden_item).to_contain_text("2 votants sur 3 l’ont approuvé.")
    expect(garden_item).to_contain_text(f"Financé : 300{NNBSP}€ et 10{NBSP}h.")
    expect(results.get_by_role("listitem").filter(has_text="Repair café")).to_contain_text(
        f"Financé par consentement : 500{NNBSP}€."
    )
    left = unfunded[workshop]
    workshop_item = results.get_by_role("listitem").filter(has_text="Atelier vélo")
    hours_left = left["left_hours"] // 60
    expect(workshop_item).to_contain_text(
        f"Pas financé : il demande 400{NNBSP}€ et 5{NBSP}h, "
        f"il ne restait que {left['left_eur'] // 100}{NNBSP}€ et {hours_left}{NBSP}h."
    )
    expect(page.get_by_test_id("round-total")).to_contain_text(
        f"Financé : 800{NNBSP}€ sur 1{NNBSP}000{NNBSP}€"
    )
    # The page recounts the published ballots itself (recount.js) and agrees.
    expect(page.get_by_test_id("recount")).to_have_text(
        "Recomptée dans votre navigateur : même résultat."
    )
    violations = check(page, "round-result")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This quarter’s allocation")
    expect(page.get_by_role("list", name="Result")).to_contain_text("Not funded: it asks €400")
    expect(page.get_by_test_id("recount")).to_have_text("Recounted in your browser: same result.")
    violations += check(page, "round-result-en")
    assert violations == [], "\n".join(violations)


def auditor(live: Live) -> Resident:
    """An auditor's principal with a login and a password."""
    issued = live.call("POST", "/tokens", {"roles": ["auditor"]})
    creds = {"login": "auditrice", "password": PASSWORD}
    live.call("PUT", "/members/me/credentials", creds, issued["token"])
    return Resident(issued["principal_id"], "", "auditrice", "Auditrice", issued["token"])


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def consistency_cases() -> list[dict[str, Any]]:
    """Proofs from the Python core, every pair of sizes up to 17, for the page's verifier."""
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(17)]
    cases = []
    for new in range(1, 18):
        for old in range(1, new + 1):
            proof = [merkle.root_of(leaves[b:e]) for b, e in merkle.consistency_ranges(old, new)]
            cases.append(
                {
                    "old": old,
                    "new": new,
                    "oldRoot": b64(merkle.root_of(leaves[:old])),
                    "newRoot": b64(merkle.root_of(leaves[:new])),
                    "proof": [b64(p) for p in proof],
                }
            )
    return cases


VERIFY_ALL = """async (cases) => {
  const {verifyConsistency} = await import("/app/js/views/audit.js");
  const bytes = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
  const wrong = [];
  for (const c of cases) {
    const proof = c.proof.map(bytes);
    const good = await verifyConsistency(c.old, c.new, bytes(c.oldRoot), bytes(c.newRoot), proof);
    if (!good) wrong.push(`${c.old}->${c.new} refused`);
    if (proof.length) {
      const bad = proof.map((p) => p.slice());
      bad[0][0] ^= 1;
      if (await verifyConsistency(c.old, c.new, bytes(c.oldRoot), bytes(c.newRoot), bad)) {
        wrong.push(`${c.old}->${c.new} tampered accepted`);
      }
    }
    const root = bytes(c.newRoot);
    const swapped = await verifyConsistency(c.old, c.new, root, root, proof);
    if (c.old < c.new && swapped) {
      wrong.push(`${c.old}->${c.new} wrong root accepted`);
    }
  }
  return wrong;
}"""


def note_with_plus_in_its_key() -> tuple[str, str]:
    """A checkpoint signed by a key whose base64 holds a "+", and that key's vkey text."""
    for n in range(1000):
        signer = signer_key_from_seed("log.example/ledger", bytes([n % 256, n // 256]) * 16)
        vkey = format_verifier_key(verifier_key_of(signer))
        if vkey.count("+") > 2:
            body = f"log.example/ledger\n7\n{b64(bytes(32))}\n"
            return format_note(Note(body, (sign_note(body, signer),))), vkey
    raise AssertionError("no such key among the first thousand")


CHECK_NOTE = """async ([text, vkey]) => {
  const {parseNote, verifyLogSignature} = await import("/app/js/views/audit.js");
  const note = parseNote(text);
  const forged = parseNote(text.replace("\\n7\\n", "\\n8\\n"));
  return [note.size, await verifyLogSignature(note, vkey), await verifyLogSignature(forged, vkey)];
}"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_auditor_cosigns_a_checkpoint_in_the_page(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """The auditor's page shows the latest checkpoint and how to verify the export; it
    makes a witness key and registers it with the auditor's own session, no operator in
    between, then cosigns: the API serves the cosignature, and the next cosignature
    follows a consistency proof checked in the page."""
    live = serve(backend)
    live.resident("Awa Diallo", "awa", "Drouot")
    status, first = send(live, "POST", "/log/checkpoints")
    assert status == 201, first
    person = auditor(live)
    page = new_context().new_page()
    page.goto(f"{live.url}/")
    page.get_by_label("Identifiant").fill(person.login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # Not a member: the page opens on the log, and shows no resident's links.
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal et audit")
    expect(page.get_by_role("link", name="Mon solde")).to_be_hidden()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Signature du journal vérifiée dans ce navigateur.")
    expect(main).to_contain_text("Aucun témoin ne l’a encore contresigné.")
    vkey = live.call("GET", "/log")["verifier_key"]
    expect(main).to_contain_text(f"mutual verify export.ndjson --log-key '{vkey}'")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    violations = check(page, "audit")

    # The page's consistency check agrees with the core on every pair of small trees.
    assert page.evaluate(VERIFY_ALL, consistency_cases()) == []
    # And it reads a log key whose base64 holds a "+" (only two separate its fields).
    assert page.evaluate(CHECK_NOTE, list(note_with_plus_in_its_key())) == [7, True, False]

    # The first request never reaches the service: the page keeps the key and its signed
    # event, and offers to send it again.
    page.route("**/api/v1/key-events", lambda route: route.abort())
    page.get_by_label("Nom du témoin").fill(WITNESS)
    page.get_by_role("button", name="Créer et enregistrer la clé de témoin").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Le service ne répond pas. Vérifiez votre connexion."
    )
    expect(main).to_contain_text("pas encore enregistrée")
    violations += check(page, "audit-witness-unregistered")
    page.unroute("**/api/v1/key-events")
    page.get_by_role("button", name="Terminer l’enregistrement").click()
    expect(main).to_contain_text("Clé de témoin créée et enregistrée.")
    expect(main).to_contain_text(f"Clé de témoin « {WITNESS} » :")
    expect(page.get_by_role("button", name="Vérifier et contresigner")).to_be_visible()
    shown = page.get_by_test_id("witness-key").inner_text()
    [key] = live.call("GET", f"/keys?principal_id={person.id}")["items"]
    assert (key["key_id"][:16], key["capacity"], key["name"], key["revoked_at"]) == (
        shown,
        "witness",
        WITNESS,
        None,
    )
    violations += check(page, "audit-witness")
    stored = page.evaluate(
        """async (id) => {
      const {witnessKey} = await import("/app/js/views/audit.js");
      const {private_key: key, request} = await witnessKey(id);
      const {principal, by} = request;
      return {extractable: key.extractable, algorithm: key.algorithm.name, principal, by};
    }""",
        person.id,
    )
    # The auditor registered it itself (its own principal, asking for itself), once.
    assert stored == {
        "extractable": False,
        "algorithm": "Ed25519",
        "principal": person.id,
        "by": person.id,
    }
    page.get_by_role("button", name="Vérifier et contresigner").click()
    size = live.call("GET", "/log")["tree_size"]
    expect(main).to_contain_text(f"Point de contrôle de {size} entrées contresigné.")
    status, note = send(live, "GET", f"/log/checkpoints/{size}")
    assert status == 200
    cosigned = [s for s in parse_note(note.decode()).signatures if s.name == WITNESS]
    assert len(cosigned) == 1
    expect(page.get_by_role("list", name="Contresignatures")).to_contain_text(WITNESS)

    # The log grows; the next cosignature checks the proof that it extends the last one.
    live.resident("Bruno Keller", "bruno")
    page.get_by_role("button", name="Vérifier et contresigner").click()
    expect(main).to_contain_text("Cohérent avec le précédent")
    newer = live.call("GET", "/log")["tree_size"]
    assert newer > size
    status, note = send(live, "GET", f"/log/checkpoints/{newer}")
    assert [s.name for s in parse_note(note.decode()).signatures].count(WITNESS) == 1
    violations += check(page, "audit-cosigned")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log and audit")
    violations += check(page, "audit-en")
    assert violations == [], "\n".join(violations)
