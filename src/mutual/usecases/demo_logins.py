"""The demo's way in: one login per role, on people the demo territory already holds,
each with the demo's one password, set through the sign-in machinery a person uses.

Who they are: two residents; a member of the coordination group; a facilitator of the
rounds; the lead of the shared garden (its custodian); a keeper of the Bourtzwiller
point (its custodian); the City of Mulhouse, a partner of the fund; an auditor; and
the operator the demo loads everything as. The roles each is given here are the
labels of what the demo made them (lead, keeper) or of the one thing it adds
(coordinator, facilitator, auditor); the roles printed are read back from the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from mutual.core.authority import Principal, Role
from mutual.core.derived import named_client_id
from mutual.core.ids import PrincipalId
from mutual.store import sign_in as sign_in_store
from mutual.store import timebank as timebank_store
from mutual.store.principals import ensure_principal
from mutual.usecases.access import Authenticator
from mutual.usecases.demo_fund import ORGANISATIONS
from mutual.usecases.demo_goods import POINTS
from mutual.usecases.runtime import Runtime
from mutual.usecases.sign_in import set_credentials

# Printed by `mutual serve --demo`: the demo's people are public, so is their password.
DEMO_PASSWORD = "mulhouse-demo"  # noqa: S105


# The demo's residents who get a login, by their place among the demo's members: the
# resident's, the coordinator's, the facilitator's, the garden's lead, the Bourtzwiller
# keeper. They sign in the page with a key they make there (``demo.hand_over_keys``).
PERSONAS = {
    "resident1": 20,
    "resident2": 21,
    "coordinator": 1,
    "facilitator": 2,
    "lead": 3,
    "keeper": 11,
}


@dataclass(frozen=True, slots=True)
class DemoLogin:
    what: str  # the role, as the demo's output names it
    login: str
    name: str  # who it is, in words
    roles: tuple[str, ...]  # as the store holds them


def _principal(name: str) -> PrincipalId:
    return PrincipalId(named_client_id(f"https://mutual.invalid/demo/{name}"))


def _people(
    operator: Principal, members: Sequence[Principal]
) -> list[tuple[str, str, PrincipalId, tuple[Role, ...], str | None]]:
    """(role, login, principal, roles to add, what they hold beyond a member's record)."""
    city_slug, city_name, _ = ORGANISATIONS[0]
    at = PERSONAS
    return [
        ("resident", "resident1", members[at["resident1"]].id, (), None),
        ("resident", "resident2", members[at["resident2"]].id, (), None),
        (
            "coordinator",
            "coordinator",
            members[at["coordinator"]].id,
            (Role.COORDINATION_MEMBER,),
            None,
        ),
        ("facilitator", "facilitator", members[at["facilitator"]].id, (Role.FACILITATOR,), None),
        (
            "project lead",
            "lead",
            members[at["lead"]].id,
            (Role.PROJECT_LEAD,),
            "Jardin partagé des Coteaux",
        ),
        ("keeper", "keeper", members[at["keeper"]].id, (Role.KEEPER,), POINTS[0][0]),
        ("partner", "partner", _principal(f"fund/principal/{city_slug}"), (), city_name),
        ("auditor", "auditor", _principal("auditor"), (Role.AUDITOR,), "auditor"),
        ("operator", "operator", operator.id, (), "operator"),
    ]


async def load_logins(
    rt: Runtime, operator: Principal, members: Sequence[Principal]
) -> list[DemoLogin]:
    """Each person's roles and login with the demo password (a login already set by an
    earlier load is kept as it is: its owner may have changed the password)."""
    authenticator = Authenticator(rt)

    async def one(
        what: str, login: str, pid: PrincipalId, roles: tuple[Role, ...], holds: str | None
    ) -> DemoLogin:
        await ensure_principal(rt.db, pid, roles, now=rt.clock())
        async with rt.db.reading() as conn:
            had = await sign_in_store.credential_of(conn, pid)
            held = await sign_in_store.roles_of(conn, pid)
            member = await timebank_store.get_member(conn, pid)
        if had is None:
            await set_credentials(
                rt,
                authenticator,
                Principal(pid, held),
                login=login,
                password=DEMO_PASSWORD,
                current=None,
            )
        name = member.display_name if member is not None else None
        words = ", ".join(x for x in (name, holds) if x) or str(pid)
        return DemoLogin(what, login, words, tuple(sorted(r.value for r in held)))

    # Password hashing is the slow part (argon2id): the verifiers' pool runs them together.
    return list(await asyncio.gather(*(one(*person) for person in _people(operator, members))))
