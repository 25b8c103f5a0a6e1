"""The page speaks to people, not in the service's internals: signed in with the logins
the demo prints, at phone size, each role lands on its own page under a banner that
keeps to a quarter of the screen; an unusual exchange is confirmed first; a bounds
refusal and a loan refusal read in French, with no English server message, no id and no
raw count of minutes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import test_demo_way_in as way_in
from tests.browser.conftest import PHONE
from tests.browser.helpers import choose_person, create_key

# The demo as a newcomer starts it (its own data directory and port).
demo = way_in.demo
Printed = way_in.Printed

LANDINGS = {
    "resident": "Mon solde",
    "coordinator": "Adhésions et limites",
    "facilitator": "Conduite des répartitions",
    "project lead": "Mon projet",
    "keeper": "Mon point de collecte",
    "partner": "Contributions au fonds",
    "auditor": "Journal et audit",
    "operator": "Administration du service",
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# Words of the service's technical details, which a French page never shows.
ENGLISH = re.compile(
    r"\b(the|balance|account|below|above|minutes|items|limit|loan|held|asks)\b", re.IGNORECASE
)
QUARTER_OF_THE_SCREEN = PHONE["height"] / 4


def sign_in(page: Page, demo: Printed, login: str) -> None:
    page.goto(demo.page)
    page.get_by_label("Identifiant").first.fill(login)
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion")


def assert_in_words(text: str) -> None:
    """French for people: no id, no raw number of minutes, none of the details' English."""
    assert UUID.search(text) is None, text
    assert re.search(r"\d{3,}", text) is None, text
    assert ENGLISH.search(text) is None, text


def test_each_role_lands_on_its_page_and_refusals_are_in_words(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    for role, login, _, _ in demo.logins:
        page = new_context(viewport=PHONE).new_page()
        sign_in(page, demo, login)
        expect(page.get_by_role("heading", level=1)).to_have_text(LANDINGS[role])
        banner = page.get_by_role("banner").bounding_box()
        assert banner is not None
        assert banner["height"] <= QUARTER_OF_THE_SCREEN, (role, banner)
        page.context.close()
    refusals_read_in_french_words(demo, new_context)


def refusals_read_in_french_words(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    """Part of the test above, on the same demo (it takes a while to load)."""
    logins = {role: (login, name) for role, login, name, _ in reversed(demo.logins)}
    [(giver_login, giver), (taker_login, taker)] = [
        (login, name) for role, login, name, _ in demo.logins if role == "resident"
    ]

    # A day's exchange, three times: each is confirmed first, being more than usual.
    provider = new_context(viewport=PHONE).new_page()
    sign_in(provider, demo, giver_login)
    provider.get_by_role("link", name="Enregistrer un échange").click()
    picker = "Personne qui a reçu le service"
    for _ in range(3):
        choose_person(provider, picker, taker, taker)
        provider.get_by_label("Heures").fill("24")
        provider.get_by_role("button", name="Enregistrer").click()
        asked = provider.get_by_test_id("unusual")
        expect(asked).to_contain_text("24\u00a0h pour un seul échange, c’est plus que d’habitude")
        asked.get_by_role("button", name="Oui, envoyer").click()
        expect(provider.get_by_role("main")).to_contain_text("enregistré avec")
    # Past a day the service refuses, in words.
    choose_person(provider, picker, taker, taker)
    provider.get_by_label("Heures").fill("24")
    provider.get_by_label("Minutes").select_option("15")
    provider.get_by_role("button", name="Enregistrer").click()
    provider.get_by_test_id("unusual").get_by_role("button", name="Oui, envoyer").click()
    refusal = provider.get_by_role("alert")
    expect(refusal).to_have_text(
        "24\u00a0h\u00a015 : c’est plus que le plus permis ici (24\u00a0h). Vérifiez le "
        "montant. À revoir : la durée."
    )
    assert_in_words(refusal.inner_text())

    # The receiver confirms until a limit refuses: 72 h is past any demo balance's room.
    receiver = new_context(viewport=PHONE).new_page()
    sign_in(receiver, demo, taker_login)
    create_key(receiver)
    receiver.get_by_role("link", name="À confirmer").click()
    cards = receiver.get_by_role("listitem").filter(has_text=f"{giver} vous a rendu 24")
    alert = receiver.get_by_role("alert")
    expect(cards).to_have_count(3)
    for left in (3, 2, 1):
        cards.first.get_by_role("button", name="Confirmer et signer").click()
        # Either the card goes (confirmed) or a refusal shows under it.
        deadline = time.monotonic() + 15
        while not (alert.count() or cards.count() < left):
            assert time.monotonic() < deadline, "the confirmation got no answer"
            receiver.wait_for_timeout(100)
        if alert.count():
            break
    text = alert.inner_text()
    assert re.match(r"Ce mouvement ferait passer le solde \(.+\) (sous|au-dessus de)", text), text
    assert_in_words(text)

    # A keeper lends more items than anyone may hold at once.
    keeper_login, _ = logins["keeper"]
    keeper = new_context(viewport=PHONE).new_page()
    sign_in(keeper, demo, keeper_login)
    expect(keeper.get_by_role("heading", level=1)).to_have_text("Mon point de collecte")
    create_key(keeper)
    keeper.goto(f"{demo.page}#/keeper")
    lend = keeper.get_by_role("form", name="Prêter").first
    kinds = lend.get_by_label("Objet", exact=True)
    kinds.select_option(index=1)
    lend.get_by_label("Nombre d’objets").fill("4")
    choose_person(lend, "Personne qui emprunte", giver, giver)
    lend.get_by_role("button", name="Prêter et signer").click()
    refused = keeper.get_by_role("alert")
    expect(refused).to_contain_text(re.compile("Au plus 3 objets|Cette personne a déjà"))
    text = refused.inner_text()
    if text.startswith("Au plus"):
        assert text.startswith(
            "Au plus 3 objets en prêt à la fois par personne : 4 objets demandés, c’est trop."
        ), text
    assert "À revoir : le nombre d’objets." in text
    assert_in_words(text)

    # The same refusal in English, from the same catalogue.
    keeper.get_by_role("button", name="English").click()
    lend = keeper.get_by_role("form", name="Lend").first
    lend.get_by_label("Item", exact=True).select_option(index=1)
    lend.get_by_label("Number of items").fill("4")
    choose_person(lend, "Who borrows", giver, giver)
    lend.get_by_role("button", name="Lend and sign").click()
    english = keeper.get_by_role("alert")
    expect(english).to_contain_text("To check: the number of items.")
    assert UUID.search(english.inner_text()) is None
    if text.startswith("Au plus"):
        expect(english).to_contain_text(
            "At most 3 items on loan at once per person: 4 items asked are too many."
        )
