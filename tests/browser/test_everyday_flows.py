"""The everyday flows in the page, started as a newcomer starts: ``python3 dev.py demo``
(one demo for the module), its printed logins signed in through the page at phone size.
"I received" end to end (the receiver records and signs it at once; the provider reads
the notice and the line), then a group exchange with three receivers, each confirming
their own share from their own device. Effects are read back through the API, with the
signed-in session of the person who may read them; screenshots and axe on each page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import SCREENSHOTS, check, choose_person, create_key
from tests.browser.test_demo_way_in import Printed, running_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    # Four people sign in and sign on a machine the demo's 300 members share: give each
    # page more than the default 5 s to answer, for this module only.
    expect.set_options(timeout=20_000)
    try:
        with running_demo(tmp_path_factory.mktemp("demo")) as printed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            yield printed
    finally:
        expect.set_options(timeout=5_000)


def login_of(demo: Printed, role: str, nth: int = 0) -> tuple[str, str]:
    """The ``nth`` printed login for ``role``: (login, name)."""
    found = [(login, name) for what, login, name, _ in demo.logins if what == role]
    return found[nth]


def signed_in(new_context: Callable[..., BrowserContext], demo: Printed, login: str) -> Page:
    page = new_context(viewport=PHONE).new_page()
    page.goto(demo.page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_label("Identifiant").first.fill(login)
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    # Each role lands on its own page.
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Connexion")
    return page


def read(page: Page, demo: Printed, path: str) -> Any:
    """A GET through the API with the page's own session (its cookie)."""
    answer = page.request.get(demo.page.replace("/app/", "/api/v1") + path)
    assert answer.ok, answer.text()
    return answer.json()


def who(page: Page, demo: Printed) -> dict[str, Any]:
    """The signed-in member's record (id, number, account)."""
    me = read(page, demo, "/me")
    member: dict[str, Any] = read(page, demo, f"/members/{me['principal_id']}")
    return member


def option_of(member: dict[str, Any]) -> str:
    """How the person picker names ``member``: the name and the member number, which tell
    the demo's namesakes apart."""
    return f"{member['display_name']} · n° {member['number']}"


def open_record(page: Page, demo: Printed, way: str) -> None:
    page.goto(f"{demo.page}#/record")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enregistrer un échange")
    page.get_by_role("radio", name=way).check()


def duration(page: Page, minutes: int) -> None:
    page.get_by_label("Heures").fill(str(minutes // 60))
    page.get_by_label("Minutes").select_option(str(minutes % 60))


def test_i_received_end_to_end(demo: Printed, new_context: Callable[..., BrowserContext]) -> None:
    """The second resident records "I received 45 min" from the first and signs it at
    once; the first resident is told by name and reads the line on their statement."""
    provider_page = signed_in(new_context, demo, login_of(demo, "resident", 0)[0])
    provider = who(provider_page, demo)
    receiver_page = signed_in(new_context, demo, login_of(demo, "resident", 1)[0])
    receiver = who(receiver_page, demo)
    create_key(receiver_page)
    before = read(receiver_page, demo, f"/accounts/{receiver['account_id']}")["balance"]

    open_record(receiver_page, demo, "On m’a rendu un service")
    choose_person(
        receiver_page,
        "Personne qui vous a rendu le service",
        provider["display_name"],
        option_of(provider),
    )
    duration(receiver_page, 45)
    receiver_page.get_by_label("Description (facultatif)").fill("Courses du samedi")
    receiver_page.get_by_label("Catégorie (facultatif)").select_option("elderly")
    receiver_page.get_by_role("button", name="Enregistrer et signer").click()
    expect(receiver_page.get_by_role("main")).to_contain_text(
        f"45 min reçues de {option_of(provider)}"
    )
    assert check(receiver_page, "received-recorded") == []

    # Read back: the receiver's account paid, the provider's line says who, what, which.
    after = read(receiver_page, demo, f"/accounts/{receiver['account_id']}")["balance"]
    assert after == before - 45
    line = read(provider_page, demo, "/members/me/statement")["items"][0]
    assert (line["amount"], line["description"], line["category"]) == (
        45,
        "Courses du samedi",
        "elderly",
    )
    assert line["other_party"]["display_name"] == receiver["display_name"]

    provider_page.goto(f"{demo.page}#/notifications")
    expect(provider_page.get_by_role("main")).to_contain_text(
        f"{receiver['display_name']} indique avoir reçu 45 min de vous"
    )
    assert check(provider_page, "received-notified") == []


def test_a_group_exchange_with_three_receivers(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    """The first resident records a workshop for three members; each signs in on their
    own device, makes its key and confirms their own share; the provider is paid three
    shares and the group reads as confirmed."""
    provider_page = signed_in(new_context, demo, login_of(demo, "resident", 0)[0])
    provider = who(provider_page, demo)
    start = read(provider_page, demo, f"/accounts/{provider['account_id']}")["balance"]
    receivers = []
    for role in ("coordinator", "facilitator", "project lead"):
        page = signed_in(new_context, demo, login_of(demo, role)[0])
        receivers.append((page, who(page, demo)))

    open_record(provider_page, demo, "Un échange de groupe")
    provider_page.get_by_role("radio", name="J’ai rendu le service à chacune").check()
    for _, member in receivers:
        choose_person(
            provider_page,
            "Ajouter une personne",
            member["display_name"],
            option_of(member),
        )
        provider_page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(provider_page.get_by_role("main")).to_contain_text("3 personnes choisies")
    duration(provider_page, 30)
    provider_page.get_by_label("Description (facultatif)").fill("Atelier réparation de vélos")
    assert check(provider_page, "group-chosen") == []
    provider_page.get_by_role("button", name="Enregistrer l’échange de groupe").click()
    expect(provider_page.get_by_role("main")).to_contain_text(
        "3 personnes confirmeront chacune sa part de 30 min"
    )

    pending = read(provider_page, demo, "/proposals?role=provider&status=pending")["items"]
    [group_id] = {p["group"] for p in pending if p["group"] is not None}
    for n, (page, member) in enumerate(receivers):
        create_key(page)
        page.goto(f"{demo.page}#/confirm")
        card = page.locator("li[data-proposal]", has_text=provider["display_name"]).filter(
            has_text="30 min"
        )
        expect(card).to_have_count(1)
        expect(card).to_contain_text("Votre part d’un échange de groupe")
        if n == 0:
            assert check(page, "group-share-to-confirm") == []
        card.get_by_role("button", name="Confirmer et signer").click()
        expect(page.get_by_role("main")).to_contain_text("Échange confirmé")
        share = read(page, demo, f"/exchange-groups/{group_id}")
        mine = [s for s in share["shares"] if s["receiver"] == member["id"]]
        assert [s["status"] for s in mine] == ["confirmed"]

    group = read(provider_page, demo, f"/exchange-groups/{group_id}")
    assert sorted(s["receiver"] for s in group["shares"]) == sorted(m["id"] for _, m in receivers)
    assert {s["status"] for s in group["shares"]} == {"confirmed"}
    end = read(provider_page, demo, f"/accounts/{provider['account_id']}")["balance"]
    assert end == start + 3 * 30
    provider_page.goto(f"{demo.page}#/notifications")
    # Each confirmation's notice names who confirmed.
    for _, member in receivers:
        expect(provider_page.get_by_role("main")).to_contain_text(
            f"{member['display_name']} a confirmé les 30 min"
        )
    assert check(provider_page, "group-confirmed") == []
