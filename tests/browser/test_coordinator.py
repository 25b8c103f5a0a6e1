"""The coordinator's pages in a real browser against a live server, on SQLite and
PostgreSQL: an application accepted and another refused, a member near their floor given
new limits, the report's charts and tables and its CSV downloaded with the session, an
exchange confirmed for a resident without a device by a custodial signature the log
shows as such, and a correction signed in the page (refused while the device's key is a
member key, recorded once it is an operator key). The pages are saved at phone and
desktop sizes and checked with axe-core, in French and in English."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from mutual.core.signing import Domain
from tests.browser.conftest import PASSWORD, Live, Resident, register_key, sign_in
from tests.browser.helpers import SCREENSHOTS, check, create_key
from tests.conftest import BACKENDS

NBSP = "\u00a0"
MINUS = "\u2212"

# The coordinator's device key made in the page (as keys.js makes it) and registered in
# the operator's capacity by an operator: the page offers no way to ask for that (see
# the brief's report), so the test plays the operator's part, the browser keeps the key.
OPERATOR_KEY = """async ({principal, by, origin}) => {
  const { base64, sign } = await import("/app/js/keys.js");
  const { DOMAIN } = await import("/app/js/canonical.js");
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const keyId = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  const event = { id: crypto.randomUUID(), action: "register", principal, by,
                  public_key: base64(raw), capacity: "operator", version: 2 };
  const signature = await sign(pair.privateKey, DOMAIN.keyEvent, { log: origin, ...event });
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("mutual", 1);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction("keys", "readwrite");
    tx.objectStore("keys").put({ principal_id: principal, key_id: keyId,
      public_key: base64(raw), private_key: pair.privateKey, event_id: event.id,
      registered: true });
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  return { ...event, signatures: [{ key_id: keyId, signature }] };
}"""


def coordinator(live: Live, name: str, login: str) -> Resident:
    """A resident whom the operator adds to the coordination group."""
    who = live.resident(name, login)
    live.call("POST", "/tokens", {"roles": ["coordination_member"], "principal_id": who.id})
    return who


def exchange(
    live: Live, provider: Resident, receiver: Resident, minutes: int, category: str
) -> Any:
    """An exchange proposed by ``provider``; confirmed when the receiver has a key."""
    body = {
        "receiver": receiver.id,
        "minutes": minutes,
        "memo": "Coup de main",
        "category": category,
    }
    return live.call("POST", "/proposals", body, provider.token)


def apply(live: Live, name: str) -> str:
    body = {"display_name": name, "neighbourhood": "Drouot", "languages": ["fr", "de"]}
    applied: str = live.call("POST", "/members/applications", body)["id"]
    return applied


def status_of(live: Live, member: str) -> str:
    found: str = live.call("GET", f"/members/{member}")["status"]
    return found


def territory(live: Live) -> tuple[Resident, Resident, Resident, Resident, Any, Any]:
    """Chloé coordinates; Awa gave Bruno 2 h (time) and 45 min (family), both confirmed,
    and Bruno's floor is -3 h, so he is near it; Awa also gave Dan, who has no device,
    30 min, and Bruno 15 min, both still to confirm."""
    chloe = coordinator(live, "Chloé", "chloe")
    awa = live.resident("Awa", "awa")
    bruno = live.resident("Bruno", "bruno")
    dan = live.resident("Dan", "dan")
    first = exchange(live, awa, bruno, 120, "time")
    second = exchange(live, awa, bruno, 45, "family")
    key = register_key(live, bruno.id, bruno.token)
    for proposal in (first, second):
        signature = key.sign_payload(Domain.TRANSACTION, proposal["signing_payload"]).document()
        path = f"/proposals/{proposal['id']}/confirm"
        live.call("POST", path, {"signatures": [signature]}, bruno.token)
    live.call("PUT", f"/members/{bruno.id}/limits", {"balance_min": -180, "balance_max": 6000})
    pending = exchange(live, awa, dan, 30, "elderly")
    exchange(live, awa, bruno, 15, "time")
    return chloe, awa, bruno, dan, first, pending


def appoint_custodian(live: Live, resident: Resident, custodian: Resident) -> None:
    operator = live.call("GET", "/me")["principal_id"]
    body = {
        "id": str(uuid.uuid4()),
        "action": "appoint_custodian",
        "principal": resident.id,
        "by": operator,
        "custodian": custodian.id,
    }
    live.call("POST", "/key-events", body)


def operator_key_in_page(page: Page, live: Live, who: Resident) -> str:
    """Replace the page's device key by one the operator registers as an operator key."""
    operator = live.call("GET", "/me")["principal_id"]
    origin = live.call("GET", "/log")["origin"]
    event = page.evaluate(OPERATOR_KEY, {"principal": who.id, "by": operator, "origin": origin})
    live.call("POST", "/key-events", event)
    key_id: str = event["signatures"][0]["key_id"]
    return key_id


def downloaded_csv(page: Page, prepare: str, save_prefix: str) -> tuple[str, list[list[str]]]:
    page.get_by_role("button", name=prepare).click()
    link = page.get_by_role("link", name=save_prefix)
    expect(link).to_be_focused()
    with page.expect_download() as info:
        link.click()
    download = info.value
    text = download.path().read_text(encoding="utf-8")
    return download.suggested_filename, list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_coordinator_runs_the_time_bank_from_the_browser(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = serve(backend)
    chloe, awa, bruno, dan, first, pending = territory(live)
    emma, zoe = apply(live, "Emma Roth"), apply(live, "Zoé Faure")

    # A resident who does not coordinate sees none of the coordinator's pages.
    resident = new_context().new_page()
    sign_in(resident, live, awa)
    expect(resident.get_by_role("link", name="Adhésions et limites")).to_be_hidden()
    resident.goto(f"{live.url}/#/coordinator/report")
    expect(resident.get_by_role("heading", level=1)).to_have_text("Mon solde")

    page = new_context().new_page()
    sign_in(page, live, chloe)
    create_key(page)

    # Applications: Emma accepted (her invitation's code works), Zoé refused.
    page.get_by_role("link", name="Adhésions et limites").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adhésions et limites")
    card = page.get_by_role("listitem").filter(has_text="Emma Roth")
    expect(card).to_contain_text("Quartier : Drouot · Langues : fr, de")
    card.get_by_role("button", name="Accepter").click()
    expect(page.get_by_test_id("accepted")).to_contain_text("Adhésion de Emma Roth acceptée.")
    code = page.get_by_test_id("invitation-code").inner_text()
    link = page.get_by_test_id("invitation-link").inner_text()
    assert link.startswith(f"{live.url}/app/#/invitation/")
    chosen = {"invitation": code, "login": "emma", "password": PASSWORD}
    assert live.call("POST", "/invitations/redeem", chosen)["principal_id"] == emma
    assert status_of(live, emma) == "active"
    page.get_by_role("listitem").filter(has_text="Zoé Faure").get_by_role(
        "button", name="Refuser"
    ).click()
    expect(page.get_by_role("main")).to_contain_text("Demande de Zoé Faure refusée.")
    expect(page.get_by_role("main")).to_contain_text("Aucune demande en attente.")
    assert status_of(live, zoe) == "refused"

    # Bruno is at -2 h 45 with a floor of -3 h: near it; his floor goes down to -20 h.
    near = page.get_by_role("list", name="Membres proches de leurs limites").get_by_role("listitem")
    expect(near).to_have_count(1)
    expect(near.first).to_contain_text("proche du plancher")
    expect(near.first.get_by_test_id("balance")).to_have_text(f"{MINUS}2{NBSP}h{NBSP}45")
    expect(near.first.get_by_test_id("low")).to_have_text(f"{MINUS}3{NBSP}h")
    toggle = near.first.get_by_role("button", name="Changer les limites de Bruno")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    form = page.get_by_role("form", name="Limites de Bruno")
    expect(form.get_by_label("Plafond (heures)")).to_have_value("100")
    form.get_by_label("Plancher (heures, négatif)").fill("-20")
    form.get_by_role("button", name="Enregistrer les limites").click()
    expect(page.get_by_role("main")).to_contain_text(
        f"Limites de Bruno : plancher {MINUS}20{NBSP}h, plafond 100{NBSP}h."
    )
    expect(page.get_by_role("main")).to_contain_text("Aucun membre n’approche de ses limites.")
    account = live.call("GET", f"/accounts/{bruno.account_id}")
    assert (account["balance_min"], account["balance_max"]) == (-1200, 6000)

    # The report: 2 h 45 this month, 2 h of time and 45 min of family, in the charts, the
    # tables and the CSV fetched with the session.
    month = datetime.now(UTC).strftime("%Y-%m")
    page.get_by_role("link", name="Rapport").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapport de la banque du temps")
    months = page.get_by_test_id("chart-months")
    expect(months.locator(f'rect[data-month="{month}"]')).to_have_count(1)
    assert float(months.locator(f'rect[data-month="{month}"]').get_attribute("height") or 0) > 0
    categories = page.get_by_test_id("chart-categories")
    widths = {
        code: float(categories.locator(f'rect[data-category="{code}"]').get_attribute("width") or 0)
        for code in ("time", "family")
    }
    assert widths["time"] == pytest.approx(widths["family"] * 120 / 45)
    expect(page.get_by_test_id("table-months").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("table-months").locator("td")).to_have_text([f"2{NBSP}h{NBSP}45"])
    expect(page.get_by_test_id("table-categories").locator("tbody tr")).to_have_text(
        [f"Temps2{NBSP}h", f"Famille45{NBSP}min"]
    )
    label = page.locator("#coord-categories-chart")
    expect(label).to_have_text(
        f"Graphique en barres des heures échangées par catégorie : Temps : 2{NBSP}h, "
        f"Famille : 45{NBSP}min."
    )
    name, rows = downloaded_csv(page, "Préparer le rapport CSV", "Enregistrer time-bank-report")
    assert name == f"time-bank-report-{date.today().isoformat()}.csv"
    assert rows[0] == ["section", "key", "value"]
    assert ["minutes_by_month", month, "165"] in rows
    assert ["minutes_by_category", "time", "120"] in rows
    assert ["minutes_by_category", "family", "45"] in rows
    assert ["proposals", "pending", "2"] in rows

    # Custodial: Dan has no device. Chloé is not his custodian yet, then she is.
    page.get_by_role("link", name="Corrections et mandats").click()
    expect(page.get_by_test_id("device-capacity")).to_contain_text("clé de membre")
    for_dan = page.get_by_role("listitem").filter(has_text="Dan n’a pas d’appareil")
    expect(for_dan).to_contain_text(f"Awa a rendu 30{NBSP}min à Dan")
    # Bruno has a device: his pending exchange is his own to confirm, not listed here.
    custodial = page.get_by_role("list", name="Confirmer pour une personne sans appareil")
    expect(custodial.get_by_role("listitem")).to_have_count(1)
    for_dan.get_by_role("button", name="Confirmer pour Dan (signature mandataire)").click()
    expect(page.get_by_role("alert")).to_contain_text("Vous n’êtes pas désigné·e mandataire de Dan")
    assert live.balance(dan) == 0
    appoint_custodian(live, dan, chloe)
    page.reload()
    page.get_by_role("button", name="Confirmer pour Dan (signature mandataire)").click()
    done = page.get_by_test_id("custodial-done")
    expect(done).to_contain_text("Signature mandataire")
    expect(done).to_contain_text(f"Échange de 30{NBSP}min confirmé au nom de Dan.")
    expect(done).to_contain_text("Le journal l’enregistre comme une signature mandataire")
    assert live.balance(dan) == -30
    size = live.call("GET", "/log")["tree_size"]
    proof = live.call("GET", f"/log/proofs/inclusion?id={pending['id']}&tree_size={size}")
    [signature] = proof["entry"]["signatures"]
    assert signature["on_behalf_of"] == dan.id
    chloe_keys = live.call("GET", f"/keys?principal_id={chloe.id}")["items"]
    assert signature["key_id"] in {k["key_id"] for k in chloe_keys}
    expect(done).to_contain_text(signature["key_id"][:16])
    expect(page.get_by_role("main")).to_contain_text(
        "Aucun échange en attente pour une personne sans appareil."
    )
    # What the page shows after each signature, saved and checked once (not per backend).
    violations = check(page, "coordinator-custodial") if backend == "sqlite" else []

    # A correction: refused while the device's key is a member key, nothing written.
    recent = page.get_by_role("list", name="Derniers échanges confirmés").get_by_role("listitem")
    recent.filter(has_text=first["id"]).get_by_role("button", name="Corriger cet échange").click()
    correction = page.get_by_test_id("correction")
    expect(correction.get_by_test_id("original-postings").locator("tbody tr")).to_have_text(
        [f"Bruno{MINUS}2{NBSP}h", f"Awa2{NBSP}h"]
    )
    expect(correction.get_by_test_id("correction-postings").locator("tbody tr")).to_have_text(
        [f"Bruno2{NBSP}h", f"Awa{MINUS}2{NBSP}h"]
    )
    correction.get_by_label("Motif de la correction").fill("Échange saisi deux fois")
    correction.get_by_role("button", name="Annuler cette transaction et signer").click()
    expect(correction.get_by_role("alert")).to_contain_text(
        "Le grand livre refuse cette correction"
    )
    assert live.call("GET", f"/transactions/{first['id']}")["reversed_by"] is None

    # The operator registers the key this device holds as an operator key: then it signs.
    key_id = operator_key_in_page(page, live, chloe)
    page.reload()
    expect(page.get_by_test_id("device-capacity")).to_contain_text(
        f"{key_id[:16]}… (clé d’opération)"
    )
    page.get_by_label("Identifiant de la transaction").fill(first["id"].upper())
    page.get_by_role("button", name="Chercher").click()
    correction.get_by_label("Motif de la correction").fill("Échange saisi deux fois")
    correction.get_by_role("button", name="Annuler cette transaction et signer").click()
    reversed_ = page.get_by_test_id("reversed")
    expect(reversed_).to_contain_text(f"la transaction {first['id'][:8]}… est annulée")
    expect(reversed_.get_by_test_id("recorded-postings").locator("tbody tr")).to_have_text(
        [f"Bruno2{NBSP}h", f"Awa{MINUS}2{NBSP}h"]
    )
    original = live.call("GET", f"/transactions/{first['id']}")
    fix = live.call("GET", f"/transactions/{original['reversed_by']}")
    assert (fix["kind"], fix["reverses"], fix["memo"]) == (
        "correction",
        first["id"],
        "Échange saisi deux fois",
    )
    assert (live.balance(awa), live.balance(bruno), live.balance(dan)) == (75, -45, -30)
    if backend == "sqlite":
        violations += check(page, "coordinator-corrected")
    assert violations == [], "\n".join(violations)
    # Looked up again, the page says it is done already (a coordinator reads the ledger's
    # record and its reversal), offers no second correction, and nothing more is written.
    size = live.call("GET", "/log")["tree_size"]
    page.get_by_label("Identifiant de la transaction").fill(first["id"])
    page.get_by_role("button", name="Chercher").click()
    expect(correction).to_contain_text("Cette transaction a déjà été annulée.")
    expect(correction.get_by_label("Motif de la correction")).to_have_count(0)
    assert live.call("GET", "/log")["tree_size"] == size

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corrections and custody")
    expect(page.get_by_test_id("device-capacity")).to_contain_text("(operator key)")


def test_coordinator_pages_at_phone_and_desktop_sizes_pass_axe(
    serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """Each coordinator page, filled, in French and in English, saved at both sizes with
    no serious or critical axe-core violation. SQLite only: the pages are the same
    whatever the database."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    live = serve("sqlite")
    chloe, *_rest, first, _pending = territory(live)
    apply(live, "Emma Roth")
    page = new_context().new_page()
    sign_in(page, live, chloe)
    create_key(page)

    page.get_by_role("link", name="Adhésions et limites").click()
    expect(page.get_by_role("main")).to_contain_text("proche du plancher")
    page.get_by_role("button", name="Changer les limites de Bruno").click()
    violations = check(page, "coordinator-members")
    page.get_by_role("link", name="Rapport").click()
    page.get_by_role("button", name="Préparer le rapport CSV").click()
    expect(page.get_by_test_id("report-csv")).to_contain_text("Enregistrer time-bank-report")
    violations += check(page, "coordinator-report")
    page.get_by_role("link", name="Corrections et mandats").click()
    page.get_by_role("listitem").filter(has_text=first["id"]).get_by_role(
        "button", name="Corriger cet échange"
    ).click()
    expect(page.get_by_test_id("correction-postings")).to_be_visible()
    violations += check(page, "coordinator-ledger")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corrections and custody")
    expect(page.get_by_role("main")).to_contain_text("Confirm for Dan (custodial signature)")
    violations += check(page, "coordinator-ledger-en")
    page.get_by_role("link", name="Report").click()
    expect(page.locator("#coord-months-chart")).to_contain_text("Bar chart of the hours")
    violations += check(page, "coordinator-report-en")
    page.get_by_role("link", name="Members and limits").click()
    expect(page.get_by_role("main")).to_contain_text("near the floor")
    violations += check(page, "coordinator-members-en")
    assert violations == [], "\n".join(violations)
