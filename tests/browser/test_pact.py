"""The territorial pact in the demo: the second resident, invited by the first and not yet
a signatory, signs in with the demo's printed login, reads the pact's current version
and who invited them, and signs it in the page (French, then read in English); an
anonymous visitor then reads the public page, whose count of signatories has grown by
one. A coordinator reads the quarter's signatories and publishes a new version. axe-core
finds nothing serious.

SQLite only: the page reads what the API answers, tested on both in tests/test_pact.py."""

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
from tests.conftest import Templates


@pytest.fixture(scope="module")
def demo(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with demo_server("sqlite", templates, tmp_path_factory.mktemp("demo-pact")) as served:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield served


def anonymous(demo: Demo, path: str) -> Any:
    with urllib.request.urlopen(f"{demo.url}/api/v1{path}", timeout=30) as answer:
        return json.loads(answer.read())


def test_an_invited_resident_signs_the_pact_and_the_public_page_counts_them(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    [inviter] = [who for _, login, who, _ in demo.printed.logins if login == "resident1"]
    before = anonymous(demo, "/public")["pact"]
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in_as(page, "resident2")
    page.get_by_role("link", name="Pacte territorial").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pacte territorial")
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"{inviter} vous a invité·e à signer le pacte.")
    expect(main.get_by_role("heading", level=2).first).to_have_text(before["title"])
    expect(main).to_contain_text(f"Version {before['version']}, publiée le")
    violations = check(page, "pact")
    main.get_by_role("button", name="Je signe le pacte").click()
    expect(main).to_contain_text("Merci : votre signature est inscrite au journal.")
    expect(main).to_contain_text("Vous avez signé cette version du pacte.")
    # A signatory may invite: the form is there, and nobody was invited yet this quarter.
    expect(main).to_contain_text("Vous n’avez encore invité personne ce trimestre")
    # Someone not a member yet, by name and e-mail.
    main.get_by_label("Son nom", exact=True).fill("Zoé Martin")
    main.get_by_label("Son adresse e-mail").fill("zoe.martin@example.org")
    main.get_by_role("button", name="Inviter cette personne").click()
    expect(main).to_contain_text("Zoé Martin est invité·e à signer le pacte.")
    expect(main).to_contain_text("Vous avez invité 1 personne ce trimestre")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Territorial pact")
    expect(main).to_contain_text(f"{inviter} invited you to sign the pact.")
    expect(main).to_contain_text("You signed this version of the pact.")
    violations += check(page, "pact-en")
    assert violations == []

    after = anonymous(demo, "/public")["pact"]
    assert after["signatories"] == before["signatories"] + 1
    assert after["signatories_current"] == before["signatories_current"] + 1
    visitor = new_context(viewport=DESKTOP).new_page()
    visitor.goto(demo.printed.page)
    visitor.get_by_role("link", name="Voir la page publique du territoire").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Le territoire en chiffres")
    figures = visitor.get_by_test_id("public-pact")
    expect(figures).to_contain_text("Signataires du pacte")
    expect(figures).to_contain_text(str(after["signatories"]))
    expect(figures).to_contain_text(f"Dont signataires de la version {after['version']}")
    assert check(visitor, "public-pact") == []


def test_a_coordinator_reads_the_quarter_and_publishes_a_version(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    """The coordinator reads this quarter's signatories and invitations as the API counts
    them, publishes a new version, and, having signed the former one, is asked to sign
    it."""
    figures = demo.call("GET", "/pact/signatories")
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(page, "coordinator")
    page.get_by_role("link", name="Pacte territorial").click()
    main = page.get_by_role("main")
    quarter = main.get_by_test_id("pact-quarter")
    expect(quarter).to_contain_text(
        f"{figures['signed_in_quarter']} signature(s) ce trimestre, "
        f"{figures['signatories_at_end']} signataire(s) à sa fin, "
        f"dont {figures['invited_at_least_one']} ont invité quelqu’un."
    )
    table = main.get_by_role("table", name="Invitations faites par chaque signataire ce trimestre")
    expect(table.get_by_role("row")).to_have_count(len(figures["signatories"]) + 1)
    main.get_by_label("Titre").fill("Pacte territorial de coresponsabilité (3e version)")
    main.get_by_label("Texte du pacte").fill("Nous nous engageons, encore.")
    main.get_by_role("button", name="Publier").click()
    expect(main).to_contain_text("Version 3 publiée.")
    expect(main).to_contain_text("Vous aviez signé une version précédente")
    expect(main.get_by_role("button", name="Je signe le pacte")).to_be_visible()
    assert check(page, "pact-coordinator") == []
    assert demo.call("GET", "/pact")["current"]["number"] == 3
