"""The resident's pages as people meet them: screenshots at a phone's size (390 x 844) and
a desktop's (1280 x 800) saved under ``artifacts/screenshots/``, and axe-core finding no
serious or critical accessibility violation on any of them, in French and in English.

SQLite only: the pages are the same whatever the database; tests/browser/test_resident.py
runs the path on both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, expect

from mutual.core.signing import Domain
from tests.browser.conftest import (
    PASSWORD,
    Live,
    Resident,
    register_key,
)
from tests.browser.helpers import SCREENSHOTS, check, create_key, propose


def territory(live: Live) -> Resident:
    """Awa, with a confirmed exchange in her statement, one to confirm, and offers around."""
    awa = live.resident("Awa Diallo", "awa", "Drouot")
    bruno = live.resident("Bruno Keller", "bruno", "Bourtzwiller")
    key = register_key(live, bruno.id, bruno.token)
    given = propose(live, awa, bruno, 120, "Cours de guitare")
    signature = key.sign_payload(Domain.TRANSACTION, given["signing_payload"]).document()
    live.call("POST", f"/proposals/{given['id']}/confirm", {"signatures": [signature]}, bruno.token)
    propose(live, bruno, awa, 45, "Aide aux courses du samedi")
    offers = [
        (awa, "offer", "Cours de guitare pour débutants", "culture_sport", 60),
        (bruno, "offer", "Petites réparations de vélo", "time", 90),
        (bruno, "request", "Quelqu’un pour arroser mes plantes en août", "family", None),
    ]
    for who, direction, title, category, minutes in offers:
        body: dict[str, Any] = {"direction": direction, "title": title, "category": category}
        if minutes:
            body["estimated_minutes"] = minutes
        live.call("POST", "/offers", body, who.token)
    return awa


def test_resident_pages_at_phone_and_desktop_sizes_pass_axe(
    serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """Every resident page, signed out and in, in French and English, is saved at both
    sizes and has no serious or critical axe-core violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = serve("sqlite")
    awa = territory(live)
    page = new_context().new_page()
    page.goto(f"{live.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    violations = check(page, "sign-in")

    page.get_by_label("Identifiant").fill(awa.login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_test_id("balance")).to_have_text("2\u00a0h")
    create_key(page)
    violations += check(page, "key")
    pages = [
        ("Mon solde", "home", "Bruno Keller"),
        ("Enregistrer un échange", "record", "Personne qui a reçu le service"),
        ("Annuaire", "directory", "Bruno Keller"),
        ("À confirmer", "confirm", "Bruno Keller vous a rendu 45"),
        ("Offres et demandes", "offers", "Petites réparations de vélo"),
    ]
    for link, name, shown in pages:
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("main")).to_contain_text(shown)
        violations += check(page, name)
    # The person picker, open on the people found.
    page.get_by_role("link", name="Enregistrer un échange").click()
    page.get_by_role("combobox", name="Personne qui a reçu le service").fill("Bru")
    expect(page.get_by_role("option", name="Bruno Keller")).to_be_visible()
    violations += check(page, "record-picker")
    # Rejecting asks for a reason only once the resident chose to reject.
    page.get_by_role("link", name="À confirmer").click()
    reason = page.get_by_label("Motif du refus")
    expect(page.get_by_role("button", name="Refuser")).to_have_attribute("aria-expanded", "false")
    expect(reason).to_be_hidden()
    page.get_by_role("button", name="Refuser").click()
    expect(reason).to_be_focused()
    violations += check(page, "confirm-reject")
    page.get_by_role("link", name="Offres et demandes").click()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offers and requests")
    violations += check(page, "offers-en")
    page.get_by_role("link", name="My balance").click()
    expect(page.get_by_role("main")).to_contain_text("Balance after")
    violations += check(page, "home-en")
    assert violations == [], "\n".join(violations)
