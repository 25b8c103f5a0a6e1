"""An anonymous visitor reads the territory's public page in the demo (which publishes
every item), on SQLite and PostgreSQL: from the sign-in page's link, without signing in,
they read the fund's available figure and a round's decision, the same as ``GET /public``
answers; axe-core finds nothing serious at either size. A coordinator reads the
territory report in the report page, charts and tables by age band per quarter."""

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


def test_a_coordinator_reads_the_territory_report(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    """The coordinator's report page shows the territory report: each quarter's hours
    exchanged in a chart and, by age band, in a table whose total per quarter is the
    API's; withheld cells are said so; axe finds nothing serious."""
    report = demo.call("GET", "/reports/territory")
    totals = {
        r["quarter"]: r["value"]
        for r in report["rows"]
        if (r["measure"], r["dimension"]) == ("hours_exchanged", "total")
    }
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(page, "coordinator")
    page.goto(f"{demo.printed.page}#/coordinator/report")
    expect(
        page.get_by_role(
            "heading", level=2, name="Le territoire par quartier, thème et tranche d’âge"
        )
    ).to_be_visible()
    expect(page.get_by_test_id("chart-hours_exchanged")).to_be_visible()
    bands = page.get_by_role("table", name="Heures échangées par tranche d’âge et par trimestre")
    expect(bands).to_contain_text("26 à 40 ans")
    for quarter in totals:
        expect(bands.get_by_role("columnheader", name=quarter)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        f"Un chiffre que moins de {report['people_min']} personnes composent est masqué"
    )
    expect(page.get_by_test_id("territory-csv")).to_be_attached()
    assert check(page, "territory-report") == []
