"""The territory's lists and what intake sends a group, in the page: a coordinator adds,
renames and retires a category (French and English); a member of a neighbourhood group
reads on its card the need a survey tool recorded for a consenting resident of that
neighbourhood, and a member of another group does not; no serious or critical axe-core
violation.

SQLite only: the page reads what the API answers, tested on both in
tests/test_territory_lists.py."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import Live, sign_in
from tests.browser.helpers import SCREENSHOTS, check
from tests.browser.test_coordinator import coordinator


def test_a_coordinator_edits_the_lists_and_a_group_reads_its_intake(
    serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = serve("sqlite")
    claire = coordinator(live, "Claire Petit", "claire")
    awa = live.resident("Awa Diallo", "awa", "Drouot")
    ben = live.resident("Ben Morel", "ben", "Drouot")
    dan = live.resident("Dan Weber", "dan", "Bourtzwiller")
    for name, member in (("Drouot", ben), ("Bourtzwiller", dan)):
        gid = live.call(
            "POST", "/groups", {"kind": "neighbourhood", "name": name, "neighbourhood": name}
        )["id"]
        live.call("POST", f"/groups/{gid}/members", {"member_id": member.id})
    tool = live.call(
        "POST", "/service-clients", {"name": "Auto-enquête", "scopes": ["intake:write"]}
    )
    live.call("POST", "/intake/consents", {"client_id": tool["principal_id"]}, awa.token)
    need = {
        "member_id": awa.id,
        "direction": "request",
        "title": "Aide pour les courses",
        "category": "elderly",
    }
    live.call("POST", "/intake", need, tool["token"])

    page = new_context().new_page()
    sign_in(page, live, claire)
    page.get_by_role("link", name="Listes du territoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Listes du territoire")
    categories = page.locator('[data-list="categories"]')
    adding = categories.get_by_role("form", name="Ajouter une catégorie")
    adding.get_by_label("Code").fill("alimentation")
    adding.get_by_label("Libellé en français").fill("Alimentation")
    adding.get_by_label("Libellé en anglais").fill("Food")
    adding.get_by_role("button", name="Ajouter").click()
    entry = categories.get_by_role("form", name="alimentation", exact=True)
    expect(entry).to_contain_text("Proposée")
    entry.get_by_label("Libellé en français").fill("Se nourrir")
    entry.get_by_role("button", name="Renommer").click()
    expect(page.get_by_role("status")).to_contain_text("« alimentation » renommé.")
    entry.get_by_role("button", name="Retirer").click()
    expect(entry).to_contain_text("Retirée le")
    assert [
        (c["label_fr"], c["retired_at"] is not None)
        for c in live.call("GET", "/territory/categories")["items"]
        if c["code"] == "alimentation"
    ] == [("Se nourrir", True)]
    violations = check(page, "territory-lists")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The territory's lists")
    expect(entry).to_contain_text("Retired on")
    violations += check(page, "territory-lists-en")

    for reader, sees in ((ben, True), (dan, False)):
        other = new_context().new_page()
        sign_in(other, live, reader)
        other.get_by_role("link", name="Groupes de coordination").click()
        card = (
            other.get_by_role("main")
            .locator("li.card")
            .filter(has=other.get_by_role("heading", name="Drouot"))
        )
        if sees:
            expect(card).to_contain_text("Besoins et offres reçus par le groupe")
            expect(card).to_contain_text("Besoin · Aide pour les courses · Personnes âgées")
            violations += check(other, "group-intake")
        else:
            expect(card).to_be_visible()
            expect(card).not_to_contain_text("Aide pour les courses")
    assert violations == []
