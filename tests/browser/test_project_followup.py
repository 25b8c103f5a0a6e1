"""A project followed after funding, in the page, by the demo's people signed in with the
logins it prints: the lead of the shared garden files this quarter's follow-up (results,
obstacles, needs, an indicator's value) and edits the project's sheet; a member suggests
a project idea to the garden's group; the facilitator, who facilitates that group, takes
the idea up, co-evaluates the follow-up from the groups' page, which closes it, and
agrees one more indicator for the garden; the City of Mulhouse, a partner, reads the
garden's results beside its money. Each effect is read back through the API; axe-core
on each page, in French and in English.

SQLite only: the pages read what the API answers, tested on both databases in
tests/test_project_followups.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import DESKTOP
from tests.browser.demo_server import Demo, demo_server
from tests.browser.helpers import SCREENSHOTS, check
from tests.browser.test_partner_lead import french_euros
from tests.conftest import Templates

GARDEN = "Jardin partagé des Coteaux"
RESULTS = "Trois nouvelles familles ; première récolte partagée."
IDEA = "Boîte à livres des Coteaux"


@pytest.fixture(scope="module")
def demo(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with demo_server("sqlite", templates, tmp_path_factory.mktemp("demo")) as served:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield served


def this_quarter() -> str:
    today = date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def test_a_follow_up_filed_co_evaluated_and_read_by_the_partner(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    [garden] = [p for p in demo.call("GET", "/projects")["items"] if p["name"] == GARDEN]
    path = f"/projects/{garden['id']}"
    quarter = this_quarter()
    before = demo.call("GET", f"{path}/followups")["items"]
    # The demo left this quarter to the lead; last quarter's is co-evaluated.
    assert [f["quarter"] for f in before if f["quarter"] == quarter] == []
    assert all(f["evaluation"] is not None for f in before)

    # The lead files the quarter's follow-up from the project's page.
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(page, "project lead")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon projet")
    main = page.get_by_role("main")
    form = main.get_by_role("region", name="Suivi du trimestre")
    form.get_by_label("Résultats obtenus").fill(RESULTS)
    form.get_by_label("Freins rencontrés").fill("Le robinet n'est toujours pas posé.")
    form.get_by_label("Besoins pour aller plus loin").fill("Un plombier bénévole.")
    form.get_by_label("Familles jardinières (familles, cible 20)").fill("14")
    form.get_by_role("button", name="Enregistrer le suivi").click()
    expect(main).to_contain_text("enregistré.")
    [filed] = [f for f in demo.call("GET", f"{path}/followups")["items"] if f["quarter"] == quarter]
    assert filed["results"] == RESULTS
    assert filed["evaluation"] is None
    families = next(
        i["id"]
        for i in demo.call("GET", f"{path}/indicators")["items"]
        if i["name"] == "Familles jardinières"
    )
    assert {v["indicator_id"]: v["value"] for v in filed["indicator_values"]}[families] == 14
    # And edits the project's sheet: only what changed is sent.
    sheet = main.get_by_role("region", name="Fiche du projet")
    sheet.get_by_label("Besoin en biens").fill("Un robinet extérieur, des arrosoirs")
    sheet.get_by_role("button", name="Enregistrer la fiche").click()
    expect(main).to_contain_text("Fiche du projet enregistrée.")
    edited = demo.call("GET", path)["sheet"]
    assert edited["needs_goods"] == "Un robinet extérieur, des arrosoirs"
    assert {k: edited[k] for k in ("status", "group_id", "description")} == {
        k: garden["sheet"][k] for k in ("status", "group_id", "description")
    }
    violations = check(page, "followup-lead")

    # A member outside the group suggests an idea to it from the groups' page.
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(page, "coordinator")
    page.get_by_role("link", name="Groupes de coordination").click()
    main = page.get_by_role("main")
    main.get_by_label("Groupe", exact=True).select_option(label="Groupe des Coteaux")
    main.get_by_label("Titre de l’idée").fill(IDEA)
    main.get_by_label("Description").fill("Une étagère abritée près de l'arrêt de tram.")
    main.get_by_role("button", name="Proposer l’idée").click()
    expect(main).to_contain_text(f"Idée « {IDEA} » proposée.")
    expect(main.locator("[data-idea]").filter(has_text=IDEA)).to_contain_text("en attente")

    # The group's facilitator takes the idea up and co-evaluates the follow-up there.
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(page, "facilitator")
    page.get_by_role("link", name="Groupes de coordination").click()
    main = page.get_by_role("main")
    idea = main.locator("[data-idea]").filter(has_text=IDEA)
    idea.get_by_label("Catégorie du projet").select_option("culture_sport")
    idea.get_by_role("button", name="Retenir l’idée").click()
    expect(main).to_contain_text(f"Idée « {IDEA} » retenue")
    [taken] = [p for p in demo.call("GET", "/projects")["items"] if p["name"] == IDEA]
    assert taken["sheet"]["group_id"] == garden["sheet"]["group_id"]
    assert taken["category"] == "culture_sport"
    card = main.locator(f'[data-project="{garden["id"]}"][data-followup="{quarter}"]')
    expect(card).to_contain_text(RESULTS)
    card.get_by_role("radio", name="En bonne voie", exact=True).check()
    card.get_by_label("Commentaire du groupe").fill("Le groupe relance la mairie pour l'eau.")
    card.get_by_role("button", name="Enregistrer la co-évaluation").click()
    expect(main).to_contain_text(f"Co-évaluation de {GARDEN} enregistrée.")
    expect(card).to_have_count(0)
    [judged] = [
        f for f in demo.call("GET", f"{path}/followups")["items"] if f["quarter"] == quarter
    ]
    assert judged["evaluation"]["assessment"] == "on_track"
    # And agrees one more indicator for the garden.
    agreed = main.locator(f'[data-indicators="{garden["id"]}"]')
    agreed.get_by_label("Nouvel indicateur").fill("Ateliers de jardinage")
    agreed.get_by_label("Unité").fill("ateliers")
    agreed.get_by_label("Cible").fill("6")
    agreed.get_by_role("button", name="Convenir de l’indicateur").click()
    expect(main).to_contain_text(f"Indicateur « Ateliers de jardinage » convenu pour {GARDEN}.")
    assert ("Ateliers de jardinage", "ateliers", 6) in [
        (i["name"], i["unit"], i["target"]) for i in demo.call("GET", f"{path}/indicators")["items"]
    ]
    violations += check(page, "followup-group")

    # The partner reads the garden's results beside its money.
    results = demo.call("GET", f"{path}/results")
    page = new_context(viewport=DESKTOP).new_page()
    demo.sign_in(page, "partner")
    main = page.get_by_role("main")
    section = main.locator(f'[data-results="{garden["id"]}"]')
    expect(section).to_contain_text(f"Résultats de {GARDEN}")
    money = section.get_by_test_id("results-money")
    for cents in (results["granted_cents"], results["spent_cents"], results["balance_cents"]):
        expect(money).to_contain_text(french_euros(cents))
    expect(section.locator(f'[data-followup="{quarter}"]')).to_contain_text(
        "Co-évaluation du groupe : En bonne voie"
    )
    expect(section.locator("table.indicators")).to_contain_text("14")
    violations += check(page, "followup-partner")
    page.get_by_role("button", name="English").click()
    expect(section).to_contain_text(f"Results of {GARDEN}")
    expect(section).to_contain_text("The group's co-evaluation: On track")
    violations += check(page, "followup-partner-en")
    assert violations == [], "\n".join(violations)
