"""Offers and requests in the page, from the demo as a newcomer meets it (its printed
logins, at phone size, two browsers): resident A finds resident B in the directory,
opens B's request, writes to B, and records the exchange from it; B signs in, makes a
device key, reads A's message in the notifications, answers it there and confirms; A's
statement line names B, with the description and the request's category, and A's
notifications name B. Then B posts an offer, edits, renews and closes it. Every effect
is read back through the API, signed in as each resident; screenshots and axe on each
page."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import SCREENSHOTS, check, create_key
from tests.browser.test_demo_way_in import Printed, running_demo

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    """``python3 dev.py demo`` as the README says, once for this module's tests."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with running_demo(tmp_path_factory.mktemp("demo")) as printed:
        yield printed


class Reader:
    """One resident signed in through the API with their printed login, to read back."""

    def __init__(self, demo: Printed, login: str) -> None:
        self.base = demo.page.removesuffix("/app/") + "/api/v1"
        body = json.dumps({"login": login, "password": demo.password}).encode()
        request = urllib.request.Request(f"{self.base}/sign-in", data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            cookie = answer.headers["Set-Cookie"].split(";")[0]
            self.principal_id: str = json.loads(answer.read())["principal_id"]
        self.cookie = cookie

    def get(self, path: str) -> Any:
        request = urllib.request.Request(f"{self.base}{path}")
        request.add_header("Cookie", self.cookie)
        request.add_header("Accept-Language", "fr")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())


def sign_in(page: Page, demo: Printed, login: str) -> None:
    page.goto(demo.page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_label("Identifiant").first.fill(login)
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon solde")


def residents(demo: Printed) -> tuple[tuple[str, str], tuple[str, str]]:
    """(login, name) of the demo's two residents, as printed."""
    first, second = [(login, name) for role, login, name, _ in demo.logins if role == "resident"]
    return first, second


def test_a_request_answered_and_an_exchange_recorded_from_it(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    (a_login, a_name), (b_login, b_name) = residents(demo)
    a = new_context().new_page()
    sign_in(a, demo, a_login)

    # A finds B by name in the directory, and opens B's request there.
    a.get_by_role("link", name="Annuaire").click()
    a.get_by_label("Nom ou numéro de membre").fill(b_name)
    a.get_by_role("button", name="Rechercher").click()
    card = (
        a.get_by_role("list", name="Membres trouvés")
        .get_by_role("listitem")
        .filter(has=a.get_by_text(b_name, exact=True))
        .filter(has_text="Demande")
        .first
    )
    expect(card).to_be_visible()
    assert check(a, "offers-directory") == []
    card.get_by_role("link", name=re.compile("^Voir « ")).click()
    heading = a.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Demande")
    title = heading.inner_text().removeprefix("Demande").strip()
    expect(a.get_by_role("main")).to_contain_text(f"Publiée par {b_name}")

    # A writes to B: B shows no contact details to members, so the message goes here.
    expect(a.get_by_role("main")).to_contain_text(f"{b_name} ne montre pas ses coordonnées")
    a.get_by_label(f"Votre message à {b_name}").fill("Je peux passer jeudi après-midi.")
    a.get_by_role("button", name="Envoyer le message").click()
    expect(a.get_by_role("main")).to_contain_text(
        f"Message envoyé : {b_name} le trouvera dans ses notifications."
    )
    expect(a.get_by_role("list", name="Vos messages")).to_contain_text(
        "Je peux passer jeudi après-midi."
    )
    assert check(a, "offers-answer") == []

    # Once the service is given, A records it from the request.
    a.get_by_role("link", name=f"Enregistrer l’échange avec {b_name}").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("Enregistrer un échange")
    expect(a.get_by_role("main")).to_contain_text(f"À propos de « {title} »")
    a.get_by_label("Heures").fill("1")
    a.get_by_label("Minutes").select_option("30")
    a.get_by_label("Description (facultatif)").fill(f"{title} : jeudi")
    assert check(a, "offers-record") == []
    a.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(a.get_by_role("main")).to_contain_text("en attente de sa confirmation")

    # B reads A's message in the notifications, makes a key and confirms.
    b = new_context().new_page()
    sign_in(b, demo, b_login)
    b.get_by_role("link", name="Notifications", exact=True).click()
    expect(b.get_by_role("main")).to_contain_text(
        f"{a_name} vous écrit au sujet de « {title} » : Je peux passer jeudi après-midi."
    )
    b.get_by_role("link", name="Voir l’annonce et les messages reçus").first.click()
    received = b.get_by_role("list", name="Messages reçus")
    expect(received).to_contain_text(f"De {a_name}")
    expect(received).to_contain_text("Je peux passer jeudi après-midi.")
    # B answers A there: neither shows the other a contact detail.
    b.get_by_label(f"Votre réponse à {a_name}").fill("Jeudi 14 h, parfait.")
    b.get_by_role("button", name=f"Répondre à {a_name}").click()
    expect(b.get_by_role("main")).to_contain_text(
        f"Message envoyé : {a_name} le trouvera dans ses notifications."
    )
    expect(received).to_contain_text("Jeudi 14 h, parfait.")
    assert check(b, "offers-received") == []
    create_key(b)
    b.get_by_role("link", name="À confirmer").click()
    proposal = b.get_by_role("listitem").filter(has_text=f"{a_name} vous a rendu")
    expect(proposal).to_contain_text(f"1{NBSP}h{NBSP}30")
    assert check(b, "offers-confirm") == []
    proposal.get_by_role("button", name="Confirmer et signer").click()
    expect(b.get_by_role("main")).to_contain_text("Échange confirmé")

    # A's statement names B, the description and the request's category; A is told.
    reader_b = Reader(demo, b_login)
    [request] = [
        o
        for o in reader_b.get(f"/offers?member_id={reader_b.principal_id}&direction=request")[
            "items"
        ]
        if o["title"] == title
    ]
    a.get_by_role("link", name="Mon solde").click()
    row = a.get_by_role("table").get_by_role("row").nth(1)
    expect(row).to_contain_text(re.compile(f"{re.escape(b_name)} \\(n° \\d+\\)"))
    expect(row).to_contain_text(f"{title} : jeudi")
    words = json.loads(urllib.request.urlopen(demo.page + "words.json", timeout=10).read())
    category = words["categories"][request["category"]]["fr"]
    expect(row).to_contain_text(category)
    assert check(a, "offers-statement") == []
    a.get_by_role("link", name="Notifications", exact=True).click()
    expect(a.get_by_role("main")).to_contain_text(
        f"{b_name} vous écrit au sujet de « {title} » : Jeudi 14 h, parfait."
    )
    expect(a.get_by_role("main")).to_contain_text(
        f"{b_name} a confirmé les 1{NBSP}h{NBSP}30 que vous avez rendues."
    )

    reader_a = Reader(demo, a_login)
    [line] = reader_a.get("/members/me/statement?limit=1")["items"]
    assert (line["description"], line["category"], line["amount"]) == (
        f"{title} : jeudi",
        request["category"],
        90,
    )
    assert line["other_party"]["display_name"] == b_name
    sent = reader_a.get(f"/offers/{request['id']}/messages")["items"]
    assert [m["text"] for m in sent] == ["Je peux passer jeudi après-midi.", "Jeudi 14 h, parfait."]
    told = [n for n in reader_a.get("/notifications")["items"] if n["kind"] == "proposal_confirmed"]
    assert told[-1]["message"].startswith(f"{b_name} a confirmé")


def test_a_resident_posts_edits_renews_and_closes_an_offer(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    _, (b_login, _) = residents(demo)
    b = new_context().new_page()
    sign_in(b, demo, b_login)
    b.get_by_role("link", name="Offres et demandes", exact=True).click()
    b.get_by_role("link", name="Publier une offre ou une demande").click()
    expect(b.get_by_role("heading", level=1)).to_have_text("Publier une offre ou une demande")
    b.get_by_label("C’est").select_option("offer")
    b.get_by_label("Titre").fill("Cours de tricot")
    b.get_by_label("Description (facultatif)").fill("Le mercredi, laine fournie.")
    b.get_by_label("Catégorie").select_option("culture_sport")
    b.get_by_label("Durée estimée (facultatif)").select_option("90")
    assert check(b, "offers-post") == []
    b.get_by_role("button", name="Publier").click()
    expect(b.get_by_role("heading", level=1)).to_have_text("Offre Cours de tricot")
    offer_id = b.url.split("id=")[1]
    reader = Reader(demo, b_login)
    posted = reader.get(f"/offers/{offer_id}")
    assert (posted["direction"], posted["category"], posted["estimated_minutes"]) == (
        "offer",
        "culture_sport",
        90,
    )
    assert check(b, "offers-own") == []

    b.get_by_role("link", name="Modifier").click()
    expect(b.get_by_role("heading", level=1)).to_have_text("Modifier mon annonce")
    b.get_by_label("Titre").fill("Cours de tricot et de crochet")
    b.get_by_role("button", name="Enregistrer les modifications").click()
    expect(b.get_by_role("heading", level=1)).to_have_text("Offre Cours de tricot et de crochet")

    b.get_by_role("button", name="Renouveler").click()
    expect(b.get_by_role("main")).to_contain_text("Annonce renouvelée jusqu’au")
    renewed = reader.get(f"/offers/{offer_id}")
    assert renewed["expires_at"] >= posted["expires_at"]

    b.get_by_role("button", name="Clore").click()
    expect(b.get_by_role("alertdialog")).to_contain_text(
        "Clore « Cours de tricot et de crochet » ?"
    )
    b.get_by_role("button", name="Oui, clore").click()
    expect(b.get_by_role("main")).to_contain_text("Annonce close")
    expect(b.get_by_test_id("offer-status")).to_contain_text("Close le")
    assert check(b, "offers-closed") == []
    closed = reader.get(f"/offers/{offer_id}")
    assert closed["title"] == "Cours de tricot et de crochet"
    assert closed["closed_at"] is not None
    assert closed["description"] == "Le mercredi, laine fournie."

    # Closed, it leaves the search and shows as closed among B's own.
    b.get_by_role("link", name="Offres et demandes", exact=True).click()
    expect(b.get_by_role("list", name="Mes offres et demandes")).to_contain_text("Close le")
    assert [o for o in reader.get("/offers?q=crochet")["items"] if o["id"] == offer_id] == []
