"""An anonymous visitor reads the territory's public page in the demo (which publishes
every item), on SQLite and PostgreSQL: from the sign-in page's link, without signing in,
they read the fund's available figure and a round's decision, the same as ``GET /public``
answers; axe-core finds nothing serious at either size."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import DESKTOP
from tests.browser.demo_server import Demo, demo_server
from tests.browser.helpers import SCREENSHOTS, check
from tests.browser.test_partner_lead import NBSP, NNBSP
from tests.conftest import BACKENDS, Templates


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp(f"demo-public-{request.param}")
    with demo_server(request.param, templates, folder) as served:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield served


def euros(cents: int) -> str:
    """As formatAmount writes euros in French: always the cents ("29 250,00 €")."""
    whole, part = divmod(cents, 100)
    return f"{whole:,}".replace(",", NNBSP) + f",{part:02d}{NBSP}€"


def anonymous(demo: Demo, path: str) -> Any:
    """What the API answers a caller without a token."""
    with urllib.request.urlopen(f"{demo.url}/api/v1{path}", timeout=30) as answer:
        return json.loads(answer.read())


def test_an_anonymous_visitor_reads_the_public_page(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    public = anonymous(demo, "/public")
    decided = next(r for r in public["rounds"] if r["decision"])
    line = decided["decision"][0]

    page = new_context(viewport=DESKTOP).new_page()
    page.goto(demo.printed.page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_role("link", name="Voir la page publique du territoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le territoire en chiffres")
    fund = page.get_by_test_id("public-fund")
    expect(fund).to_contain_text("Disponible pour des projets")
    expect(fund).to_contain_text(euros(public["fund"]["available"]))
    label = f"Décision de {decided['label']}"
    decision = page.get_by_role("table", name=label)
    expect(decision).to_contain_text(line["project"])
    expect(decision).to_contain_text(euros(line["eur"]))
    expect(page.get_by_test_id("public-projects")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_hidden()
    assert check(page, "public-page") == []
