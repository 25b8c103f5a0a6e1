"""The coordination group runs a round in its own page, and a partner follows its money,
in a real browser against a live server, on SQLite and PostgreSQL.

A facilitator (not a member) opens the round in the page; a member of the group puts the
projects forward there; the facilitator freezes the roll and proposes; one member objects
to an omission in the page, with a reason every page then shows under that project; the
facilitator closes the consent, and after the ballots the vote; the transcript says for
each project what it got and why, as bars and in words. An operator makes an operator key
in the page, which refuses to sign an execution that is not the decision shown, then signs
the right one. The city, a partner, reads its gift and the projects it reached.
Screenshots at both sizes and axe-core on every page, in French and English.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from mutual.core.keypair import Keypair
from mutual.core.signing import Domain
from tests.browser.conftest import PASSWORD, Live, Resident, put_forward, register_key, sign_in
from tests.browser.helpers import QUARTER, SCREENSHOTS, check, send, signed
from tests.conftest import BACKENDS

NBSP = "\u00a0"
NNBSP = "\u202f"
REASON = "L’atelier vélo a besoin de ce trimestre."
ASKS = {  # euros, hours
    "Jardin partagé": ("300", "10"),
    "Repair café": ("500", "0"),
    "Atelier vélo": ("400", "5"),
}


def person(live: Live, login: str, roles: list[str]) -> Resident:
    """A principal who is not a member (a facilitator, an operator, a partner) with a
    login and a password."""
    issued = live.call("POST", "/tokens", {"roles": roles})
    creds = {"login": login, "password": PASSWORD}
    live.call("PUT", "/members/me/credentials", creds, issued["token"])
    return Resident(issued["principal_id"], "", login, login, issued["token"])


def territory(live: Live) -> tuple[list[Resident], dict[str, Keypair], dict[str, str], Resident]:
    """Three members of the city-level group who pledge ten hours each, the city's gift of
    1,000 euros and three projects, one led by each member."""
    voters = [
        live.resident("Awa Diallo", "awa", "Drouot"),
        live.resident("Bruno Keller", "bruno"),
        live.resident("Chloé Martin", "chloe", "Dornach"),
    ]
    keys = {}
    for voter in voters:
        live.call("POST", "/tokens", {"roles": ["coordination_member"], "principal_id": voter.id})
        keys[voter.id] = register_key(live, voter.id, voter.token)
        body = {"quarter": QUARTER, "minutes": 600}
        signed(live, "/pledges", body, voter.token, keys[voter.id])
    city = person(live, "ville", ["partner"])
    city_key = register_key(live, city.id, city.token)
    partner = live.call(
        "POST", "/partners", {"name": "Ville de Mulhouse", "kind": "city", "principal_id": city.id}
    )
    gift = {"partner_id": partner["id"], "kind": "gift", "amount_cents": 100_000}
    signed(live, "/fund/contributions", gift, city.token, city_key)
    projects = put_forward(live, zip(ASKS, voters, strict=True))
    return voters, keys, projects, city


def sign_in_elsewhere(page: Page, live: Live, who: Resident) -> None:
    """Someone without a member record lands on their role's page, else on the log's."""
    page.goto(f"{live.url}/")
    page.get_by_label("Identifiant").fill(who.login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion")


def open_rounds(page: Page) -> None:
    page.get_by_role("link", name="Conduite des répartitions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conduite des répartitions")


def cast(live: Live, rid: str, voter: Resident, key: Keypair, approvals: list[str]) -> None:
    """A ballot signed as the voter's other client would: the round page's own ballots are
    tested in test_rounds_audit."""
    ballot = {"id": str(uuid.uuid4()), "approvals": approvals}
    status, raw = send(live, "POST", f"/rounds/{rid}/ballots", ballot, voter.token)
    problem = json.loads(raw)
    assert (status, problem["code"]) == (422, "unsigned"), raw
    signature = key.sign_payload(Domain.BALLOT, problem["signing_payload"]).document()
    live.call("POST", f"/rounds/{rid}/ballots", {**ballot, "signatures": [signature]}, voter.token)


def tampered_execution(route: Route) -> None:
    """The service asks for one euro more to the first project than the decision says."""
    answer = route.fetch()
    problem = answer.json()
    if problem.get("code") == "unsigned":
        for payload in [problem["signing_payload"], *problem.get("signing_payloads", [])]:
            if payload["kind"] == "grant":
                payload["postings"][0]["amount"] -= 100
                payload["postings"][1]["amount"] += 100
    route.fulfill(response=answer, json=problem)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_group_runs_a_round_in_its_page(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """The round from the projects to the payment, each step in the page of whoever takes
    it; the stances and the objection's reason shown under its project; the transcript's
    reasons per project; the execution signed only as decided; the partner's trace."""
    live = serve(backend)
    voters, keys, projects, city = territory(live)
    awa, bruno, chloe = voters
    facilitator = person(live, "animatrice", ["facilitator"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The facilitator, who holds no member record, opens the round from its own page.
    fpage = new_context().new_page()
    sign_in_elsewhere(fpage, live, facilitator)
    expect(fpage.get_by_role("link", name="Mon solde")).to_be_hidden()
    expect(fpage.get_by_role("link", name="Contributions au fonds")).to_be_hidden()
    open_rounds(fpage)
    fpage.get_by_text("Ouvrir une nouvelle répartition").click()
    fpage.get_by_label("Nom", exact=True).fill("2027-T1")
    fpage.get_by_label("Trimestre des heures promises").select_option(QUARTER)
    fpage.get_by_role("button", name="Ouvrir la répartition").click()
    main = fpage.get_by_role("main")
    expect(main).to_contain_text("Répartition 2027-T1 ouverte.")
    expect(fpage.get_by_test_id("round-phase")).to_have_text("projets en cours de dépôt")
    # The facilitator may put a project forward for its lead; here the group's members do.
    expect(fpage.get_by_role("button", name="Proposer ce projet")).to_have_count(1)
    [drafted] = live.call("GET", "/rounds", bearer=awa.token)["items"]
    rid = drafted["id"]

    # Awa, a member of the group, puts the three projects forward in her page.
    apage = new_context().new_page()
    sign_in(apage, live, awa)
    open_rounds(apage)
    for name, (eur, hours) in ASKS.items():
        apage.get_by_label("Projet", exact=True).select_option(label=name)
        apage.get_by_label("Euros demandés").fill(eur)
        apage.get_by_label("Heures demandées").fill(hours)
        apage.get_by_role("button", name="Proposer ce projet").click()
        expect(apage.get_by_role("main")).to_contain_text(f"{name} est proposé.")
    table = apage.get_by_role("table", name=re.compile("Ce que chaque projet demande"))
    expect(table.get_by_role("row")).to_have_count(4)
    expect(table.get_by_role("row", name=re.compile("Jardin partagé"))).to_contain_text(
        f"300{NNBSP}€ et 10{NBSP}h"
    )
    violations = check(apage, "facilitator-proposals")

    # The facilitator freezes the roll and the budgets, then proposes the repair café alone.
    fpage.reload()
    fpage.get_by_role("button", name="Arrêter la liste des votants et les ressources").click()
    expect(main).to_contain_text("Liste des votants et ressources arrêtées.")
    expect(main).to_contain_text(f"1{NNBSP}000{NNBSP}€ et 30{NBSP}h")
    garden_line = fpage.get_by_role("group", name="Jardin partagé")
    garden_line.get_by_label("Euros").fill("300")
    garden_line.get_by_label("Heures").fill("10")
    fpage.get_by_role("group", name="Repair café").get_by_label("Euros").fill("500")
    fpage.get_by_role("button", name="Proposer", exact=True).click()
    expect(main).to_contain_text("Proposition version 1 ouverte au consentement.")
    lines = fpage.get_by_role("list", name="Lignes de la proposition")
    expect(lines).to_contain_text(f"Jardin partagé : 300{NNBSP}€ et 10{NBSP}h")
    # An amended version, prefilled with the last one: the garden is left out of it.
    expect(fpage.get_by_role("group", name="Repair café").get_by_label("Euros")).to_have_value(
        "500"
    )
    garden_line.get_by_label("Euros").fill("0")
    garden_line.get_by_label("Heures").fill("0")
    fpage.get_by_role("button", name="Proposer la version amendée").click()
    expect(main).to_contain_text("Proposition version 2 ouverte au consentement.")
    expect(fpage.get_by_role("heading", name="Proposition, version 2")).to_be_visible()
    expect(lines).to_contain_text("Jardin partagé : absent de la proposition")
    expect(lines).to_contain_text(f"Repair café : 500{NNBSP}€")

    # Chloé objects in her page to the workshop being left out; Awa consents there too.
    cpage = new_context().new_page()
    sign_in(cpage, live, chloe)
    open_rounds(cpage)
    cpage.get_by_label("J’objecte").check()
    cpage.get_by_role("button", name="Donner ma position").click()
    expect(cpage.get_by_role("alert")).to_have_text(
        "Une objection nomme la ligne ou l’absence visée et donne sa raison."
    )
    cpage.get_by_label("Objet de l’objection").select_option(label="l’absence de « Atelier vélo »")
    cpage.get_by_label("Raison").fill(REASON)
    cpage.get_by_role("button", name="Donner ma position").click()
    expect(cpage.get_by_role("main")).to_contain_text("Position enregistrée : J’objecte.")
    apage.reload()
    apage.get_by_label("Je consens").check()
    apage.get_by_role("button", name="Donner ma position").click()
    expect(apage.get_by_role("main")).to_contain_text("Position enregistrée : Je consens.")
    live.call("POST", f"/rounds/{rid}/stances", {"stance": "consent"}, bruno.token)

    # Every page shows each stance, and the objection with its reason under its project.
    apage.reload()
    expect(apage.get_by_test_id("stance-count")).to_have_text(
        "3 positions sur 3 votants (quorum : 3)."
    )
    per_project = apage.get_by_role("list", name="Objections par projet")
    workshop = per_project.get_by_role("listitem").filter(has_text="Atelier vélo").first
    expect(workshop).to_contain_text(f"Chloé Martin objecte à son absence : {REASON}")
    cafe = per_project.get_by_role("listitem").filter(has_text="Repair café").first
    expect(cafe).to_contain_text("Aucune objection.")
    stances = apage.get_by_role("table", name="Toutes les positions sur la proposition en cours")
    expect(
        stances.get_by_role("row", name=re.compile("Chloé Martin")).get_by_role("cell")
    ).to_have_text(["J’objecte", "l’absence de « Atelier vélo »", REASON])
    expect(
        stances.get_by_role("row", name=re.compile("Bruno Keller")).get_by_role("cell")
    ).to_have_text(["Je consens", "toute la proposition", "—"])
    violations += check(apage, "facilitator-stances")

    # The facilitator sees the reason as well, and closes the consent: to a ballot.
    fpage.reload()
    expect(main).to_contain_text(REASON)
    violations += check(fpage, "facilitator-consent")
    fpage.get_by_role("button", name="Clore le consentement").click()
    expect(main).to_contain_text("Consentement clos.")
    expect(fpage.get_by_test_id("consent-outcome")).to_contain_text(
        "Au vote : Jardin partagé, Atelier vélo"
    )
    garden, workshop_id = projects["Jardin partagé"], projects["Atelier vélo"]
    choices = [[garden], [garden, workshop_id], [workshop_id]]
    for voter, chosen in zip(voters, choices, strict=True):
        cast(live, rid, voter, keys[voter.id], chosen)
    fpage.reload()
    expect(fpage.get_by_test_id("ballot-count")).to_have_text("3 bulletins reçus sur 3 votants.")
    fpage.get_by_role("button", name="Clore le vote et décompter").click()
    expect(main).to_contain_text("Vote clos et décompté.")

    # The transcript: the budgets as bars, and per project what it got and why.
    result = live.call("GET", f"/rounds/{rid}/result", bearer=awa.token)["transcript"]
    [left] = [u for u in result["unfunded"] if u["project"] == workshop_id]
    expect(main).to_contain_text(
        f"Euros du fonds : 800{NNBSP}€ sur 1{NNBSP}000{NNBSP}€ vont aux projets."
    )
    expect(main).to_contain_text(f"Heures promises : 10{NBSP}h sur 30{NBSP}h vont aux projets.")
    results = fpage.get_by_role("list", name="Résultat")
    expect(results.get_by_role("listitem")).to_have_count(3)
    garden_item = results.get_by_role("listitem").filter(has_text="Jardin partagé")
    expect(garden_item).to_contain_text("2 votants sur 3 l’ont approuvé.")
    expect(garden_item).to_contain_text(
        f"Demandé : 300{NNBSP}€ et 10{NBSP}h. Obtenu : 300{NNBSP}€ et 10{NBSP}h."
    )
    expect(garden_item).to_contain_text(re.compile(r"Choisi à l’étape 1 des parts égales"))
    expect(results.get_by_role("listitem").filter(has_text="Repair café")).to_contain_text(
        f"Financé par consentement : 500{NNBSP}€."
    )
    workshop_item = results.get_by_role("listitem").filter(has_text="Atelier vélo")
    expect(workshop_item).to_contain_text(
        f"Pas financé : il demande 400{NNBSP}€ et 5{NBSP}h, "
        f"il ne restait que {left['left_eur'] // 100}{NNBSP}€ et {left['left_hours'] // 60}{NBSP}h."
    )
    expect(workshop_item).to_contain_text(f"Obtenu : 0{NNBSP}€.")
    # The bars are pictures of those words, hidden from screen readers.
    assert garden_item.locator("svg.ask-chart[aria-hidden=true] rect.ask-funded").count() == 2
    assert workshop_item.locator("svg.ask-chart rect.ask-funded").count() == 0
    expect(main).to_contain_text("il faut la clé d’un opérateur")
    violations += check(fpage, "facilitator-result")
    fpage.get_by_role("button", name="English").click()
    expect(fpage.get_by_role("heading", level=1)).to_have_text("Running allocation rounds")
    expect(fpage.get_by_role("list", name="Result")).to_contain_text("Not funded: it asks €400")
    violations += check(fpage, "facilitator-result-en")

    # An operator makes an operator key in the page; a composed execution that is not the
    # decision gets no signature, the right one is signed and paid.
    fund_before = live.call("GET", "/fund")["balance"]
    opage = new_context().new_page()
    sign_in_elsewhere(opage, live, person(live, "operatrice", ["operator"]))
    open_rounds(opage)
    opage.get_by_role("button", name="Créer la clé d’opérateur de cet appareil").click()
    expect(opage.get_by_role("main")).to_contain_text("Clé d’opérateur créée et enregistrée.")
    opage.route("**/api/v1/rounds/*/execution", tampered_execution)
    opage.get_by_role("button", name="Vérifier, signer et verser").click()
    expect(opage.get_by_role("alert")).to_have_text(
        "Ce que le service demande de signer ne correspond pas à la décision affichée : "
        "rien n’a été signé."
    )
    assert live.call("GET", f"/rounds/{rid}")["phase"] == "decided"
    opage.unroute("**/api/v1/rounds/*/execution")
    opage.get_by_role("button", name="Vérifier, signer et verser").click()
    expect(opage.get_by_test_id("executed")).to_have_text(
        "Décision versée : 2 transactions au journal."
    )
    done = live.call("GET", f"/rounds/{rid}")
    assert (done["phase"], len(done["transactions"])) == ("executed", 2)
    assert live.call("GET", "/fund")["balance"] == fund_before - 80_000
    violations += check(opage, "facilitator-executed")

    # The city sees its gift and the projects it reached.
    ppage = new_context().new_page()
    sign_in_elsewhere(ppage, live, city)
    expect(ppage.get_by_role("link", name="Conduite des répartitions")).to_be_hidden()
    ppage.get_by_role("link", name="Contributions au fonds").click()
    expect(ppage.get_by_role("heading", level=1)).to_have_text("Contributions au fonds")
    expect(ppage.get_by_test_id("partner-summary")).to_have_text(
        f"1 contribution, 1{NNBSP}000{NNBSP}€ en tout, dont 800{NNBSP}€ attribués à des projets."
    )
    uses = ppage.get_by_role("list", name="Où va chaque contribution")
    expect(uses).to_contain_text(
        f"800{NNBSP}€ attribués à des projets, 0{NNBSP}€ remboursés, "
        f"200{NNBSP}€ encore dans le fonds."
    )
    reached = ppage.get_by_role("table", name=re.compile("La part de vos contributions"))
    expect(reached.get_by_role("row", name=re.compile("Jardin partagé"))).to_contain_text(
        f"300{NNBSP}€"
    )
    expect(reached.get_by_role("row", name=re.compile("Repair café"))).to_contain_text(
        f"500{NNBSP}€"
    )
    expect(reached.get_by_role("row", name=re.compile("Atelier vélo"))).to_have_count(0)
    [partner] = live.call("GET", "/partners")["items"]
    trace = live.call("GET", f"/partners/{partner['id']}/trace", bearer=city.token)
    shown = sum(g["amount_cents"] for c in trace["contributions"] for g in c["grants"])
    assert shown == 80_000
    violations += check(ppage, "partner")
    ppage.get_by_role("button", name="English").click()
    expect(ppage.get_by_role("heading", level=1)).to_have_text("Fund contributions")
    expect(ppage.get_by_test_id("partner-summary")).to_contain_text("€800 granted to projects")
    violations += check(ppage, "partner-en")
    assert violations == [], "\n".join(violations)
