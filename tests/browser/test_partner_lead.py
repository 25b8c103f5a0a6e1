"""A partner and a project lead do their jobs in the page, signed in with the logins the
demo prints, on SQLite and PostgreSQL; and no table of any view is cut off.

The City of Mulhouse, a partner, lands on its contributions, makes its device key, gives
to the fund and lends a refundable deposit with its repayment date, each signed in the
page; it reads what each contribution funded and what is owed, the rounding in words,
and downloads a receipt. The lead of the shared garden lands on the project's sheet,
makes its key, confirms an hour a volunteer gave and records a payment with its payee
and receipt. Each effect is read back through the API (the gift in the fund, the
delivery in the project's PLEDGE account, the payment). Screenshots at both sizes and
axe-core on each page.

Every view each demo role reaches from its menu is then measured at 390 and 1280 px:
the page never scrolls sideways, a table wider than its container sits in a scrolling
box that itself fits, and at 1280 px every table fits whole.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.demo_server import demo_server
from tests.browser.helpers import SCREENSHOTS, check
from tests.browser.test_demo_way_in import Printed
from tests.conftest import BACKENDS, Templates

ROOT = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"
NNBSP = "\u202f"


@dataclass(frozen=True)
class Demo:
    backend: str
    printed: Printed
    api: str  # the API's base address
    operator: str  # the demo's operator token, as printed for the API

    def call(self, path: str) -> Any:
        request = urllib.request.Request(f"{self.api}{path}")
        request.add_header("Authorization", f"Bearer {self.operator}")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def login(self, role: str) -> str:
        return next(login for what, login, _, _ in self.printed.logins if what == role)


# One demo per database for the whole module: loading it is the slow part.
@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """``mutual serve --demo`` (as ``python3 dev.py demo`` runs it) on a fresh database of
    the backend and a free port, stopped afterwards."""
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    with demo_server(request.param, templates, folder) as served:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield Demo(request.param, served.printed, f"{served.url}/api/v1", served.token)


def sign_in(page: Page, demo: Demo, role: str) -> None:
    page.goto(demo.printed.page)
    page.get_by_label("Identifiant").first.fill(demo.login(role))
    page.get_by_label("Mot de passe").fill(demo.printed.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion")


def make_key_from(page: Page, back_to: str) -> None:
    """Follow the page's own link to make this device's key, then come back."""
    page.get_by_role("link", name="Créer la clé de cet appareil").click()
    page.get_by_role("button", name="Créer et enregistrer la clé de cet appareil").click()
    expect(page.get_by_role("main")).to_contain_text("Clé créée et enregistrée.")
    page.get_by_role("navigation").get_by_role("link", name=back_to).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(back_to)


def french_euros(cents: int) -> str:
    """As the page writes euros in French (Intl, fr-FR): "1 000,50 €", "250 €"."""
    whole, part = divmod(cents, 100)
    digits = f"{whole:,}".replace(",", NNBSP)
    return f"{digits},{part:02d}{NBSP}€" if part else f"{digits}{NBSP}€"


def test_a_partner_gives_lends_and_keeps_its_receipts(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    partner = next(p for p in demo.call("/partners")["items"] if p["name"] == "Ville de Mulhouse")
    before = demo.call("/fund")
    page = new_context(viewport=DESKTOP, accept_downloads=True).new_page()
    sign_in(page, demo, "partner")
    # The partner lands on its own page, not on the log's.
    expect(page.get_by_role("heading", level=1)).to_have_text("Contributions au fonds")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Pour signer un versement, cet appareil a besoin de sa clé.")
    make_key_from(page, "Contributions au fonds")

    # A gift of 250 euros, signed in the page.
    page.get_by_label("Montant en euros").fill("250")
    page.get_by_role("button", name="Signer et verser").click()
    expect(main).to_contain_text(f"Don de {french_euros(25_000)} enregistré au fonds.")
    # A deposit of 1,000.50 euros, to be repaid in about half a year.
    due = date.today() + timedelta(days=200)
    page.get_by_label("Nature du versement").select_option(label="Dépôt remboursable")
    page.get_by_label("Montant en euros").fill("1 000,50")
    page.get_by_label("Date de remboursement").fill(due.isoformat())
    page.get_by_role("button", name="Signer et verser").click()
    expect(main).to_contain_text(
        f"Dépôt remboursable de {french_euros(100_050)} enregistré au fonds."
    )

    # Read back through the API: both in the fund, the deposit owed on its date.
    after = demo.call("/fund")
    assert after["received"] - before["received"] == 25_000 + 100_050
    assert after["owed"] - before["owed"] == 100_050
    trace = demo.call(f"/partners/{partner['id']}/trace")["contributions"]
    gift = next(c for c in trace if c["kind"] == "gift" and c["amount_cents"] == 25_000)
    deposit = next(c for c in trace if c["kind"] == "deposit" and c["amount_cents"] == 100_050)
    assert (deposit["repayment_due"], deposit["owed_cents"]) == (due.isoformat(), 100_050)

    # Each contribution's row: what is owed and when; the rounding in words.
    row = page.locator(f'tr[data-contribution="{deposit["id"]}"]')
    expect(row).to_contain_text(french_euros(100_050))
    card = page.locator(f'li[data-contribution="{deposit["id"]}"]')
    expect(card).to_contain_text(
        re.compile(
            rf"Encore dû : {re.escape(french_euros(100_050))}, "
            rf"à rembourser le \d{{1,2}} \S+ {due.year}\."
        )
    )
    rounding = sum(c["rounding_cents"] for c in trace)
    words = page.get_by_test_id("rounding")
    if rounding:
        expect(words).to_contain_text(
            f"Les fractions de centime ainsi laissées de côté font {french_euros(rounding)}"
        )
    else:
        expect(words).to_have_text(
            "Toutes les parts tombent juste au centime : l’arrondi ne laisse rien de côté."
        )
    violations = check(page, "partner-gives")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fund contributions")
    expect(page.get_by_role("button", name="Download the receipt").first).to_be_visible()
    violations += check(page, "partner-gives-en")
    assert violations == [], "\n".join(violations)
    page.get_by_role("button", name="Français").click()

    # The gift's receipt: a text file naming the partner, the amount and its reference.
    with page.expect_download() as download:
        page.locator(f'li[data-contribution="{gift["id"]}"]').get_by_role(
            "button", name="Télécharger le reçu"
        ).click()
    saved = download.value
    assert saved.suggested_filename == f"recu-{gift['recorded_at'][:10]}-{gift['id'][:8]}.txt"
    path = saved.path()
    assert path is not None
    receipt = Path(path).read_text(encoding="utf-8")
    assert "Partenaire : Ville de Mulhouse" in receipt
    assert "Nature : Don" in receipt
    assert f"Montant : {french_euros(25_000)}" in receipt
    assert f"Référence dans le journal du fonds : {gift['id']}" in receipt


def test_a_lead_confirms_hours_and_records_a_payment(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    [project] = [
        p for p in demo.call("/projects")["items"] if p["name"] == "Jardin partagé des Coteaux"
    ]
    path = f"/projects/{project['id']}"
    accounts = {a["unit"]: a for a in demo.call(path)["accounts"]}
    volunteers = demo.call(f"{path}/volunteers")["items"]
    chosen = next(v for v in volunteers if v["allocated"] - v["delivered"] >= 60)

    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, demo, "project lead")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon projet")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2).first).to_have_text("Jardin partagé des Coteaux")
    make_key_from(page, "Mon projet")
    expect(page.locator("table.volunteers tbody tr")).to_have_count(len(volunteers))

    # An hour the volunteer gave, confirmed and signed for the project.
    page.get_by_label("Bénévole et trimestre").select_option(
        f"{chosen['member_id']}/{chosen['quarter']}"
    )
    page.get_by_role("spinbutton", name="Heures").fill("1")
    page.get_by_role("button", name="Signer et confirmer").click()
    expect(main).to_contain_text("confirmées pour le")
    # In the project's PLEDGE account and in the volunteer's line.
    after = {a["unit"]: a for a in demo.call(path)["accounts"]}
    assert after["PLEDGE"]["balance"] - accounts["PLEDGE"]["balance"] == 60
    [line] = [
        v
        for v in demo.call(f"{path}/volunteers")["items"]
        if (v["member_id"], v["quarter"]) == (chosen["member_id"], chosen["quarter"])
    ]
    assert line["delivered"] == chosen["delivered"] + 60

    # A payment with its payee and receipt.
    page.get_by_label("Montant en euros").fill("123,45")
    page.get_by_label("Payé à").fill("Quincaillerie du Rebberg")
    page.get_by_label("Référence du justificatif").fill("F-2026-0420")
    page.get_by_role("button", name="Signer et payer").click()
    expect(main).to_contain_text(
        f"Paiement de {french_euros(12_345)} à Quincaillerie du Rebberg enregistré."
    )
    expect(page.locator("table.payments")).to_contain_text("F-2026-0420")
    last = demo.call(f"{path}/disbursements")["items"][-1]
    assert (last["amount_cents"], last["payee"], last["receipt_ref"]) == (
        12_345,
        "Quincaillerie du Rebberg",
        "F-2026-0420",
    )
    after = {a["unit"]: a for a in demo.call(path)["accounts"]}
    assert accounts["EUR"]["balance"] - after["EUR"]["balance"] == 12_345
    expect(page.get_by_test_id("project-balance")).to_contain_text(
        french_euros(after["EUR"]["balance"])
    )
    violations = check(page, "lead-sheet")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My project")
    expect(main).to_contain_text("Left to confirm")
    violations += check(page, "lead-sheet-en")
    assert violations == [], "\n".join(violations)


# What the page's layout would cut off: a page wider than the window, or a table wider
# than its container outside a scrolling box (or a scrolling box that itself overflows).
# On a computer's screen (``wide``) a table fits whole: none hides columns to scroll to.
_OVERFLOWS = """(wide) => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1)
    found.push(`the page is ${root.scrollWidth} px wide in ${root.clientWidth} px`);
  for (const table of document.querySelectorAll("main table")) {
    if (table.getClientRects().length === 0) continue;
    const name = table.querySelector("caption")?.textContent ?? table.className;
    let scroller = null;
    for (let e = table.parentElement; e && e !== document.body; e = e.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(e).overflowX)) { scroller = e; break; }
    }
    const box = (scroller ?? table.parentElement).getBoundingClientRect();
    if (scroller) {
      if (box.right > root.clientWidth + 1 || box.left < -1)
        found.push(`the scrolling box of "${name}" overflows the page`);
      else if (wide && scroller.scrollWidth > scroller.clientWidth + 1)
        found.push(`"${name}" hides ${scroller.scrollWidth - scroller.clientWidth} px`);
    } else if (table.getBoundingClientRect().width > box.width + 1) {
      found.push(`"${name}" is wider than its container and does not scroll`);
    }
  }
  return found;
}"""


def views_of(page: Page) -> list[str]:
    """The addresses of the views this person's menu offers."""
    hrefs: list[str] = page.evaluate(
        """() => [...document.querySelectorAll("nav a")]
          .filter((a) => !a.parentElement.hidden)
          .map((a) => a.getAttribute("href"))"""
    )
    return hrefs


def open_view(page: Page, href: str) -> None:
    """Go to a view by its address and wait until the shell swapped it in."""
    moved = page.evaluate(
        """(href) => {
          if ((location.hash || "#/") === href) return false;
          document.getElementById("main").firstElementChild?.setAttribute("data-old", "");
          location.hash = href;
          return true;
        }""",
        href,
    )
    if not moved:
        return
    page.wait_for_function(
        """() => {
          const view = document.getElementById("main").firstElementChild;
          return view && !view.hasAttribute("data-old") && view.querySelector("h1");
        }"""
    )


def test_no_table_of_any_view_is_cut_off(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    if demo.backend != "sqlite":
        pytest.skip("the layout does not depend on the database: measured once, on SQLite")
    found: list[str] = []
    seen: set[str] = set()
    for role, _, _, _ in demo.printed.logins:
        if role in seen:
            continue
        seen.add(role)
        page = new_context(viewport=DESKTOP).new_page()
        sign_in(page, demo, role)
        for href in views_of(page):
            open_view(page, href)
            for size, viewport in (("1280", DESKTOP), ("390", PHONE)):
                page.set_viewport_size(viewport)
                found += [
                    f"{role}, {href} at {size} px: {what}"
                    for what in page.evaluate(_OVERFLOWS, viewport == DESKTOP)
                ]
            page.set_viewport_size(DESKTOP)
        page.context.close()
    assert not found, "\n".join(found)
