"""A resident's notifications in a real browser against a live server, on SQLite and
PostgreSQL: an exchange another resident proposes is announced on the home page, told in
the resident's language (French, then English), linked to the confirmation page while
it waits, and no longer new once seen; what was seen is kept per person, not per
browser. Screenshots at phone and desktop sizes, and no serious or critical axe-core
violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import PASSWORD, Live, Resident, sign_in
from tests.browser.helpers import SCREENSHOTS, check, propose
from tests.conftest import BACKENDS


def feed(live: Live, resident: Resident) -> dict[str, dict[str, Any]]:
    """The resident's notifications as the API gives them, by proposal id."""
    items: list[dict[str, Any]] = live.call(
        "GET", "/notifications?limit=500", None, resident.token
    )["items"]
    return {n["data"]["proposal_id"]: n for n in items}


def expect_date(page: Page, shown: Locator, created_at: str, locale: str) -> None:
    """The notification's moment, machine-readable and written in the page's locale."""
    time = shown.locator("time")
    expect(time).to_have_attribute("datetime", created_at)
    written: str = page.evaluate(
        """([iso, locale]) => new Intl.DateTimeFormat(locale, {dateStyle: "medium",
        timeStyle: "short"}).format(new Date(iso))""",
        [created_at, locale],
    )
    expect(time).to_have_text(written)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_proposed_exchange_is_announced_told_in_both_languages_and_then_seen(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """Bruno says he gave Awa 45 minutes, and 30 more that she rejects. Awa's home page
    counts two new notifications; the list shows them newest first, in French then in
    English, with a link to confirm only the one still waiting. Once seen, only a later
    proposal is new; Bruno, in the same browser, still has his own news."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = serve(backend)
    awa = live.resident("Awa", "awa")
    bruno = live.resident("Bruno", "bruno")
    waiting = propose(live, bruno, awa, 45, "Aide aux courses")
    refused = propose(live, bruno, awa, 30, "Arrosage")
    live.call("POST", f"/proposals/{refused['id']}/reject", {"reason": "Pas eu lieu"}, awa.token)
    told = feed(live, awa)

    page = new_context().new_page()
    sign_in(page, live, awa)
    unseen = page.get_by_test_id("unseen-notifications")
    expect(unseen).to_have_text("2 nouvelles notifications")
    unseen.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"#/notifications$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    items = page.get_by_role("main").get_by_role("listitem")
    expect(items).to_have_count(2)
    newest, older = items.nth(0), items.nth(1)
    expect(newest).to_contain_text("Bruno indique vous avoir rendu 30 min : confirmez ou refusez.")
    expect(older).to_contain_text("Bruno indique vous avoir rendu 45 min : confirmez ou refusez.")
    for item in (newest, older):
        expect(item.get_by_text("Nouvelle", exact=True)).to_be_visible()
    expect_date(page, newest, told[refused["id"]]["created_at"], "fr-FR")
    expect_date(page, older, told[waiting["id"]]["created_at"], "fr-FR")
    # Rejected already: nothing is left to confirm, so no link.
    expect(newest.get_by_role("link")).to_have_count(0)
    expect(older.get_by_role("link", name="Confirmer ou refuser cet échange")).to_have_attribute(
        "href", "#/confirm"
    )
    violations = check(page, "notifications")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(older).to_contain_text("Bruno says they gave you 45 min: confirm or reject it.")
    expect(newest).to_contain_text("Bruno says they gave you 30 min: confirm or reject it.")
    expect_date(page, older, told[waiting["id"]]["created_at"], "en-GB")
    # Shown once is seen: drawn again, nothing is new any more.
    expect(page.get_by_role("main").get_by_text("New", exact=True)).to_have_count(0)
    violations += check(page, "notifications-en")
    older.get_by_role("link", name="Confirm or reject this exchange").click()
    expect(page).to_have_url(re.compile(r"#/confirm$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Exchanges to confirm")
    expect(page.get_by_role("main")).to_contain_text("Bruno provided you 45")

    page.get_by_role("link", name="My balance").click()
    expect(page.get_by_test_id("balance")).to_be_visible()
    expect(unseen).to_have_count(0)

    propose(live, bruno, awa, 15, "Un café")
    page.reload()
    expect(unseen).to_have_text("1 new notification")
    page.get_by_role("link", name="Notifications", exact=True).click()
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Bruno says they gave you 15 min")
    expect(page.get_by_role("main").get_by_text("New", exact=True)).to_have_count(1)
    expect(items.nth(0).get_by_text("New", exact=True)).to_be_visible()

    # Awa's visit says nothing of what Bruno has seen, though his news came before hers.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Login").fill(bruno.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(unseen).to_have_text("1 new notification")
    unseen.get_by_role("link").click()
    expect(items).to_have_count(1)
    expect(items.nth(0)).to_contain_text("Awa rejected your proposal of 30 min: Pas eu lieu")
    expect(items.nth(0).get_by_role("link")).to_have_count(0)

    carol = live.resident("Carol", "carol")
    quiet = new_context().new_page()
    sign_in(quiet, live, carol)
    expect(quiet.get_by_test_id("balance")).to_be_visible()
    expect(quiet.get_by_test_id("unseen-notifications")).to_have_count(0)
    quiet.get_by_role("link", name="Notifications", exact=True).click()
    expect(quiet.get_by_role("main")).to_contain_text("Aucune notification pour l’instant.")
    violations += check(quiet, "notifications-empty")
    assert violations == [], "\n".join(violations)
