"""Finding people and reading one's statement in the demo (300 residents, namesakes
among them) at phone size, signed in with the logins the demo prints: resident A finds
resident B in the directory and with the type-ahead picker, records an exchange from B's
request, B confirms it with a key made in the page; A's statement names B with the
description and the category, older pages load to the first line, the CSV downloads and
says the same; axe finds no serious or critical violation on the new views."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import SCREENSHOTS, check, choose_person, create_key
from tests.browser.test_demo_way_in import Printed, demo  # noqa: F401 -- the fixture

NBSP = "\u00a0"


def _sign_in(page: Page, printed: Printed, login: str) -> None:
    page.goto(printed.page)
    page.get_by_label("Identifiant").first.fill(login)
    page.get_by_label("Mot de passe").fill(printed.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon solde")


def _api(page: Page, path: str) -> Any:
    """A read through the page's own session, as its scripts make them."""
    return page.evaluate(
        "async (path) => (await fetch('/api/v1' + path, {headers: {Accept: 'application/json'}}))"
        ".json()",
        path,
    )


def test_a_resident_finds_another_records_an_exchange_and_reads_the_statement(
    demo: Printed,  # noqa: F811 -- the fixture imported above
    new_context: Callable[..., BrowserContext],
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    residents = [(login, name) for role, login, name, _ in demo.logins if role == "resident"]
    (login_a, _), (login_b, name_b) = residents
    b_page = new_context().new_page()
    _sign_in(b_page, demo, login_b)
    me_b = _api(b_page, "/me")
    b = _api(b_page, f"/members/{me_b['principal_id']}")
    assert b["display_name"] == name_b
    number = b["number"]
    assert isinstance(number, int)
    b_label = f"{name_b} · n° {number} · {b['neighbourhood']}"

    a_page = new_context().new_page()
    _sign_in(a_page, demo, login_a)
    violations: list[str] = []

    # The directory: B's name finds B among namesakes, told apart by number.
    a_page.get_by_role("link", name="Annuaire").click()
    expect(a_page.get_by_role("heading", level=1)).to_have_text("Annuaire des membres")
    a_page.get_by_label("Nom ou numéro de membre").fill(name_b)
    a_page.get_by_role("button", name="Rechercher").click()
    results = a_page.get_by_role("list", name="Membres trouvés")
    found = results.locator(":scope > li").filter(has_text=f"n° {number}")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(name_b)
    for text in results.locator(":scope > li .item-title").all_inner_texts():
        assert name_b.lower() in text.lower()
    violations += check(a_page, "demo-directory")
    a_page.get_by_label("Quartier").select_option(b["neighbourhood"])
    a_page.get_by_role("button", name="Rechercher").click()
    expect(results.locator(":scope > li").filter(has_text=f"n° {number}")).to_have_count(1)
    for text in results.locator(":scope > li").all_inner_texts():
        assert b["neighbourhood"] in text

    # B's request, from the directory: its page, then the record view opens on B and
    # the request.
    request = found.get_by_role("list", name="Offres et demandes").get_by_role("listitem").first
    request.get_by_role("link", name=re.compile("^Voir « ")).click()
    a_page.get_by_role("link", name=f"Enregistrer l’échange avec {name_b}").click()
    expect(a_page.get_by_role("heading", level=1)).to_have_text("Enregistrer un échange")
    picker = a_page.get_by_role("combobox", name="Personne qui a reçu le service")
    expect(picker).to_have_value(b_label)
    offered = a_page.get_by_label("Catégorie (facultatif)")
    category = offered.evaluate("(select) => select.selectedOptions[0].textContent")
    assert category != "Sans catégorie"

    # The same person again with the type-ahead and the keyboard alone.
    picker.fill("")
    choose_person(a_page, "Personne qui a reçu le service", name_b, f"n° {number}")
    expect(picker).to_have_value(b_label)
    picker.fill(name_b)
    expect(a_page.get_by_role("listbox", name="Personne qui a reçu le service")).to_be_visible()
    violations += check(a_page, "demo-record-picker")
    picker.press("Escape")
    expect(picker).to_have_attribute("aria-expanded", "false")
    picker.fill("")
    choose_person(a_page, "Personne qui a reçu le service", name_b, f"n° {number}")

    a_page.get_by_label("Heures").fill("1")
    a_page.get_by_label("Description (facultatif)").fill("Coup de main du jeudi")
    a_page.get_by_role("button", name="Enregistrer").click()
    expect(a_page.get_by_role("main")).to_contain_text(f"enregistré avec {b_label}")

    # B confirms with a key made in the page.
    create_key(b_page)
    b_page.get_by_role("link", name="À confirmer").click()
    card = b_page.get_by_role("listitem").filter(has_text="Coup de main du jeudi")
    card.get_by_role("button", name="Confirmer et signer").click()
    expect(b_page.get_by_role("main")).to_contain_text("Échange confirmé")

    # A's statement: B's name and number, the description and the category.
    a_page.get_by_role("link", name="Mon solde").click()
    table = a_page.get_by_role("table")
    newest = table.get_by_role("row").nth(1)
    expect(newest).to_contain_text(f"{name_b} (n° {number})")
    expect(newest).to_contain_text("Coup de main du jeudi")
    expect(newest).to_contain_text(category)
    expect(newest).to_contain_text(f"+1{NBSP}h")
    violations += check(a_page, "demo-statement")

    # Every older page, to the first line.
    lines = 0
    cursor: str | None = None
    while True:
        page = _api(
            a_page, "/members/me/statement?limit=200" + (f"&cursor={cursor}" if cursor else "")
        )
        lines += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    older = a_page.get_by_role("button", name="Mouvements plus anciens")
    assert lines > 10, "the demo resident should have more than one page of lines"
    rows = table.locator("tbody tr")
    while older.is_visible():
        shown = rows.count()
        older.click()
        expect(rows).not_to_have_count(shown)
    expect(rows).to_have_count(lines)
    expect(older).to_be_hidden()

    # On paper: the statement alone, every line, with whose it is.
    a_page.emulate_media(media="print")
    expect(a_page.get_by_role("banner")).to_be_hidden()
    expect(a_page.get_by_test_id("balance")).to_be_hidden()
    expect(a_page.get_by_role("button", name="Imprimer le relevé")).to_be_hidden()
    expect(a_page.get_by_role("main")).to_contain_text("Relevé de temps de")
    expect(rows).to_have_count(lines)
    expect(rows.last).to_be_visible()
    a_page.screenshot(path=SCREENSHOTS / "demo-statement-print.png", full_page=True)
    a_page.emulate_media(media="screen")
    expect(a_page.get_by_test_id("balance")).to_be_visible()

    # The CSV: the same lines, oldest first, summing to the balance.
    with a_page.expect_download() as download:
        a_page.get_by_role("link", name="Télécharger le relevé (CSV)").click()
    assert download.value.suggested_filename == "statement.csv"
    path = download.value.path()
    sheet = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(sheet) == lines
    running = 0
    for row in sheet:
        running += int(row["minutes"])
        assert int(row["balance_after"]) == running
    me_a = _api(a_page, f"/members/{_api(a_page, '/me')['principal_id']}")
    assert running == _api(a_page, f"/accounts/{me_a['account_id']}")["balance"]
    last = sheet[-1]
    assert (last["other_party"], last["member_number"], last["description"]) == (
        name_b,
        str(number),
        "Coup de main du jeudi",
    )
    assert last["category"] != ""
    assert violations == [], "\n".join(violations)
