"""An association in the page, started as a newcomer starts: ``python3 dev.py demo``
loads one association with the first printed resident appointed to act for it; that
resident signs in, records "I gave" for the association to the second resident, who
signs in, makes a device key and confirms. The hours reach the association's account,
the second resident's statement names who acted for it ("… pour Entraide
Bourtzwiller"), in the page and through the API, and the association's own statement
names the resident who acted for it. Screenshots and axe on each page."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.helpers import SCREENSHOTS, check, choose_person, create_key
from tests.browser.test_demo_way_in import Printed, running_demo
from tests.browser.test_everyday_flows import (
    duration,
    login_of,
    open_record,
    option_of,
    read,
    signed_in,
    who,
)

ASSOCIATION = "Entraide Bourtzwiller"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    expect.set_options(timeout=20_000)
    try:
        with running_demo(tmp_path_factory.mktemp("demo")) as printed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            yield printed
    finally:
        expect.set_options(timeout=5_000)


def test_a_resident_gives_hours_for_the_association_and_the_line_says_so(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    actor_page = signed_in(new_context, demo, login_of(demo, "resident", 0)[0])
    actor = who(actor_page, demo)
    receiver_page = signed_in(new_context, demo, login_of(demo, "resident", 1)[0])
    receiver = who(receiver_page, demo)
    [association] = read(actor_page, demo, f"/associations?acting_member={actor['id']}")["items"]
    assert association["name"] == ASSOCIATION
    before = association["balance"]

    open_record(actor_page, demo, "J’ai rendu un service")
    actor_page.get_by_label("Agir pour").select_option(label=ASSOCIATION)
    choose_person(
        actor_page,
        "Personne qui a reçu le service",
        receiver["display_name"],
        option_of(receiver),
    )
    duration(actor_page, 90)
    actor_page.get_by_label("Description (facultatif)").fill("Tri des dons de vêtements")
    assert check(actor_page, "association-gave") == []
    actor_page.get_by_role("button", name="Enregistrer", exact=True).click()
    said = actor_page.get_by_role("main")
    expect(said).to_contain_text(f"1 h 30 données à {option_of(receiver)}")
    expect(said).to_contain_text(f"pour {ASSOCIATION}\u00a0: c’est inscrit")

    create_key(receiver_page)
    receiver_page.goto(f"{demo.page}#/confirm")
    card = receiver_page.locator("li[data-proposal]", has_text=actor["display_name"]).filter(
        has_text="1 h 30"
    )
    expect(card).to_have_count(1)
    card.get_by_role("button", name="Confirmer et signer").click()
    expect(receiver_page.get_by_role("main")).to_contain_text("Échange confirmé")

    after = read(actor_page, demo, f"/associations/{association['id']}")["balance"]
    assert after == before + 90
    line = read(receiver_page, demo, "/members/me/statement")["items"][0]
    assert (line["amount"], line["description"]) == (-90, "Tri des dons de vêtements")
    assert line["other_party"]["association"] == {
        "id": association["id"],
        "name": ASSOCIATION,
        "acting": {"member_id": actor["id"], "display_name": actor["display_name"]},
    }
    # The association's own statement says who acted for it, and with whom.
    own = read(actor_page, demo, f"/associations/{association['id']}/statement")["items"][0]
    assert (own["amount"], own["acting"], own["other_party"]["member_id"]) == (
        90,
        {"member_id": actor["id"], "display_name": actor["display_name"]},
        receiver["id"],
    )
    receiver_page.goto(f"{demo.page}#/")
    expect(receiver_page.get_by_role("main")).to_contain_text(
        f"{actor['display_name']} pour {ASSOCIATION}"
    )
    assert check(receiver_page, "association-statement") == []
