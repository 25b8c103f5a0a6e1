"""Pledging hours and lending shared goods in a real browser against a live server, on
SQLite and PostgreSQL: a resident pledges hours for a quarter, signed in the page; a
keeper takes items in, lends one to a resident and records its return, each movement
signed in the page on the point's behalf; the resident sees the loan open then gone, and
the stock counts follow. The new pages are saved at phone and desktop sizes and checked
with axe-core, in French and in English."""

from __future__ import annotations

import json
import re
import urllib.error
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.signing import Domain
from tests.browser.conftest import Live, Resident, register_key, sign_in
from tests.browser.helpers import SCREENSHOTS, add_device_key, check, choose_person, create_key
from tests.conftest import BACKENDS

NBSP = "\u00a0"
ORDINALS = {1: "1er", 2: "2e", 3: "3e", 4: "4e"}


def this_quarter(day: date) -> tuple[str, str]:
    """The quarter's code and its French name, as the page shows it."""
    q = (day.month - 1) // 3 + 1
    return f"{day.year}-Q{q}", f"{ORDINALS[q]} trimestre {day.year}"


def composed(live: Live, path: str, body: dict[str, Any], who: Resident, key: Keypair) -> Any:
    """Send a goods flow unsigned, sign what the service composed on the point's behalf
    (the point is the path's second segment), and send it again: another client of the
    service, as tests/flow_client.py is."""
    try:
        live.call("POST", path, body, who.token)
    except urllib.error.HTTPError as error:
        problem = json.loads(error.read())
    else:
        raise AssertionError("an unsigned flow was accepted")
    assert problem["code"] == "unsigned", problem
    payload = problem["signing_payload"]
    point = PrincipalId(uuid.UUID(path.split("/")[2]))
    signature = key.sign_payload(Domain.TRANSACTION, payload, on_behalf_of=point)
    signed = {**body, "id": payload["id"], "signatures": [signature.document()]}
    return live.call("POST", path, signed, who.token)


def goods_territory(live: Live, keeper: Resident, late: Resident) -> str:
    """Two kinds in the catalogue, a point kept by ``keeper`` with two tents on its shelf,
    one of them lent to ``late`` and due three days ago (all through the API, with a key
    of the keeper's other device)."""
    live.call("POST", "/goods/kinds", {"slug": "perceuse", "name": "Perceuse"})
    live.call(
        "POST", "/goods/kinds", {"slug": "tente", "name": "Tente", "description": "Quatre places"}
    )
    body = {"name": "Magasin pour rien", "neighbourhood": "Bourtzwiller", "keepers": [keeper.id]}
    point: str = live.call("POST", "/collection-points", body)["id"]
    key = register_key(live, keeper.id, keeper.token)
    composed(
        live, f"/collection-points/{point}/deposits", {"kind": "tente", "count": 2}, keeper, key
    )
    due_on = (date.today() - timedelta(days=3)).isoformat()
    loan = {"kind": "tente", "count": 1, "member_id": late.id, "due_on": due_on}
    composed(live, f"/collection-points/{point}/loans", loan, keeper, key)
    return point


def stock_row(page: Page, kind: str) -> Locator:
    return page.locator(f'tr[data-kind="{kind}"]').locator("td")


def shelf(live: Live, point: str, kind: str) -> tuple[int, int]:
    for line in live.call("GET", f"/collection-points/{point}")["stock"]:
        if line["kind"] == kind:
            return line["on_shelf"], line["on_loan"]
    return 0, 0


def pledge(page: Page, quarter: str, hours: int, minutes: int) -> None:
    page.get_by_label("Trimestre").select_option(label=quarter)
    page.get_by_label("Heures").fill(str(hours))
    page.get_by_label("Minutes").select_option(str(minutes))
    page.get_by_role("button", name="Promettre et signer").click()


def tampered(change: Callable[[dict[str, Any]], None]) -> Callable[[Route], None]:
    """A service that asks to sign something else than what was chosen: the unsigned
    answer's payload goes through ``change``; a signed request goes through untouched."""

    def handle(route: Route) -> None:
        if json.loads(route.request.post_data or "{}").get("signatures"):
            route.continue_()
            return
        answer = route.fetch()
        problem = answer.json()
        change(problem["signing_payload"])
        route.fulfill(response=answer, json=problem)

    return handle


def doubled(payload: dict[str, Any]) -> None:
    for posting in payload["postings"]:
        posting["amount"] *= 2


def elsewhere(payload: dict[str, Any]) -> None:
    payload["postings"][1]["account_id"] = str(uuid.uuid4())


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_resident_pledges_hours_signed_in_the_browser(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """Awa pledges 3 h 30 for this quarter with her device's key: the pool holds it, her
    time balance does not move, and her pledges show it. A composed transaction that is
    not what she chose is not signed."""
    live = serve(backend)
    awa = live.resident("Awa", "awa")
    code, name = this_quarter(date.today())
    page = new_context().new_page()
    sign_in(page, live, awa)
    create_key(page)
    page.get_by_role("link", name="Promesses d’heures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Promettre des heures")
    expect(page.get_by_role("main")).to_contain_text("Aucune promesse pour l’instant.")

    page.route("**/api/v1/pledges", tampered(doubled))
    pledge(page, name, 3, 30)
    expect(page.get_by_role("alert")).to_contain_text("rien n’a été signé")
    page.unroute("**/api/v1/pledges")
    assert live.call("GET", "/pledges", bearer=awa.token)["items"] == []

    pledge(page, name, 3, 30)
    expect(page.get_by_role("main")).to_contain_text(
        f"Promesse de 3{NBSP}h{NBSP}30 pour le {name} enregistrée."
    )
    card = page.get_by_role("listitem").filter(has_text=name)
    expect(card.locator("dd")).to_have_text(
        [f"3{NBSP}h{NBSP}30", f"3{NBSP}h{NBSP}30"] + [f"0{NBSP}min"] * 3
    )
    [view] = live.call("GET", "/pledges", bearer=awa.token)["items"]
    assert (view["quarter"], view["pledged"], view["held"]) == (code, 210, 210)
    assert live.balance(awa) == 0

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pledge hours")
    quarter = int(code[-1])
    expect(page.get_by_role("listitem").filter(has_text=f"Q{quarter} {code[:4]}")).to_contain_text(
        f"Pledged3{NBSP}h{NBSP}30{NBSP}min"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_keeper_lends_a_good_and_records_its_return(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """Chloé keeps the point: she takes three drills in, lends one to Bruno and records it
    back, each signed in her page on the point's behalf; Bruno sees the loan, then
    nothing on loan; the shelf goes 3/0, 2/1, 3/0, and Dan's late tent stays overdue."""
    live = serve(backend)
    chloe = live.resident("Chloé", "chloe")
    bruno = live.resident("Bruno", "bruno")
    dan = live.resident("Dan", "dan")
    point = goods_territory(live, chloe, dan)

    keeper = new_context().new_page()
    sign_in(keeper, live, chloe)
    add_device_key(keeper, live, chloe)
    keeper.get_by_role("link", name="Objets partagés").click()
    keeper.get_by_role("link", name="Gérer mon point de collecte").click()
    expect(keeper.get_by_role("heading", level=1)).to_have_text("Mon point de collecte")
    expect(keeper.get_by_test_id("loan-summary")).to_have_text("1 prêt en cours, dont 1 en retard.")
    late = keeper.get_by_role("listitem").filter(has_text="Tente × 1 chez Dan")
    expect(late).to_contain_text("en retard")
    expect(late).to_contain_text("À rendre depuis le")

    received = keeper.get_by_role("form", name="Objets reçus")
    received.get_by_label("Objet", exact=True).select_option(label="Perceuse")
    received.get_by_label("Nombre d’objets").fill("3")
    received.get_by_role("button", name="Ajouter au stock et signer").click()
    expect(keeper.get_by_role("main")).to_contain_text("Perceuse × 3 ajoutés au stock.")
    expect(stock_row(keeper, "perceuse")).to_have_text(["3", "0"])
    assert shelf(live, point, "perceuse") == (3, 0)

    lend = keeper.get_by_role("form", name="Prêter")
    lend.get_by_label("Objet", exact=True).select_option(label="Perceuse")
    choose_person(lend, "Personne qui emprunte", "Brun", "Bruno")
    # A loan into an account that is not Bruno's is not signed.
    loans = f"**/api/v1/collection-points/{point}/loans"
    keeper.route(loans, tampered(elsewhere))
    lend.get_by_role("button", name="Prêter et signer").click()
    expect(keeper.get_by_role("alert")).to_contain_text("rien n’a été signé")
    keeper.unroute(loans)
    assert shelf(live, point, "perceuse") == (3, 0)
    lend.get_by_role("button", name="Prêter et signer").click()
    expect(keeper.get_by_role("main")).to_contain_text(
        re.compile(r"Prêt enregistré : Perceuse × 1 à Bruno · n° \d+ · Bourtzwiller\.")
    )
    expect(stock_row(keeper, "perceuse")).to_have_text(["2", "1"])
    expect(keeper.get_by_test_id("loan-summary")).to_have_text(
        "2 prêts en cours, dont 1 en retard."
    )
    assert shelf(live, point, "perceuse") == (2, 1)
    [loan] = live.call("GET", "/members/me/loans", bearer=bruno.token)["items"]
    assert (loan["kind"], loan["outstanding"], loan["overdue"]) == ("perceuse", 1, False)
    assert loan["due_on"] == (date.today() + timedelta(days=14)).isoformat()

    borrower = new_context().new_page()
    sign_in(borrower, live, bruno)
    borrower.get_by_role("link", name="Objets partagés").click()
    open_loans = borrower.get_by_role("list", name="Mes emprunts", exact=True)
    mine = open_loans.get_by_role("listitem").filter(has_text="Perceuse × 1")
    expect(mine).to_contain_text("Emprunté à Magasin pour rien")
    expect(mine).to_contain_text("À rendre le")
    expect(stock_row(borrower, "perceuse")).to_have_text(["2", "1"])
    expect(borrower.get_by_role("main")).not_to_contain_text("Gérer mon point de collecte")
    moves = borrower.get_by_role("list", name="Mes derniers emprunts et retours").get_by_role(
        "listitem"
    )
    expect(moves).to_have_count(1)
    expect(moves.first).to_contain_text("Emprunté Perceuse × 1, Magasin pour rien, le ")

    back = keeper.get_by_role("listitem").filter(has_text="Perceuse × 1 chez Bruno")
    expect(back.get_by_label("Objets rendus")).to_have_value("1")
    back.get_by_role("button", name="Enregistrer le retour et signer").click()
    expect(keeper.get_by_role("main")).to_contain_text(
        "Retour enregistré : Perceuse × 1 rendu par Bruno."
    )
    expect(stock_row(keeper, "perceuse")).to_have_text(["3", "0"])
    expect(keeper.get_by_test_id("loan-summary")).to_have_text("1 prêt en cours, dont 1 en retard.")
    assert shelf(live, point, "perceuse") == (3, 0)
    assert live.call("GET", "/members/me/loans", bearer=bruno.token)["items"] == []

    borrower.reload()
    expect(borrower.get_by_test_id("no-loans")).to_have_text("Vous n’avez rien en prêt.")
    expect(stock_row(borrower, "perceuse")).to_have_text(["3", "0"])
    # The loan is closed: the ledger's history shows it returned after it was lent.
    expect(moves).to_have_count(2)
    expect(moves.first).to_contain_text("Rendu Perceuse × 1, Magasin pour rien, le ")
    expect(moves.nth(1)).to_contain_text("Emprunté Perceuse × 1")
    assert shelf(live, point, "tente") == (1, 1)


def test_pledge_and_goods_pages_at_phone_and_desktop_sizes_pass_axe(
    serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """The pledge, shared goods and keeper pages, filled, in French and English, are saved
    at both sizes and have no serious or critical axe-core violation. SQLite only: the
    pages are the same whatever the database."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = serve("sqlite")
    chloe = live.resident("Chloé Martin", "chloe", "Drouot")
    dan = live.resident("Dan Weber", "dan")
    goods_territory(live, chloe, dan)
    page = new_context().new_page()
    sign_in(page, live, chloe)
    add_device_key(page, live, chloe)
    _, name = this_quarter(date.today())
    page.get_by_role("link", name="Promesses d’heures").click()
    pledge(page, name, 2, 0)
    expect(page.get_by_role("main")).to_contain_text("enregistrée")
    violations = check(page, "pledges")
    page.get_by_role("link", name="Objets partagés").click()
    expect(page.get_by_role("main")).to_contain_text("Quatre places")
    violations += check(page, "goods")
    page.get_by_role("link", name="Gérer mon point de collecte").click()
    expect(page.get_by_test_id("loan-summary")).to_contain_text("dont 1 en retard")
    violations += check(page, "keeper")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My collection point")
    violations += check(page, "keeper-en")

    borrower = new_context().new_page()
    sign_in(borrower, live, dan)
    borrower.get_by_role("link", name="Objets partagés").click()
    expect(borrower.get_by_role("main")).to_contain_text("en retard")
    violations += check(borrower, "goods-loans")
    borrower.get_by_role("button", name="English").click()
    expect(borrower.get_by_role("main")).to_contain_text("Was due back on")
    violations += check(borrower, "goods-loans-en")
    assert violations == [], "\n".join(violations)
