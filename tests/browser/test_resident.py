"""A resident's path in a real browser against a live server, on SQLite and PostgreSQL:
signing in, a key made and registered in the page, an exchange recorded by one resident
and confirmed (signed in the page) by the other, balances on both sides, the language
switch, and a lost device replaced through a recovery."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from tests.browser.conftest import Live, Resident, sign_in
from tests.browser.helpers import choose_person, create_key
from tests.conftest import BACKENDS

NBSP = "\u00a0"


def record_exchange(page: Page, receiver: Resident, hours: int, minutes: int, memo: str) -> None:
    page.get_by_role("link", name="Enregistrer un échange").click()
    choose_person(page, "Personne qui a reçu le service", receiver.name[:3], receiver.name)
    page.get_by_label("Heures").fill(str(hours))
    page.get_by_label("Minutes").select_option(str(minutes))
    page.get_by_label("Description (facultatif)").fill(memo)
    page.get_by_role("button", name="Enregistrer").click()


def ask_for_recovery(live: Live, resident: Resident, public_key: str) -> None:
    """The operator, as a coordinator, registers an operator key of their own and signs
    with it the recovery request for ``public_key``, dated now, with the territory's wait."""
    origin = live.call("GET", "/log")["origin"]
    me = PrincipalId(uuid.UUID(live.call("GET", "/me")["principal_id"]))
    key = Keypair(hashlib.sha256(b"browser test coordinator").digest())
    register = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        me,
        by=me,
        public_key=key.public_key,
        capacity=Capacity.OPERATOR,
    )
    live.call("POST", "/key-events", key.key_event_request(origin, register))
    request = KeyEvent(
        uuid.uuid4(),
        KeyAction.REQUEST_RECOVERY,
        PrincipalId(uuid.UUID(resident.id)),
        by=me,
        public_key=base64.b64decode(public_key),
        at=datetime.now(UTC).replace(microsecond=0),
        wait=0,
    )
    live.call("POST", "/key-events", key.key_event_request(origin, request))


def active_keys(live: Live, resident: Resident) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = live.call("GET", f"/keys?principal_id={resident.id}")["items"]
    return [k for k in keys if k["revoked_at"] is None]


def stored_key(page: Page, resident: Resident) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """async (id) => {
      const {deviceKey} = await import("/app/js/keys.js");
      const r = await deviceKey(id);
      return {key_id: r.key_id, registered: r.registered, type: r.private_key.type,
              extractable: r.private_key.extractable, algorithm: r.private_key.algorithm.name};
    }""",
        resident.id,
    )
    return found


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_exchange_recorded_and_confirmed_with_keys_made_in_the_browser(
    backend: str, serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]
) -> None:
    """Awa records 1 h 30 given to Bruno; Bruno, in his own browser, confirms it with a key
    his page made: the ledger moves 90 minutes, both pages show it, and English is one
    click away for whoever wants it."""
    live = serve(backend)
    awa = live.resident("Awa", "awa")
    bruno = live.resident("Bruno", "bruno")

    provider = new_context().new_page()
    sign_in(provider, live, awa)
    expect(provider.locator("html")).to_have_attribute("lang", "fr")
    shown = create_key(provider)
    [registered] = active_keys(live, awa)
    assert registered["key_id"].startswith(shown)
    # The private half never leaves WebCrypto: not even this page can export it.
    stored = stored_key(provider, awa)
    assert {"registered": True, "type": "private", "extractable": False, "algorithm": "Ed25519"} | {
        "key_id": registered["key_id"]
    } == stored

    record_exchange(provider, bruno, 1, 30, "Réparation de vélo")
    expect(provider.get_by_role("main")).to_contain_text(
        re.compile(f"Échange de 1{NBSP}h{NBSP}30 enregistré avec Bruno · n° \\d+ · Bourtzwiller")
    )
    assert (live.balance(awa), live.balance(bruno)) == (0, 0)

    receiver = new_context().new_page()
    sign_in(receiver, live, bruno)
    expect(receiver.get_by_role("main")).to_contain_text("1 échange attend")
    create_key(receiver)
    receiver.get_by_role("link", name="À confirmer").click()
    card = receiver.get_by_role("listitem").filter(has_text="Awa vous a rendu")
    expect(card).to_contain_text(f"1{NBSP}h{NBSP}30")
    expect(card).to_contain_text("Réparation de vélo")
    card.get_by_role("button", name="Confirmer et signer").click()
    expect(receiver.get_by_role("main")).to_contain_text(
        f"Échange confirmé : votre solde est maintenant de −1{NBSP}h{NBSP}30."
    )
    expect(receiver.get_by_role("main")).to_contain_text("Rien à confirmer.")
    assert (live.balance(awa), live.balance(bruno)) == (90, -90)

    receiver.get_by_role("link", name="Mon solde").click()
    expect(receiver.get_by_test_id("balance")).to_have_text(f"−1{NBSP}h{NBSP}30")
    provider.get_by_role("link", name="Mon solde").click()
    expect(provider.get_by_test_id("balance")).to_have_text(f"1{NBSP}h{NBSP}30")
    statement = provider.get_by_role("table")
    expect(statement.get_by_role("row").nth(1)).to_contain_text(
        re.compile(f"Bruno \\(n° \\d+\\)Réparation de vélo.*\\+1{NBSP}h{NBSP}30")
    )

    receiver.get_by_role("button", name="English").click()
    expect(receiver.locator("html")).to_have_attribute("lang", "en")
    expect(receiver.get_by_role("heading", level=1)).to_have_text("My balance")
    expect(receiver.get_by_test_id("balance")).to_have_text(f"−1{NBSP}h{NBSP}30{NBSP}min")
    receiver.reload()
    expect(receiver.get_by_role("heading", level=1)).to_have_text("My balance")
    expect(receiver.locator("html")).to_have_attribute("lang", "en")
    # The choice belongs to this browser: Awa's page is still in French.
    provider.reload()
    expect(provider.get_by_role("heading", level=1)).to_have_text("Mon solde")

    receiver.get_by_role("button", name="Sign out").click()
    expect(receiver.get_by_role("heading", level=1)).to_have_text("Sign in")
    # Nothing in the browser still opens a session: the cookie went with the sign-out.
    assert receiver.evaluate("fetch('/api/v1/me').then((answer) => answer.status)") == 401


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_lost_device_is_recovered_through_a_coordinator_and_can_no_longer_sign(
    backend: str, serve: Callable[..., Live], new_context: Callable[..., BrowserContext]
) -> None:
    """From a new browser Awa, who lost her only device, prepares a new key; a
    coordinator asks for its recovery with their own key (the service alone cannot);
    once the wait is over (none on this test territory) Awa finishes it from the new
    browser: the lost device's page can no longer confirm an exchange, the new one can."""
    live = serve(backend, {"MUTUAL_KEY_RECOVERY_WAIT_SECONDS": "0"})
    awa = live.resident("Awa", "awa")
    bruno = live.resident("Bruno", "bruno")
    lost = new_context().new_page()
    sign_in(lost, live, awa)
    old_key = create_key(lost)
    giver = new_context().new_page()
    sign_in(giver, live, bruno)
    record_exchange(giver, awa, 0, 45, "Courses")
    expect(giver.get_by_role("main")).to_contain_text("en attente de sa confirmation")

    found = new_context().new_page()
    sign_in(found, live, awa)
    found.get_by_role("link", name="Mon appareil").click()
    expect(found.get_by_role("main")).to_contain_text("Cet appareil n’a pas de clé.")
    old = found.locator(f'li[data-key^="{old_key}"]')
    expect(old).to_contain_text("La clé d’un autre appareil")
    # Without a key here, nothing on this page can revoke Awa's key.
    expect(old.get_by_role("button")).to_have_count(0)
    found.get_by_role(
        "button", name="Tous mes appareils sont perdus : préparer une nouvelle clé"
    ).click()
    expect(found.get_by_role("main")).to_contain_text("Nouvelle clé préparée")
    new_public_key = found.get_by_test_id("recovery-key").inner_text()

    ask_for_recovery(live, awa, new_public_key)
    found.reload()
    found.get_by_role("button", name="Terminer la récupération").click()
    expect(found.get_by_role("main")).to_contain_text("vos anciennes clés sont révoquées")
    new_key = (found.get_by_test_id("device-key").get_attribute("data-key-id") or "")[:16]
    assert [new_key] == [k["key_id"][:16] for k in active_keys(live, awa)]
    assert new_key != old_key

    lost.get_by_role("link", name="À confirmer").click()
    card = lost.get_by_role("listitem").filter(has_text="Bruno vous a rendu")
    card.get_by_role("button", name="Confirmer et signer").click()
    expect(card.get_by_role("alert")).to_be_visible()
    assert (live.balance(awa), live.balance(bruno)) == (0, 0)

    found.get_by_role("link", name="À confirmer").click()
    found.get_by_role("listitem").filter(has_text="Bruno vous a rendu").get_by_role(
        "button", name="Confirmer et signer"
    ).click()
    expect(found.get_by_role("main")).to_contain_text(
        f"Échange confirmé : votre solde est maintenant de −45{NBSP}min."
    )
    assert (live.balance(awa), live.balance(bruno)) == (-45, 45)
