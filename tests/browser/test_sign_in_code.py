"""Signing in without a password, in a real browser against a live server on SQLite and
PostgreSQL: a resident asks the page for a one-time code, the code reaches them through
their notifications (as the territory's gateway would deliver it), typed in it opens a
session; used once it is refused, as is a wrong one, and the page says so in the
person's words. Screenshots and no serious or critical axe-core violation."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Live, Resident
from tests.browser.helpers import SCREENSHOTS, check
from tests.conftest import BACKENDS


def delivered_code(live: Live, resident: Resident, after: int = 0) -> tuple[str, int]:
    """The newest sign-in code in the resident's feed past ``after`` (the link is made
    just after the service answers, so it is waited for), and its seq."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        feed = live.call("GET", f"/notifications?after={after}", None, resident.token)
        links = [n for n in feed["items"] if n["kind"] == "sign_in_link"]
        if links:
            return links[-1]["data"]["token"], links[-1]["seq"]
        time.sleep(0.1)
    raise AssertionError("no sign-in code reached the resident's notifications")


def ask_for_code(page: Page, login: str) -> None:
    section = page.get_by_test_id("code-sign-in")
    section.get_by_role("button", name="Utiliser un code à usage unique").click()
    expect(section.get_by_label("Identifiant")).to_be_focused()
    section.get_by_label("Identifiant").fill(login)
    section.get_by_role("button", name="Recevoir un code").click()
    expect(section).to_contain_text("Si cet identifiant est celui d’un membre, un code")
    expect(section.get_by_label("Code reçu")).to_be_focused()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_one_time_code_signs_a_resident_in_once(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    live = serve(backend)
    awa = live.resident("Awa Diallo", "awa", "Drouot")
    page = new_context().new_page()
    page.goto(f"{live.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    ask_for_code(page, "awa")
    code, seq = delivered_code(live, awa)
    section = page.get_by_test_id("code-sign-in")
    section.get_by_label("Code reçu").fill("pas-le-bon-code")
    section.get_by_role("button", name="Se connecter avec ce code").click()
    expect(section.get_by_role("alert")).to_contain_text(
        "Ce code est inconnu, déjà utilisé ou expiré"
    )
    violations = []
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        violations += check(page, "sign-in-code")
    section.get_by_label("Code reçu").fill(code)
    section.get_by_role("button", name="Se connecter avec ce code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon solde")
    expect(page.get_by_role("main")).to_contain_text("Bonjour Awa Diallo")

    # The same code, in another browser: used up.
    other = new_context().new_page()
    other.goto(f"{live.url}/")
    ask_for_code(other, "awa")
    fresh, _ = delivered_code(live, awa, after=seq)
    assert fresh != code
    again = other.get_by_test_id("code-sign-in")
    again.get_by_label("Code reçu").fill(code)
    again.get_by_role("button", name="Se connecter avec ce code").click()
    expect(again.get_by_role("alert")).to_contain_text("déjà utilisé")
    expect(other.get_by_role("heading", level=1)).to_have_text("Connexion")

    # An unknown login is answered exactly as a member's, and nothing is sent.
    before = live.call("GET", f"/notifications?after={seq}", None, awa.token)["items"]
    third = new_context().new_page()
    third.goto(f"{live.url}/")
    ask_for_code(third, "personne")
    time.sleep(0.5)
    after = live.call("GET", f"/notifications?after={seq}", None, awa.token)["items"]
    assert len(after) == len(before)
    assert violations == [], "\n".join(violations)
