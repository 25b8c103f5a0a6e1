"""The coordinator's jobs in Chromium against the demo, on SQLite and PostgreSQL, signed
in with the demo's printed coordinator login: their operator key made in the page (and
registered by the operator from the operator's page, signed in with the printed operator
login), pledged hours allocated to a project by a decision, euros granted from the fund,
part of a deposit repaid and an exchange corrected, each signed in the page with that key
and read back through the API; last quarter's hours still held released once it is over
(the demo wrote that quarter as of then), read back in the pledge figures; then a member's
limits, standing and latest movements in the directory. This quarter's release waits for
its end: the page says when. Screenshots at both sizes and axe on each page."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from mutual.core import pledges
from mutual.core.ids import PrincipalId, TransactionId
from mutual.core.quarters import Quarter
from mutual.core.transactions import transaction_payload
from tests.browser.demo_server import Demo, demo_server
from tests.browser.helpers import SCREENSHOTS, check
from tests.conftest import BACKENDS, Templates

GARDEN = "Jardin partagé des Coteaux"


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    folder: Path = tmp_path_factory.mktemp("demo")
    with demo_server(request.param, templates, folder) as running:
        yield running


def this_quarter(today: date | None = None) -> str:
    day = today or date.today()
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def previous_quarter(code: str) -> str:
    year, number = (int(x) for x in code.split("-Q"))
    return f"{year - 1}-Q4" if number == 1 else f"{year}-Q{number - 1}"


def quarter_words(code: str) -> str:
    """The quarter as the French page names it ("3e trimestre 2026")."""
    year, number = code.split("-Q")
    return f"{'1er' if number == '1' else number + 'e'} trimestre {year}"


def figures_of(demo: Demo, member_id: str, quarter: str) -> dict[str, Any]:
    """A member's pledge figures for the quarter, as the API gives them."""
    answer = demo.call("GET", f"/pledges?member_id={member_id}&quarter={quarter}")
    [figures] = answer["items"]
    found: dict[str, Any] = figures
    return found


def garden_share(figures: dict[str, Any], project_id: str) -> int:
    return sum(p["allocated"] for p in figures["projects"] if p["project_id"] == project_id)


def test_a_coordinator_allocates_grants_repays_and_corrects_from_the_page(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    demo.sign_in(page, "coordinator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Adhésions et limites")
    page.get_by_role("link", name="Heures et fonds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Heures promises et fonds")

    # Before the key, every signed job says it is needed.
    page.get_by_role("button", name="Créer ma clé d’opération").click()
    state = page.get_by_test_id("operator-key-state")
    expect(state).to_contain_text("attend qu’un opérateur l’enregistre")
    fingerprint = state.locator("code").get_attribute("data-key-id")
    assert fingerprint is not None
    violations = check(page, "coordinator-jobs-key-asked")

    # The operator registers it from their own page, signed in with the printed login.
    operator = new_context().new_page()
    demo.sign_in(operator, "operator")
    coordinator_name = demo.login("coordinator")[1].split(",")[0]
    row = operator.get_by_role("row").filter(has=operator.locator(f'[data-key-id="{fingerprint}"]'))
    expect(row).to_contain_text(coordinator_name, timeout=20_000)
    row.get_by_role("button", name=f"Inscrire la clé d’opérateur de {coordinator_name}").click()
    expect(operator.get_by_role("main")).to_contain_text(
        f"La clé d’opérateur de {coordinator_name} est inscrite.", timeout=20_000
    )
    registered = demo.call("GET", f"/keys/{fingerprint}")
    assert registered["capacity"] == "operator"
    coordinator_id = registered["principal_id"]
    page.reload()
    expect(page.get_by_test_id("operator-key-state")).to_contain_text("est enregistrée")

    # Pledged hours: one hour of the first volunteer still held, to the garden.
    quarter = this_quarter()
    projects = {p["name"]: p["id"] for p in demo.call("GET", "/projects?limit=100")["items"]}
    pool_before = demo.call("GET", f"/pledges/quarters/{quarter}/pool?limit=500")
    expect(page.get_by_test_id("release-later")).to_contain_text("une fois le trimestre terminé")
    allocate = page.locator("form", has=page.get_by_role("button", name="Signer et répartir"))
    member_select = allocate.get_by_label("Bénévole")
    member_id = member_select.locator("option").nth(1).get_attribute("value")
    assert member_id is not None
    member_select.select_option(member_id)
    figures_before = figures_of(demo, member_id, quarter)
    allocate.get_by_label("Projet").select_option(label=GARDEN)
    allocate.get_by_label("Heures").fill("1.5")
    allocate.get_by_label("Décision").fill("CA 2026-12-07 n°2")
    allocate.get_by_role("button", name="Signer et répartir").click()
    expect(page.get_by_test_id("done")).to_contain_text("1 h 30 réparties (1 ligne)")
    held = {m["member_id"]: m["held"] for m in pool_before["items"]}
    after = demo.call("GET", f"/pledges/quarters/{quarter}/pool?limit=500")
    assert after["held"] == pool_before["held"] - 90
    assert {m["member_id"]: m["held"] for m in after["items"]}.get(member_id, 0) == (
        held[member_id] - 90
    )
    figures = figures_of(demo, member_id, quarter)
    assert (figures["held"], figures["allocated"]) == (
        figures_before["held"] - 90,
        figures_before["allocated"] + 90,
    )
    assert (
        garden_share(figures, projects[GARDEN])
        == garden_share(figures_before, projects[GARDEN]) + 90
    )
    violations += check(page, "coordinator-jobs-allocated")

    # Last quarter is over with hours still held: all of it goes back to its volunteers'
    # promises, once, signed in the page.
    last = previous_quarter(quarter)
    pool_last = demo.call("GET", f"/pledges/quarters/{last}/pool?limit=500")
    assert pool_last["held"] > 0
    volunteer = pool_last["items"][0]["member_id"]
    last_before = figures_of(demo, volunteer, last)
    assert last_before["held"] > 0
    page.get_by_role("combobox", name="Trimestre").select_option(value=last)
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_test_id("pool-held")).to_contain_text(quarter_words(last))
    expect(page.get_by_test_id("pool-table").locator("tbody tr")).to_have_count(
        len(pool_last["items"])
    )
    page.get_by_role("button", name="Signer et libérer").click()
    expect(page.get_by_test_id("done")).to_contain_text(
        f"libérées pour le {quarter_words(last)}", timeout=20_000
    )
    expect(page.get_by_role("main")).to_contain_text("Rien ne reste à libérer")
    assert demo.call("GET", f"/pledges/quarters/{last}/pool") == {
        "quarter": last,
        "held": 0,
        "items": [],
        "next_cursor": None,
        "next": None,
    }
    released = figures_of(demo, volunteer, last)
    assert (released["held"], released["released"]) == (
        0,
        last_before["released"] + last_before["held"],
    )
    assert (released["pledged"], released["allocated"], released["delivered"]) == (
        last_before["pledged"],
        last_before["allocated"],
        last_before["delivered"],
    )
    violations += check(page, "coordinator-jobs-released")

    # Euros from the fund to the garden, by a decision.
    fund_before = demo.call("GET", "/fund")
    grant = page.locator("form", has=page.get_by_role("button", name="Signer et accorder"))
    grant.get_by_label("Projet").select_option(label=GARDEN)
    grant.get_by_label("Montant en euros").fill("12,50")
    grant.get_by_label("Décision").fill("CA 2026-12-07 n°3")
    grant.get_by_role("button", name="Signer et accorder").click()
    expect(page.get_by_test_id("done")).to_contain_text(f"accordés à « {GARDEN} »")
    fund_after = demo.call("GET", "/fund")
    assert fund_after["granted"] == fund_before["granted"] + 1250
    assert fund_after["balance"] == fund_before["balance"] - 1250

    # One euro of the first deposit still owed, repaid.
    deposit = page.locator("li[data-contribution]").first
    contribution = deposit.get_attribute("data-contribution")
    deposit.get_by_label("Montant en euros").fill("1")
    deposit.get_by_role("button", name="Signer et rembourser").click()
    expect(page.get_by_test_id("done")).to_contain_text("1,00 € remboursés à")
    repaid = demo.call("GET", "/fund")
    assert repaid["repaid"] == fund_after["repaid"] + 100
    assert repaid["owed"] == fund_after["owed"] - 100
    traced = [
        c
        for p in demo.call("GET", "/partners?limit=100")["items"]
        for c in demo.call("GET", f"/partners/{p['id']}/trace")["contributions"]
        if c["id"] == contribution
    ]
    assert traced[0]["repaid_cents"] >= 100
    violations += check(page, "coordinator-jobs-fund")

    # A correction signed with the same key: the exchange undone exactly.
    page.get_by_role("link", name="Corrections et mandats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corrections et mandats")
    # An exchange of the demo's, found in the log's events (the page looks it up by id).
    exchanges = demo.call("GET", "/events?types=transaction.exchange&limit=20")["items"]
    tx_id = next(
        e["id"]
        for e in exchanges
        if demo.call("GET", f"/transactions/{e['id']}")["reversed_by"] is None
    )
    page.get_by_label("Identifiant de la transaction").fill(tx_id)
    page.get_by_role("button", name="Chercher").click()
    correction = page.get_by_test_id("correction")
    correction.get_by_label("Motif de la correction").fill("Échange saisi par erreur")
    correction.get_by_role("button", name="Annuler cette transaction et signer").click()
    expect(page.get_by_test_id("reversed")).to_contain_text("est annulée")
    original = demo.call("GET", f"/transactions/{tx_id}")
    fix = demo.call("GET", f"/transactions/{original['reversed_by']}")
    assert (fix["kind"], fix["reverses"], fix["initiator"]) == ("correction", tx_id, coordinator_id)
    assert [(p["account_id"], p["unit"], -p["amount"]) for p in fix["postings"]] == [
        (p["account_id"], p["unit"], p["amount"]) for p in original["postings"]
    ]
    violations += check(page, "coordinator-jobs-corrected")

    # The directory: the volunteer's limits, standing and latest movements, as the API has them.
    name = demo.call("GET", f"/members/{member_id}")["display_name"]
    standing = demo.call("GET", f"/members/{member_id}/standing")
    page.get_by_role("link", name="Annuaire").click()
    page.get_by_label("Nom ou numéro de membre").fill(name)
    page.get_by_role("button", name="Rechercher").click()
    card = (
        page.get_by_role("list", name="Membres trouvés")
        .get_by_role("listitem")
        .filter(has_text=name)
    )
    card.first.get_by_role("button", name="Limites, situation et mouvements").first.click()
    shown = card.first.get_by_test_id("standing")
    expect(shown).to_be_visible()
    expect(shown.get_by_test_id("standing-limits")).to_contain_text("de ")
    expect(shown.get_by_test_id("standing-history").locator("li")).to_have_count(
        len(standing["recent"])
    )
    violations += check(page, "coordinator-jobs-directory")
    assert violations == [], "\n".join(violations)


CHECKS_IN_PAGE = """async ({ payloads, origin, quarter, held, allocation }) => {
  const pool = await import("/app/js/views/coordinator_pool.js");
  const out = [];
  for (const p of payloads.release)
    out.push(await pool.releaseExpected(p, { origin, quarter, held }));
  for (const p of payloads.allocation)
    out.push(await pool.allocationExpected(p, { origin, ...allocation }));
  return out;
}"""


def test_the_page_signs_a_release_or_an_allocation_only_as_the_core_composes_it(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    """The page's checks accept exactly the release and the allocation core.pledges
    composes, and refuse one moved to another member's account or by another amount."""
    page = new_context().new_page()
    page.goto(demo.printed.page)
    origin = demo.call("GET", "/log")["origin"]
    alice, bob = (PrincipalId(uuid.uuid4()) for _ in range(2))
    project = uuid.uuid4()
    quarter = Quarter(2026, 3)
    held = {alice: 90, bob: 30}
    release = pledges.release(
        pledges.release_id(quarter), quarter, held, initiator=alice, today=date(2026, 10, 5)
    ).transaction
    lines = [
        pledges.AllocationLine(alice, project, 60),
        pledges.AllocationLine(bob, project, 15),
        pledges.AllocationLine(alice, project, 15),
    ]
    tx_id = TransactionId(uuid.uuid4())
    allocation = pledges.allocation(
        tx_id, quarter, lines, initiator=alice, decision="CA n°4", today=None
    ).transaction
    good_release = transaction_payload(origin, release)
    good_allocation = transaction_payload(origin, allocation)
    moved = copy.deepcopy(good_release)
    moved["postings"][1]["account_id"] = moved["postings"][3]["account_id"]
    more = copy.deepcopy(good_allocation)
    more["postings"][0]["amount"] -= 15
    more["postings"][-1]["amount"] += 15
    found = page.evaluate(
        CHECKS_IN_PAGE,
        {
            "payloads": {"release": [good_release, moved], "allocation": [good_allocation, more]},
            "origin": origin,
            "quarter": str(quarter),
            "held": [{"member_id": str(m), "held": n} for m, n in held.items()],
            "allocation": {
                "id": str(tx_id),
                "quarter": str(quarter),
                "decision": "CA n°4",
                "lines": [
                    {
                        "member_id": str(ln.member_id),
                        "project_id": str(project),
                        "minutes": ln.minutes,
                    }
                    for ln in lines
                ],
            },
        },
    )
    assert found == [True, False, True, False]
