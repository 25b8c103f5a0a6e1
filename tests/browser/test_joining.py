"""Joining and signing in through the page, at phone size (390 by 844).

On the demo started as the README says: a newcomer's application (profile, contact
visibility, the charter accepted), the coordinator's acceptance (signed in with the
demo's printed login) giving an invitation, the newcomer's password and device key
chosen from its link, and their first exchange, recorded by a demo resident and
confirmed with that key.

On a server that e-mails through an SMTP server (aiosmtpd) this test starts: the
invitation arrives by e-mail and its link works; a forgotten password is reset with the
code e-mailed in French, the mail server stopped when it is asked for and started again
later, losing nothing.

No serious or critical axe-core violation on the new views.
"""

from __future__ import annotations

import re
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PASSWORD, PHONE, Live, _off_loop
from tests.browser.helpers import SCREENSHOTS, check, choose_person
from tests.browser.test_demo_way_in import Printed, demo
from tests.conftest import BACKENDS, Templates, _fresh
from tests.test_mail import MailServer, body
from tests.test_mail import _free_port as free_port
from tests.test_schemathesis import live_server, token

__all__ = ["demo"]

NBSP = "\u00a0"
NEW_PASSWORD = "encore une phrase de passe"
PUBLIC_URL = "https://temps.mulhouse.example"
SENDER = "Banque du temps <temps@mulhouse.example>"
WAIT_SECONDS = 30.0


def choose_password(page: Page, login: str, password: str) -> None:
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Mot de passe, encore une fois").fill(password)


def test_from_the_application_form_to_a_first_confirmed_exchange(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    """A newcomer applies in the page and accepts the charter; the demo's coordinator
    accepts and is shown an invitation; its link chooses the newcomer's password and
    signs them in; they make this phone's key (told in words, not by its id), and
    confirm the hour a demo resident records for them."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found: list[str] = []
    newcomer = new_context(viewport=PHONE).new_page()
    newcomer.goto(demo.page)
    newcomer.get_by_role("link", name="Demander à adhérer").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Demander à adhérer")
    expect(newcomer.get_by_test_id("charter")).to_contain_text("Charte de la banque du temps")
    newcomer.get_by_label("Nom affiché").fill("Nadia Benali")
    newcomer.get_by_label("Quartier").fill("Drouot")
    newcomer.get_by_label("Adresse e-mail", exact=True).fill("nadia@example.org")
    newcomer.get_by_label("Qui voit votre adresse e-mail").select_option("coordinators")
    found += check(newcomer, "join-apply")
    newcomer.set_viewport_size(PHONE)
    send = newcomer.get_by_role("button", name="Envoyer ma demande")
    send.click()  # refused by the browser: the charter is not accepted yet
    expect(newcomer.get_by_test_id("applied")).to_have_count(0)
    newcomer.get_by_label("J’ai lu la charte et je l’accepte").check()
    send.click()
    expect(newcomer.get_by_test_id("applied")).to_contain_text("Demande envoyée.")

    [(_, coordinator_login, _, _)] = [x for x in demo.logins if x[0] == "coordinator"]
    coordinator = new_context(viewport=PHONE).new_page()
    coordinator.goto(demo.page)
    coordinator.get_by_label("Identifiant").first.fill(coordinator_login)
    coordinator.get_by_label("Mot de passe").fill(demo.password)
    coordinator.get_by_role("button", name="Se connecter", exact=True).click()
    # A coordinator lands on their own page: memberships and limits.
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Adhésions et limites")
    card = coordinator.get_by_role("listitem").filter(has_text="Nadia Benali")
    expect(card).to_contain_text("Quartier : Drouot")
    card.get_by_role("button", name="Accepter").click()
    accepted = coordinator.get_by_test_id("accepted")
    expect(accepted).to_contain_text("Adhésion de Nadia Benali acceptée.")
    expect(accepted).to_contain_text("Invitation à remettre à la personne")
    code = coordinator.get_by_test_id("invitation-code").inner_text()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", code), code
    link = coordinator.get_by_test_id("invitation-link").inner_text()
    assert link.startswith(demo.page + "#/invitation/"), link
    found += check(coordinator, "join-accepted")

    invited = new_context(viewport=PHONE).new_page()
    invited.goto(link)
    expect(invited.get_by_role("heading", level=1)).to_have_text("Bienvenue")
    expect(invited.get_by_label("Code d’invitation")).to_have_count(0)  # in the link
    choose_password(invited, "nadia", "trop court")
    invited.get_by_role("button", name="Choisir ce mot de passe").click()
    expect(invited.get_by_test_id("invited")).to_have_count(0)  # the browser refused it
    choose_password(invited, "nadia", PASSWORD)
    found += check(invited, "join-invitation")
    invited.set_viewport_size(PHONE)
    invited.get_by_role("button", name="Choisir ce mot de passe").click()
    expect(invited.get_by_test_id("invited")).to_contain_text("vous êtes connecté·e")
    invited.get_by_role("link", name="Créer et enregistrer la clé de cet appareil").click()
    invited.get_by_role("button", name="Créer et enregistrer la clé de cet appareil").click()
    expect(invited.get_by_role("main")).to_contain_text("Clé créée et enregistrée.")
    device = invited.get_by_test_id("device-key")
    expect(device).to_contain_text("La clé de cet appareil, créée le ")
    assert not re.search(r"[0-9a-f]{8}", device.inner_text())  # words, not a hex id
    found += check(invited, "join-key")
    invited.set_viewport_size(PHONE)

    # The invitation is spent: its code no longer chooses anything.
    again = new_context(viewport=PHONE).new_page()
    again.goto(demo.page + "#/invitation")
    again.get_by_label("Code d’invitation").fill(code)
    choose_password(again, "quelquun", PASSWORD)
    again.get_by_role("button", name="Choisir ce mot de passe").click()
    expect(again.get_by_role("alert")).to_contain_text("Cette invitation est inconnue")

    _, resident_login, resident_name, _ = demo.logins[0]
    giver = new_context(viewport=PHONE).new_page()
    giver.goto(demo.page)
    giver.get_by_label("Identifiant").first.fill(resident_login)
    giver.get_by_label("Mot de passe").fill(demo.password)
    giver.get_by_role("button", name="Se connecter", exact=True).click()
    expect(giver.get_by_role("heading", level=1)).to_have_text("Mon solde")
    giver.get_by_role("link", name="Enregistrer un échange").click()
    choose_person(giver, "Personne qui a reçu le service", "Nadia Benali", "Nadia Benali")
    giver.get_by_label("Heures").fill("1")
    giver.get_by_label("Minutes").select_option("0")
    giver.get_by_label("Description (facultatif)").fill("Accueil de Nadia")
    giver.get_by_role("button", name="Enregistrer").click()
    expect(giver.get_by_role("main")).to_contain_text("en attente de sa confirmation")

    invited.get_by_role("link", name="À confirmer").click()
    offered = invited.get_by_role("listitem").filter(has_text=f"{resident_name} vous a rendu")
    expect(offered).to_contain_text("Accueil de Nadia")
    offered.get_by_role("button", name="Confirmer et signer").click()
    expect(invited.get_by_role("main")).to_contain_text(
        f"Échange confirmé : votre solde est maintenant de −1{NBSP}h."
    )
    assert found == []


@pytest.fixture
def mailbox() -> Iterator[MailServer]:
    server = MailServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailing(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path, mailbox: MailServer
) -> Iterator[Live]:
    """``mutual serve`` on a fresh database, e-mailing through the test's SMTP server."""
    backend = request.param
    database = _fresh(backend, templates, tmp_path)
    settings = _off_loop(lambda: next(database))
    extra = {
        "MUTUAL_SMTP_HOST": "127.0.0.1",
        "MUTUAL_SMTP_PORT": str(mailbox.port),
        "MUTUAL_SMTP_TLS": "none",
        "MUTUAL_SMTP_SENDER": SENDER,
        "MUTUAL_SMTP_TIMEOUT_SECONDS": "5",
        "MUTUAL_EVENTS_POLL_SECONDS": "0.2",
        "MUTUAL_MAIL_BACKOFF_BASE_SECONDS": "0.2",
        "MUTUAL_MAIL_BACKOFF_MAX_SECONDS": "1",
        "MUTUAL_PUBLIC_URL": PUBLIC_URL,
    }
    try:
        with live_server(settings, extra) as (url, env):
            yield Live(url, token(env, "operator"))
    finally:
        _off_loop(lambda: next(database, None))


def mails(mailbox: MailServer, address: str, subject: str, count: int = 1) -> list[EmailMessage]:
    """Wait until ``count`` e-mails with ``subject`` reached ``address``; all of them."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = [m for m in mailbox.all_to(address) if m["Subject"] == subject]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"still waiting for {subject!r} to {address}"
        time.sleep(0.1)


def backlog(live: Live) -> float:
    request = urllib.request.Request(f"{live.url}/api/v1/metrics")
    request.add_header("Authorization", f"Bearer {live.operator}")
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read().decode()
    [line] = [x for x in text.splitlines() if x.startswith("mutual_mail_backlog_notices ")]
    return float(line.split()[1])


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.1)


@pytest.mark.parametrize("mailing", BACKENDS, indirect=True)
def test_a_forgotten_password_is_reset_with_the_code_e_mailed_in_french(
    mailing: Live, mailbox: MailServer, new_context: Callable[..., BrowserContext]
) -> None:
    """The invitation is e-mailed with a link on the public address that works in the
    page; later, with the mail server stopped, the member asks for a reset code: it waits
    in the outbox, arrives once the server is back (once), in French with the reset
    page's link, and sets the new password, which then signs in."""
    live = mailing
    address = f"awa.{uuid.uuid4().hex[:6]}@example.org"
    applied = live.call(
        "POST",
        "/members/applications",
        {
            "display_name": "Awa",
            "neighbourhood": "Drouot",
            "languages": ["fr"],
            "contact": {"email": {"value": address, "visibility": "coordinators"}},
        },
    )
    accepted = live.call("POST", f"/members/{applied['id']}/accept")
    assert accepted["invitation"]["mailed"] is True

    [invitation] = mails(mailbox, address, "Bienvenue : choisissez votre mot de passe")
    text = body(invitation)
    assert text.startswith("Bonjour Awa,\n\nBienvenue : votre adhésion est acceptée.")
    [link] = re.findall(rf"{re.escape(PUBLIC_URL)}/app/#/invitation/[\w-]+", text)
    assert link == accepted["invitation"]["link"]  # on the public address
    assert accepted["invitation"]["code"] in text
    page = new_context(viewport=PHONE).new_page()
    page.goto(live.url + link.removeprefix(PUBLIC_URL))
    choose_password(page, address, PASSWORD)
    page.get_by_role("button", name="Choisir ce mot de passe").click()
    expect(page.get_by_test_id("invited")).to_contain_text("vous êtes connecté·e")

    mailbox.stop()
    forgot = new_context(viewport=PHONE).new_page()
    forgot.goto(live.url + "/")
    forgot.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(forgot.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    forgot.get_by_label("Identifiant").fill(address.upper())
    forgot.get_by_role("button", name="Recevoir un code").click()
    expect(forgot.get_by_role("main")).to_contain_text("Si cet identifiant existe")
    eventually(lambda: backlog(live) >= 1, "the code waiting while the mail server is down")
    time.sleep(1.5)  # several attempts fail meanwhile
    assert backlog(live) >= 1
    found = check(forgot, "password-reset")
    forgot.set_viewport_size(PHONE)

    mailbox.start()
    subject = "Votre code pour un nouveau mot de passe"
    [message] = mails(mailbox, address, subject)
    eventually(lambda: backlog(live) == 0, "the outbox emptied")
    time.sleep(1.0)  # a second copy, if one were to come, would come now
    assert len(mails(mailbox, address, subject)) == 1
    assert message["Content-Language"] == "fr"
    text = body(message)
    assert text.startswith("Bonjour Awa,\n\nVotre code pour choisir un nouveau mot de passe")
    assert "valable 30 min" in text
    assert f"{PUBLIC_URL}/app/#/password-reset" in text
    assert "Si ce n'est pas vous, ne le donnez à personne" in text
    [code] = re.findall(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", text)

    forgot.get_by_label("Code reçu par e-mail").fill("AAAA-AAAA")
    forgot.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    forgot.get_by_label("Mot de passe, encore une fois").fill(NEW_PASSWORD)
    forgot.get_by_role("button", name="Changer mon mot de passe").click()
    expect(forgot.get_by_role("alert")).to_contain_text("Ce code est erroné")
    forgot.get_by_label("Code reçu par e-mail").fill(code.lower())
    forgot.get_by_role("button", name="Changer mon mot de passe").click()
    expect(forgot.get_by_role("heading", level=1)).to_have_text("Mon solde")

    # The old password no longer signs in; the new one does, and changes again in the page.
    fresh = new_context(viewport=PHONE).new_page()
    fresh.goto(live.url + "/")
    fresh.get_by_label("Identifiant").first.fill(address)
    fresh.get_by_label("Mot de passe").fill(PASSWORD)
    fresh.get_by_role("button", name="Se connecter", exact=True).click()
    expect(fresh.get_by_role("alert")).to_be_visible()
    fresh.get_by_label("Mot de passe").fill(NEW_PASSWORD)
    fresh.get_by_role("button", name="Se connecter", exact=True).click()
    expect(fresh.get_by_role("heading", level=1)).to_have_text("Mon solde")
    fresh.get_by_role("link", name="Mon appareil").click()
    fresh.get_by_role("link", name="Changer mon mot de passe").click()
    fresh.get_by_label("Mot de passe actuel").fill(PASSWORD)
    fresh.get_by_label("Nouveau mot de passe").fill(PASSWORD + " bis")
    fresh.get_by_label("Mot de passe, encore une fois").fill(PASSWORD + " bis")
    fresh.get_by_role("button", name="Changer le mot de passe").click()
    expect(fresh.get_by_role("alert")).to_contain_text("Le mot de passe actuel est erroné.")
    fresh.get_by_label("Mot de passe actuel").fill(NEW_PASSWORD)
    fresh.get_by_role("button", name="Changer le mot de passe").click()
    expect(fresh.get_by_role("main")).to_contain_text("Mot de passe changé.")
    found += check(fresh, "password-change")
    assert found == []
