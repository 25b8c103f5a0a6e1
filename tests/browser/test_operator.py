"""The operator's jobs in the page, on the demo as a newcomer meets it, on SQLite and
PostgreSQL: signed in with the demo's printed login, the operator lands on
"Administration du service", appoints a custodian, creates a webhook, creates a tool's
token and revokes it, registers the operator key a coordinator made and asked for in their
own page (signed in with the demo's printed coordinator login); each effect is read back
through the API with the demo's printed operator token. Screenshots and axe."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import DESKTOP
from tests.browser.demo_server import Demo, demo_server
from tests.browser.helpers import SCREENSHOTS, check, choose_person
from tests.conftest import BACKENDS, Templates

HOOK_HOST = "carte.mulhouse.example"


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """One demo server per database for the module; webhooks may go to the territory's
    own map."""
    extra = {"MUTUAL_WEBHOOK_ALLOWED_HOSTS": json.dumps([HOOK_HOST])}
    folder = tmp_path_factory.mktemp("demo")
    with demo_server(request.param, templates, folder, extra) as running:
        yield running


@pytest.fixture(autouse=True, scope="module")
def patient() -> Iterator[None]:
    """The demo's directory of 300 is searched as one types: on a busy machine an answer
    may take longer than Playwright's usual five seconds."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def test_the_operator_runs_the_service_from_the_page(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    """Appoint a custodian, create a webhook, create a tool's token and revoke it, register
    a coordinator's operator key, remove the custodian."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(page, "operator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration du service")
    assert check(page, "operator-landing") == []
    # The page has read everything it shows (nine lists) before anyone types in it.
    page.wait_for_load_state("networkidle")

    # A custodian for the first resident: the second resident, a trusted neighbour.
    names = [name.split(",")[0] for what, _, name, _ in demo.printed.logins if what == "resident"]
    first, second = names
    resident = next(
        m for m in demo.call("GET", "/members?limit=500")["items"] if m["display_name"] == first
    )
    section = page.get_by_role("region", name="Personnes de confiance (mandats)")
    choose_person(section, "Habitant sans appareil", first, first)
    choose_person(section, "Personne de confiance", second, second)
    section.get_by_role("button", name="Nommer").click()
    expect(page.get_by_role("main")).to_contain_text(f"{second} signe désormais pour {first}.")
    appointed = demo.call("GET", f"/custodians?principal_id={resident['id']}")["items"]
    assert len(appointed) == 1
    assert demo.call("GET", f"/members/{appointed[0]['custodian_id']}")["display_name"] == second

    # A webhook for the territory's map of projects, its secret shown once.
    hooks = page.get_by_role("region", name="Webhooks")
    hooks.get_by_label("Adresse de réception").fill(f"https://{HOOK_HOST}/mutual")
    hooks.get_by_label("Types d’événements", exact=False).fill("project")
    hooks.get_by_role("button", name="Créer le webhook").click()
    expect(page.get_by_role("main")).to_contain_text("Copiez son secret maintenant")
    created = [h for h in demo.call("GET", "/webhooks")["items"] if HOOK_HOST in h["url"]]
    assert [h["disabled_at"] for h in created] == [None]
    assert created[0]["event_types"]

    # A tool of the territory gets a token limited to reading projects; then it is revoked.
    tokens = page.get_by_role("region", name="Jetons d’accès")
    tokens.get_by_label("Nom de l’outil").fill("Carte des projets")
    tokens.get_by_role("checkbox", name="lire les projets").check()
    tokens.get_by_role("button", name="Créer le client").click()
    expect(page.get_by_role("main")).to_contain_text("Jeton émis. Copiez-le maintenant")
    [client] = [
        c for c in demo.call("GET", "/service-clients")["items"] if c["name"] == "Carte des projets"
    ]
    assert (client["scopes"], client["revoked_at"]) == (["projects:read"], None)
    page.get_by_role("button", name="Révoquer le jeton de Carte des projets").click()
    expect(page.get_by_role("main")).to_contain_text("Le jeton de Carte des projets est révoqué.")
    [client] = [
        c for c in demo.call("GET", "/service-clients")["items"] if c["name"] == "Carte des projets"
    ]
    assert client["revoked_at"] is not None

    # A coordinator's operator key: made in the coordinator's own page, which keeps the
    # key and sends its signed registration; the operator's page lists the request (who
    # asks, the key's fingerprint, when) and registers it.
    _, coordinator_name = demo.login("coordinator")
    cpage = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(cpage, "coordinator")
    expect(cpage.get_by_role("heading", level=1)).to_have_text("Adhésions et limites")
    cpage.get_by_role("link", name="Heures et fonds").click()
    cpage.get_by_role("button", name="Créer ma clé d’opération").click()
    state = cpage.get_by_test_id("operator-key-state")
    expect(state).to_contain_text("attend qu’un opérateur l’enregistre")
    fingerprint = state.locator("code").get_attribute("data-key-id")
    assert fingerprint is not None
    coordinator = next(
        m
        for m in demo.call("GET", "/members?limit=500")["items"]
        if m["display_name"] == coordinator_name.split(",")[0]
    )
    page.reload()
    keys = page.get_by_role("region", name="Clés d’opérateur des coordinateurs")
    name = coordinator["display_name"]
    row = keys.get_by_role("row").filter(has=page.locator(f'[data-key-id="{fingerprint}"]'))
    expect(row).to_contain_text(name)
    expect(row).to_contain_text(fingerprint[:16])
    assert check(page, "operator-key-request") == []
    keys.get_by_role("button", name=f"Inscrire la clé d’opérateur de {name}").click()
    expect(page.get_by_role("main")).to_contain_text(f"La clé d’opérateur de {name} est inscrite.")
    held = demo.call("GET", f"/keys?principal_id={coordinator['id']}")["items"]
    assert [(k["key_id"], k["capacity"]) for k in held if k["revoked_at"] is None] == [
        (fingerprint, "operator")
    ]
    expect(keys).to_contain_text("Aucune demande en attente.")
    cpage.reload()
    expect(cpage.get_by_test_id("operator-key-state")).to_contain_text("est enregistrée")

    # Each administrative action is in the trail the page shows, in words.
    audit = page.get_by_role("region", name="Trace des actions d’administration")
    for words in ("Webhook créé", "Outil du territoire créé", "Jeton d’un outil révoqué"):
        expect(audit).to_contain_text(words)
    # The custodian's appointment, a signed log entry, is listed there too.
    expect(audit).to_contain_text(f"{second} nommé pour {first}")

    # The mandate ends: removed from the page, gone from the registry, in the trail.
    page.get_by_role("button", name=f"Retirer le mandat de {second} pour {first}").click()
    expect(page.get_by_role("main")).to_contain_text(f"{second} ne signe plus pour {first}.")
    assert demo.call("GET", f"/custodians?principal_id={resident['id']}")["items"] == []
    expect(audit).to_contain_text(f"{second} retiré pour {first}")
    assert check(page, "operator-done") == []
