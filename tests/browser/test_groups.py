"""The coordination groups' page: a resident sees each group, how many sit in it and
represent it, and where they sit themselves (a member, a representative since a date),
in French and in English, with no serious or critical axe-core violation.

SQLite only: the page reads what the API answers, tested on both in tests/test_groups.py."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import Live, sign_in
from tests.browser.helpers import SCREENSHOTS, check


def test_a_resident_sees_the_groups_and_where_they_sit(
    serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = serve("sqlite")
    awa = live.resident("Awa Diallo", "awa", "Drouot")
    bruno = live.resident("Bruno Keller", "bruno", "Bourtzwiller")
    live.call("POST", "/groups", {"kind": "city", "name": "Groupe de la ville de Mulhouse"})
    food = live.call(
        "POST",
        "/groups",
        {"kind": "life_slice", "name": "Alimentation", "neighbourhood": "Drouot"},
    )["id"]
    for member in (awa, bruno):
        live.call("POST", f"/groups/{food}/members", {"member_id": member.id})
    live.call("POST", f"/groups/{food}/representatives", {"member_id": awa.id})

    page = new_context().new_page()
    sign_in(page, live, awa)
    page.get_by_role("link", name="Groupes de coordination").click()
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Groupes de coordination")
    card = main.get_by_role("listitem").filter(has_text="Alimentation")
    expect(card).to_contain_text("Tranche de vie · Drouot")
    expect(card).to_contain_text("2 membres · 1 représentant en mandat")
    expect(card).to_contain_text("Vous en êtes membre.")
    expect(card).to_contain_text("Vous le représentez au groupe de la ville depuis le")
    city = main.get_by_role("listitem").filter(has_text="Groupe de la ville de Mulhouse")
    expect(city).to_contain_text("0 membre · 1 représentant en mandat")
    violations = check(page, "groups")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coordination groups")
    expect(card).to_contain_text("2 members · 1 representative in office")
    expect(card).to_contain_text("You have represented it in the city group since")
    violations += check(page, "groups-en")
    assert violations == []
