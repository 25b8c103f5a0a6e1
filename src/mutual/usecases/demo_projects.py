"""The demo's projects followed after funding: the coordination group following each demo
project (the facilitator persona facilitates them, each project's lead sits in its
own), each project's sheet, the indicators its group agreed, and last quarter's
follow-up filed by its lead and co-evaluated by the group. This quarter's follow-up of
the shared garden (the lead persona's project) is left for the lead to file.

Everything goes through the use cases; ids derive from fixed names and each step is
skipped when the store already holds it, so a reload changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.derived import named_client_id
from mutual.core.groups import GroupAction, GroupKind
from mutual.core.quarters import quarter_of
from mutual.usecases import groups, project_followups, project_sheets
from mutual.usecases.demo_logins import PERSONAS
from mutual.usecases.runtime import Runtime


@dataclass(frozen=True, slots=True)
class DemoFollowup:
    results: str
    obstacles: str
    needs: str
    values: tuple[int, ...]  # one per indicator, in order
    assessment: str
    comment: str


@dataclass(frozen=True, slots=True)
class DemoSheet:
    group: tuple[GroupKind, str, str | None]  # kind, name, neighbourhood
    residents: tuple[int, ...]  # members of the group beside the lead and facilitator
    description: str
    neighbourhood: str
    status: str
    needs: tuple[int, int, str]  # cents, minutes, goods
    indicators: tuple[tuple[str, str, int], ...]  # name, unit, target
    last_quarter: DemoFollowup


# Index n is the demo's project n (``demo.DEMO_PROJECTS``), led by members[3 + n].
SHEETS = (
    DemoSheet(
        (GroupKind.NEIGHBOURHOOD, "Groupe des Coteaux", "Coteaux"),
        (PERSONAS["resident1"], 30, 31),
        "Des bacs potagers au pied des tours, cultivés par les familles du quartier, "
        "et un repas partagé à chaque récolte.",
        "Coteaux",
        "in_progress",
        (1_500_000, 200 * 60, "Bacs en bois, terreau, arrosoirs, un cabanon"),
        (("Familles jardinières", "familles", 20), ("Récoltes partagées", "kg", 300)),
        DemoFollowup(
            "Huit bacs installés ; onze familles cultivent leur bac.",
            "L'arrivée d'eau n'est pas encore posée : on arrose avec des bidons.",
            "Un robinet extérieur, et des bénévoles le samedi matin.",
            (11, 40),
            "partly",
            "Bien lancé ; l'eau reste le frein principal, à porter au groupe ressource.",
        ),
    ),
    DemoSheet(
        (GroupKind.RESOURCE, "Groupe ressource énergie", None),
        (40, 41),
        "Un atelier mensuel où l'on répare ensemble appareils et vélos plutôt que de jeter.",
        "Bourtzwiller",
        "in_progress",
        (500_000, 80 * 60, "Outillage, pièces détachées"),
        (("Objets réparés", "objets", 150),),
        DemoFollowup(
            "Trois ateliers, 42 objets réparés sur 55 apportés.",
            "Peu de réparateurs bénévoles en électronique.",
            "Une formation à la réparation de petit électroménager.",
            (42,),
            "on_track",
            "Au rythme prévu.",
        ),
    ),
    DemoSheet(
        (GroupKind.LIFE_SLICE, "Groupe jeunesse", None),
        (50, 51),
        "Aide aux devoirs deux soirs par semaine, avec des étudiants et des retraités.",
        "Drouot-Barbanègre",
        "funded",
        (400_000, 150 * 60, "Livres, ordinateurs reconditionnés"),
        (("Élèves suivis", "élèves", 30),),
        DemoFollowup(
            "Douze élèves suivis depuis la rentrée.",
            "Les familles découvrent le dispositif tard : peu de relais à l'école.",
            "Un relais auprès des enseignants.",
            (12,),
            "off_track",
            "Moins d'élèves que prévu : le groupe propose d'aller vers les écoles.",
        ),
    ),
)


def _demo_id(name: str) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/{name}")


async def _group(
    rt: Runtime, operator: Principal, n: int, sheet: DemoSheet, people: Sequence[UUID]
) -> UUID:
    """The project's group, with its people and the facilitator persona facilitating."""
    kind, name, neighbourhood = sheet.group
    found = await groups.create_group(
        rt, operator, kind, name, neighbourhood, group_id=_demo_id(f"group/{n}")
    )
    for member in people:
        if not found.is_member(member):
            found = await groups.change_member(
                rt, operator, found.id, member, GroupAction.MEMBER_JOINED
            )
    facilitator = people[0]
    if found.facilitator != facilitator:
        await groups.change_member(rt, operator, found.id, facilitator, GroupAction.FACILITATOR_SET)
    return found.id


async def load_projects_demo(
    rt: Runtime, operator: Principal, members: Sequence[Principal]
) -> None:
    today = rt.clock().date()
    this_quarter = quarter_of(today)
    last_quarter = quarter_of(this_quarter.starts_on - timedelta(days=1))
    facilitator = members[PERSONAS["facilitator"]]
    for n, sheet in enumerate(SHEETS):
        lead = members[3 + n]
        project_id = _demo_id(f"project/{n}")
        people = [facilitator.id, lead.id, *(members[i].id for i in sheet.residents)]
        group_id = await _group(rt, operator, n, sheet, people)
        cents, minutes, goods = sheet.needs
        await project_sheets.update_sheet(
            rt,
            operator,
            project_id,
            {
                "description": sheet.description,
                "neighbourhood": sheet.neighbourhood,
                "group_id": group_id,
                "status": sheet.status,
                "starts_on": last_quarter.starts_on,
                "ends_on": this_quarter.next.last_day,
                "needs_eur": cents,
                "needs_minutes": minutes,
                "needs_goods": goods,
            },
        )
        agreed = {i.name: i for i in await project_followups.indicators(rt, operator, project_id)}
        for name, unit, target in sheet.indicators:
            if name not in agreed:
                agreed[name] = await project_followups.define_indicator(
                    rt, facilitator, project_id, project_followups.NewIndicator(name, unit, target)
                )
        done = sheet.last_quarter
        filed = {f.quarter: f for f in await project_followups.followups(rt, operator, project_id)}
        if str(last_quarter) not in filed:
            values = {
                agreed[name].id: value
                for (name, _, _), value in zip(sheet.indicators, done.values, strict=True)
            }
            new = project_followups.NewFollowup(done.results, done.obstacles, done.needs, values)
            await project_followups.file_followup(rt, lead, project_id, str(last_quarter), new)
        if str(last_quarter) not in filed or not filed[str(last_quarter)].closed:
            await project_followups.evaluate_followup(
                rt, facilitator, project_id, str(last_quarter), done.assessment, done.comment
            )
