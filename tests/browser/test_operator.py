"""The operator's jobs in the page, on the demo as a newcomer meets it: signed in with the
demo's printed login, the operator lands on "Administration du service", appoints a
custodian, creates a webhook, creates a tool's token and revokes it, registers the
operator key a coordinator made and asked for in their own page (signed in with the
demo's printed coordinator login); each effect is read back through the API with the
demo's printed operator token. Screenshots and axe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP
from tests.browser.helpers import SCREENSHOTS, check, choose_person
from tests.browser.test_demo_way_in import ROOT, Printed, _read_way_in
from tests.test_serve import _free_port

HOOK_HOST = "carte.mulhouse.example"


def start_demo(folder: Path, extra: dict[str, str] | None = None) -> Iterator[Printed]:
    """``python3 dev.py demo`` on its own data directory and port, stopped afterwards."""
    python3 = shutil.which("python3")
    assert python3 is not None
    env = {k: v for k, v in os.environ.items() if k != "MUTUAL_DATABASE_URL"}
    env["MUTUAL_DATA_DIR"] = str(folder)
    env.update(extra or {})
    port = _free_port()
    with subprocess.Popen(
        [python3, "dev.py", "demo", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as process:
        try:
            printed = _read_way_in(process)
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the demo server did not start"
                    time.sleep(0.3)
            yield printed
        finally:
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    """One demo server for the module; webhooks may go to the territory's own map."""
    extra = {"MUTUAL_WEBHOOK_ALLOWED_HOSTS": json.dumps([HOOK_HOST])}
    yield from start_demo(tmp_path_factory.mktemp("demo"), extra)


@pytest.fixture(autouse=True, scope="module")
def patient() -> Iterator[None]:
    """The demo's directory of 300 is searched as one types: on a busy machine an answer
    may take longer than Playwright's usual five seconds."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def api(demo: Printed, method: str, path: str, body: Any = None) -> Any:
    """A call with the operator token the demo printed."""
    [token] = [line.split(": ", 1)[1] for line in demo.lines if "operator token" in line]
    data = None if body is None else json.dumps(body).encode()
    base = demo.page.removesuffix("/app/")
    request = urllib.request.Request(f"{base}/api/v1{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else None


def login(demo: Printed, role: str) -> tuple[str, str]:
    """The printed login and name of ``role``."""
    return next((login, name) for what, login, name, _ in demo.logins if what == role)


def sign_in_as(page: Page, demo: Printed, role: str) -> None:
    page.goto(demo.page)
    page.get_by_label("Identifiant").first.fill(login(demo, role)[0])
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def test_the_operator_runs_the_service_from_the_page(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    """Appoint a custodian, create a webhook, create a tool's token and revoke it, register
    a coordinator's operator key, remove the custodian."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context(viewport=DESKTOP).new_page()
    sign_in_as(page, demo, "operator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration du service")
    assert check(page, "operator-landing") == []
    # The page has read everything it shows (nine lists) before anyone types in it.
    page.wait_for_load_state("networkidle")

    # A custodian for the first resident: the second resident, a trusted neighbour.
    resident = next(
        m
        for m in api(demo, "GET", "/members?limit=500")["items"]
        if m["display_name"] == login(demo, "resident")[1].split(",")[0]
    )
    names = [name.split(",")[0] for what, _, name, _ in demo.logins if what == "resident"]
    first, second = names
    section = page.get_by_role("region", name="Personnes de confiance (mandats)")
    choose_person(section, "Habitant sans appareil", first, first)
    choose_person(section, "Personne de confiance", second, second)
    section.get_by_role("button", name="Nommer").click()
    expect(page.get_by_role("main")).to_contain_text(f"{second} signe désormais pour {first}.")
    appointed = api(demo, "GET", f"/custodians?principal_id={resident['id']}")["items"]
    assert len(appointed) == 1
    assert api(demo, "GET", f"/members/{appointed[0]['custodian_id']}")["display_name"] == second

    # A webhook for the territory's map of projects, its secret shown once.
    hooks = page.get_by_role("region", name="Webhooks")
    hooks.get_by_label("Adresse de réception").fill(f"https://{HOOK_HOST}/mutual")
    hooks.get_by_label("Types d’événements", exact=False).fill("project")
    hooks.get_by_role("button", name="Créer le webhook").click()
    expect(page.get_by_role("main")).to_contain_text("Copiez son secret maintenant")
    created = [h for h in api(demo, "GET", "/webhooks")["items"] if HOOK_HOST in h["url"]]
    assert [h["disabled_at"] for h in created] == [None]
    assert created[0]["event_types"]

    # A tool of the territory gets a token limited to reading projects; then it is revoked.
    tokens = page.get_by_role("region", name="Jetons d’accès")
    tokens.get_by_label("Nom de l’outil").fill("Carte des projets")
    tokens.get_by_role("checkbox", name="lire les projets").check()
    tokens.get_by_role("button", name="Créer le client").click()
    expect(page.get_by_role("main")).to_contain_text("Jeton émis. Copiez-le maintenant")
    [client] = [
        c for c in api(demo, "GET", "/service-clients")["items"] if c["name"] == "Carte des projets"
    ]
    assert (client["scopes"], client["revoked_at"]) == (["projects:read"], None)
    page.get_by_role("button", name="Révoquer le jeton de Carte des projets").click()
    expect(page.get_by_role("main")).to_contain_text("Le jeton de Carte des projets est révoqué.")
    [client] = [
        c for c in api(demo, "GET", "/service-clients")["items"] if c["name"] == "Carte des projets"
    ]
    assert client["revoked_at"] is not None

    # A coordinator's operator key: made in the coordinator's own page, which keeps the
    # key and sends its signed registration; the operator's page lists the request (who
    # asks, the key's fingerprint, when) and registers it.
    _, coordinator_name = login(demo, "coordinator")
    cpage = new_context(viewport=DESKTOP).new_page()
    sign_in_as(cpage, demo, "coordinator")
    expect(cpage.get_by_role("heading", level=1)).to_have_text("Adhésions et limites")
    cpage.get_by_role("link", name="Heures et fonds").click()
    cpage.get_by_role("button", name="Créer ma clé d’opération").click()
    state = cpage.get_by_test_id("operator-key-state")
    expect(state).to_contain_text("attend qu’un opérateur l’enregistre")
    fingerprint = state.locator("code").get_attribute("data-key-id")
    assert fingerprint is not None
    coordinator = next(
        m
        for m in api(demo, "GET", "/members?limit=500")["items"]
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
    held = api(demo, "GET", f"/keys?principal_id={coordinator['id']}")["items"]
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
    assert api(demo, "GET", f"/custodians?principal_id={resident['id']}")["items"] == []
    expect(audit).to_contain_text(f"{second} retiré pour {first}")
    assert check(page, "operator-done") == []
