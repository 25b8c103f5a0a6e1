"""The demo's intake: a neighbourhood group around the first demo resident (whose login
shows the group's page), a survey tool that residents of that neighbourhood consented to,
the needs and offers it recorded in their name (which go to the group), and anonymous
well-being answers on each of the territory's criteria. Idempotent, as the whole demo."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from mutual.core.authority import Principal, Role
from mutual.core.derived import named_client_id
from mutual.core.groups import GroupAction, GroupKind
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.permissions import Scope
from mutual.core.territory_lists import ListKind
from mutual.store import intake as intake_store
from mutual.store import territory_lists as lists_store
from mutual.store import timebank as member_store
from mutual.store.principals import service_tokens
from mutual.usecases import groups, intake, territory_lists, wellbeing
from mutual.usecases.access import create_service_client
from mutual.usecases.demo_logins import PERSONAS
from mutual.usecases.runtime import Runtime

TOOL = "Auto-enquête bien-être"
NEEDS = [
    ("request", "Aide pour remplir un dossier de logement", "citizenship"),
    ("request", "Accompagnement chez le médecin", "health"),
    ("offer", "Je peux garder des enfants le mercredi", "childhood"),
    ("offer", "Cours de couture", "culture_sport"),
    ("request", "Quelqu'un pour arroser mes plantes en août", "time"),
    ("offer", "Réparation de petits appareils", "energy"),
]


async def _tool(rt: Runtime, operator: Principal) -> Principal:
    for token in await service_tokens(rt.db):
        if token.name == TOOL and token.revoked_at is None:
            return Principal(PrincipalId(token.principal_id), frozenset({Role.SERVICE}))
    made = await create_service_client(
        rt, operator, name=TOOL, scopes=[Scope.INTAKE_WRITE.value], ttl=None
    )
    return Principal(made.principal_id, frozenset({Role.SERVICE}))


async def load_intake_demo(
    rt: Runtime,
    operator: Principal,
    operator_key: Keypair,
    members: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
) -> None:
    resident = members[PERSONAS["resident1"]]
    async with rt.db.reading() as conn:
        record = await member_store.get_member(conn, resident.id)
        neighbours = [
            m.id
            for m in members
            if (found := await member_store.get_member(conn, m.id)) is not None
            and record is not None
            and found.neighbourhood == record.neighbourhood
        ]
    if record is None or record.neighbourhood is None:
        return
    place = record.neighbourhood
    gid = named_client_id(f"https://mutual.invalid/demo/group/{place}")
    group = await groups.create_group(
        rt, operator, GroupKind.NEIGHBOURHOOD, f"Groupe {place}", place, group_id=gid
    )
    if not group.is_member(resident.id):
        await groups.change_member(rt, operator, gid, resident.id, GroupAction.MEMBER_JOINED)
    tool = await _tool(rt, operator)
    async with rt.db.reading() as conn:
        done = await intake_store.recorded(conn, neighbourhood=place, after=None, limit=1)
    if not done:
        others = [m for m in neighbours if m != resident.id][: len(NEEDS)]
        for member_id, (direction, title, category) in zip(others, NEEDS, strict=False):
            await intake.grant(rt, Principal(member_id, frozenset({Role.MEMBER})), tool.id)
            await intake.record(
                rt,
                tool,
                member_id,
                direction=direction,
                title=title,
                description="",
                category=category,
                estimated_minutes=None,
            )
    async with rt.db.reading() as conn:
        answered = await lists_store.wellbeing(conn, None, None)
    if answered:
        return
    rng = random.Random(25)  # noqa: S311 -- the demo's answers, not a secret
    criteria = await territory_lists.entries(rt, ListKind.WELLBEING_CRITERION)
    places = [e.code for e in await territory_lists.entries(rt, ListKind.NEIGHBOURHOOD)][:6]
    for criterion in criteria:
        for where in places:
            await wellbeing.record(
                rt,
                tool,
                criterion=criterion.code,
                scores=[rng.randint(2, 9) for _ in range(rng.randint(4, 12))],
                member_id=None,
                neighbourhood=where,
                age_band=None,
            )
