"""The keeper's jobs in Chromium against the demo, on SQLite and PostgreSQL, signed in
with the demo's printed keeper login: the point's opening hours set and shown to
residents on the shared goods page, an item given away (the household kept off the
ledger), an item moved to the other point, both signed in the page on the point's
behalf, and a reminder to a borrower whose loan is overdue (once a day). Each effect is
read back through the API. Screenshots at both sizes and axe on each page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.demo_server import Demo, demo_server
from tests.browser.helpers import SCREENSHOTS, check, create_key
from tests.conftest import BACKENDS, Templates

BOURTZWILLER = "Magasin pour rien de Bourtzwiller"
COTEAUX = "Point de collecte des Coteaux"
HOURS = "Mercredi 14 h – 18 h, samedi 10 h – 12 h"


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    folder: Path = tmp_path_factory.mktemp("demo")
    with demo_server(request.param, templates, folder) as running:
        yield running


def stock(demo: Demo, point: str) -> dict[str, int]:
    """Items on the point's shelf, per kind, as the API reads them."""
    lines: list[dict[str, Any]] = demo.call("GET", f"/collection-points/{point}")["stock"]
    return {line["kind"]: line["on_shelf"] for line in lines}


def test_a_keeper_gives_moves_opens_and_reminds_from_the_page(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    demo.sign_in(page, "keeper")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon point de collecte")
    create_key(page)
    page.get_by_role("link", name="Objets partagés").click()
    page.get_by_role("link", name="Gérer mon point de collecte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon point de collecte")
    points = {p["name"]: p["id"] for p in demo.call("GET", "/collection-points")["items"]}
    here, there = points[BOURTZWILLER], points[COTEAUX]
    section = page.locator(f"section[data-point='{here}']")

    # Opening hours, shown to residents as the keeper wrote them.
    hours = section.locator("form", has=page.get_by_role("button", name="Enregistrer les horaires"))
    hours.get_by_label("Quand le point est ouvert").fill(HOURS)
    hours.get_by_role("button", name="Enregistrer les horaires").click()
    expect(page.get_by_role("main")).to_contain_text("Horaires enregistrés")
    assert demo.call("GET", f"/collection-points/{here}")["opening_hours"] == HOURS
    violations = check(page, "keeper-jobs-hours")

    # One item of the first kind on the shelf given away, to a household named off-ledger.
    before = stock(demo, here)
    kind = next(k for k, n in sorted(before.items()) if n >= 2)
    kinds = {k["slug"]: k["name"] for k in demo.call("GET", "/goods/kinds")["items"]}
    give = section.locator("form", has=page.get_by_role("button", name="Donner et signer"))
    give.get_by_label("Objet", exact=True).select_option(kind)
    give.get_by_label("Nombre d’objets").fill("1")
    give.get_by_label("Foyer qui les reçoit (facultatif)").fill("Famille M., rue des Fleurs")
    size = demo.call("GET", "/log")["tree_size"]
    give.get_by_role("button", name="Donner et signer").click()
    expect(page.get_by_role("main")).to_contain_text(f"{kinds[kind]} × 1 donné.")
    assert stock(demo, here)[kind] == before[kind] - 1
    [gift] = demo.call("GET", f"/events?types=transaction.give&after={size - 1}")["items"]
    recorded = demo.call("GET", f"/transactions/{gift['id']}")
    assert recorded["references"] == {"point": here}
    assert "Famille" not in str(recorded)

    # Another moved to the Coteaux point's shelf.
    there_before = stock(demo, there).get(kind, 0)
    move = section.locator("form", has=page.get_by_role("button", name="Envoyer et signer"))
    move.get_by_label("Objet", exact=True).select_option(kind)
    move.get_by_label("Nombre d’objets").fill("1")
    move.get_by_label("Point qui les reçoit").select_option(label=COTEAUX)
    move.get_by_role("button", name="Envoyer et signer").click()
    expect(page.get_by_role("main")).to_contain_text(f"{kinds[kind]} × 1 envoyé à {COTEAUX}.")
    assert stock(demo, here)[kind] == before[kind] - 2
    assert stock(demo, there)[kind] == there_before + 1
    violations += check(page, "keeper-jobs-moved")

    # A reminder to the borrower of an overdue loan: sent once, then "already today".
    overdue = demo.call("GET", f"/collection-points/{here}/loans?overdue=true")["items"]
    assert overdue, "the demo has overdue loans at its Bourtzwiller point"
    loan = page.locator(f"li[data-loan='{overdue[0]['id']}']")
    loan.get_by_role("button", name="Envoyer un rappel").click()
    expect(loan.get_by_test_id("reminded")).to_contain_text("Rappel envoyé à")
    loan.get_by_role("button", name="Envoyer un rappel").click()
    expect(loan.get_by_test_id("reminded")).to_contain_text("a déjà reçu un rappel aujourd’hui")
    violations += check(page, "keeper-jobs-reminded")

    # Residents read the hours on the shared goods page.
    page.get_by_role("link", name="Objets partagés").click()
    card = page.locator("section[aria-labelledby='goods-points'] .card").filter(
        has_text=BOURTZWILLER
    )
    expect(card.get_by_test_id("opening-hours")).to_have_text(f"Ouvert : {HOURS}")
    violations += check(page, "keeper-jobs-goods")
    assert violations == [], "\n".join(violations)
