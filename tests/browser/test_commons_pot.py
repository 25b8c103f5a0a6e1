"""The commons pot in the page, as the demo's people meet it: the demo started as the
README says, its printed logins used at phone size. A resident makes their device key
and gives an hour to the pot; the coordinator (appointed by the demo to pay from the
pot) makes theirs and pays the other resident an hour and a half for territorial work.
The effects are read back through the API with each person's own session: the pot's
balance, both residents' statement lines, and the paid resident's notification naming
the work. Screenshots and no serious or critical axe-core violation on each page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import SCREENSHOTS, check, choose_person, create_key
from tests.browser.test_demo_way_in import Printed, running_demo

ROOT = Path(__file__).resolve().parents[2]
WORK = "Tenue de la permanence du jardin"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    """``python3 dev.py demo`` once for the module, on its own data directory and port."""
    with running_demo(tmp_path_factory.mktemp("demo")) as printed:
        yield printed


def login_of(demo: Printed, role: str, nth: int = 0) -> tuple[str, str]:
    """The login and the name the demo printed for the ``nth`` person of ``role``."""
    found = [(login, name) for what, login, name, _ in demo.logins if what == role]
    return found[nth]


def signed_in(browser: Browser, demo: Printed, login: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(demo.page)
    page.get_by_label("Identifiant").first.fill(login)
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion")
    return context, page


def api_get(context: BrowserContext, demo: Printed, path: str) -> Any:
    """A read through the API with the session this browser context signed in with."""
    answer = context.request.get(demo.page.replace("/app/", f"/api/v1{path}"))
    assert answer.ok, answer.text()
    return answer.json()


def test_a_gift_to_the_pot_and_a_payment_from_it(demo: Printed, browser: Browser) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    giver_login, _ = login_of(demo, "resident", 0)
    paid_login, paid_name = login_of(demo, "resident", 1)
    coordinator_login, _ = login_of(demo, "coordinator")
    problems: list[str] = []

    # The resident gives an hour to the pot, from the menu's "Pot commun".
    giver, page = signed_in(browser, demo, giver_login)
    create_key(page)
    before = api_get(giver, demo, "/commons/pot")["balance"]
    page.get_by_role("link", name="Pot commun").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le pot commun")
    page.get_by_role("spinbutton", name="Heures").fill("1")
    page.get_by_label("Un mot avec le don (facultatif)").fill("Pour le quartier")
    page.get_by_role("button", name="Donner au pot commun").click()
    expect(page.get_by_role("main")).to_contain_text("Vous avez donné 1 h au pot commun. Merci !")
    problems += check(page, "commons-give")
    assert api_get(giver, demo, "/commons/pot")["balance"] == before + 60
    [line] = api_get(giver, demo, "/members/me/statement?limit=1")["items"]
    assert (line["kind"], line["amount"], line["description"]) == (
        "commons_gift",
        -60,
        "Pour le quartier",
    )
    assert line["other_party"]["owner_kind"] == "commons_pool"

    # The coordinator pays the other resident from the pot for territorial work.
    coordination, cpage = signed_in(browser, demo, coordinator_login)
    create_key(cpage)
    cpage.get_by_role("link", name="Payer du pot commun").click()
    expect(cpage.get_by_role("heading", level=1)).to_have_text("Payer du pot commun")
    choose_person(cpage, "Personne payée", paid_name, paid_name)
    cpage.get_by_role("spinbutton", name="Heures").fill("1")
    cpage.get_by_label("Minutes").select_option("30")
    cpage.get_by_label("Travail fait pour le territoire").fill(WORK)
    cpage.get_by_role("button", name="Payer depuis le pot commun").click()
    expect(cpage.get_by_role("main")).to_contain_text("a reçu 1 h 30 du pot commun.")
    problems += check(cpage, "commons-pay")
    assert api_get(coordination, demo, "/commons/pot")["balance"] == before + 60 - 90

    # The paid resident's statement and notification say it, with the work done.
    paid, ppage = signed_in(browser, demo, paid_login)
    [line] = api_get(paid, demo, "/members/me/statement?limit=1")["items"]
    assert (line["kind"], line["amount"], line["description"]) == ("commons_payment", 90, WORK)
    told = api_get(paid, demo, "/notifications")["items"]
    said = [n["message"] for n in told if n["kind"] == "commons_paid"]
    assert said == [f"La coordination vous a payé 1 h 30 du pot commun : {WORK}"]
    ppage.get_by_role("link", name="Notifications", exact=True).click()
    expect(ppage.get_by_role("main")).to_contain_text(WORK)
    problems += check(ppage, "commons-paid-notice")
    for context in (giver, coordination, paid):
        context.close()
    assert problems == []
