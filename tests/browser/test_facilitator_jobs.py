"""The facilitator's jobs in the page, on the demo as a newcomer meets it, on SQLite and
PostgreSQL: signed in with the demo's printed login, the facilitator lands on the round in
progress (its rule in words), opens a new round with a rule chosen in words, puts the
shared garden forward for its lead, freezes the roll and the budgets and proposes; each
step read back through the API with the demo's printed operator token. Screenshots and axe
at both sizes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.demo_server import Demo, demo_server
from tests.browser.helpers import SCREENSHOTS, check
from tests.browser.test_operator import patient
from tests.conftest import BACKENDS, Templates

GARDEN = "Jardin partagé des Coteaux"
LABEL = "Répartition d’essai"
__all__ = ["patient"]


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """One demo server per database for the module."""
    with demo_server(request.param, templates, tmp_path_factory.mktemp("demo")) as running:
        yield running


def test_the_facilitator_runs_a_round_from_the_page(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    """Land on the round in progress, then open a round, put a project forward for its
    lead, freeze the roll and propose, each from the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context(viewport=PHONE).new_page()
    demo.sign_in(page, "facilitator")
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Conduite des répartitions")
    # The demo's round of this quarter, open for voting, is the one shown; its rule in words.
    in_progress = [r for r in demo.call("GET", "/rounds")["items"] if r["phase"] == "ballot"]
    assert len(in_progress) == 1
    title = page.get_by_role(
        "heading", level=2, name=re.compile(re.escape(in_progress[0]["label"]))
    )
    expect(title.first).to_be_visible()
    expect(page.get_by_test_id("round-phase")).to_have_text(re.compile("vote", re.I))
    expect(main).to_contain_text("parts égales, puis complété")
    assert check(page, "facilitator-landing") == []

    page.set_viewport_size(DESKTOP)
    page.get_by_text("Ouvrir une nouvelle répartition").click()
    page.get_by_label("Nom", exact=True).fill(LABEL)
    rule = page.get_by_label("Règle de décompte")
    expect(rule.locator("option:checked")).to_have_text("parts égales, puis complété")
    rule.select_option(label="parts égales")
    page.get_by_role("button", name="Ouvrir la répartition").click()
    expect(main).to_contain_text(f"Répartition {LABEL} ouverte.")
    [opened] = [r for r in demo.call("GET", "/rounds")["items"] if r["label"] == LABEL]
    assert (opened["phase"], opened["rule"]) == ("proposals", "mes")

    # The garden, put forward for its lead, who is named as such before it is sent.
    lead_name = demo.login("project lead")[1].split(",")[0]
    page.get_by_label("Projet", exact=True).select_option(label=GARDEN)
    expect(main).to_contain_text(f"Proposé au nom de son porteur : {lead_name}.")
    page.get_by_label("Euros demandés").fill("50")
    page.get_by_role("button", name="Proposer ce projet").click()
    expect(main).to_contain_text(f"{GARDEN} est proposé.")
    read = demo.call("GET", f"/rounds/{opened['id']}")
    [submitted] = read["submissions"]
    garden = next(
        p for p in demo.call("GET", "/projects?limit=500")["items"] if p["name"] == GARDEN
    )
    assert (submitted["project_id"], submitted["lead"], submitted["ask_eur"]) == (
        garden["id"],
        garden["lead"],
        5_000,
    )

    # The roll and the budgets frozen, then the proposal opened to the voters' consent.
    page.get_by_role("button", name="Arrêter la liste des votants et les ressources").click()
    expect(main).to_contain_text("Liste des votants et ressources arrêtées.")
    page.get_by_role("group", name=GARDEN).get_by_label("Euros").fill("50")
    page.get_by_role("button", name="Proposer", exact=True).click()
    expect(main).to_contain_text("Proposition version 1 ouverte au consentement.")
    read = demo.call("GET", f"/rounds/{opened['id']}")
    assert (read["phase"], read["proposal_version"]) == ("consent", 1)
    assert [(ln["project_id"], ln["eur"]) for ln in read["proposal"]] == [(garden["id"], 5_000)]
    assert check(page, "facilitator-proposed") == []
