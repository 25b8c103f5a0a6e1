"""The demo's territorial pact: a first version published early last quarter and signed
by a few dozen residents, who invited one another; a second version this quarter, which
some have signed again. The demo's first resident (``resident1``) signed it and invited
the second (``resident2``), who has not signed yet: the page's browser test signs there.
Written as of those moments (the runtime's clock set to each), loaded once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

from mutual.core.authority import Principal
from mutual.core.derived import named_client_id
from mutual.core.quarters import Quarter, quarter_of
from mutual.usecases import pact as usecase
from mutual.usecases.demo_logins import PERSONAS
from mutual.usecases.runtime import Runtime

FIRST_TEXT = """\
Pacte de coresponsabilité pour le bien-être de tous

Habitants, associations, entreprises et services publics du territoire, nous nous engageons à :
1. partager nos ressources (temps, savoirs, biens, argent) pour le bien-être de tous, \
générations futures comprises ;
2. décider ensemble, chaque trimestre, de l'usage des ressources mises en commun ;
3. évaluer ensemble les actions menées ;
4. inviter, chaque trimestre, au moins une autre personne à signer ce pacte."""

SECOND_TEXT = (
    FIRST_TEXT
    + """
5. rendre publics, sans nommer personne, les chiffres du fonds et les décisions prises."""
)

# Who signs, by their place among the demo's members (resident2 is left out: invited only).
FIRST_SIGNERS = range(21)
SECOND_SIGNERS = (0, 1, 2, 3, 5, 8, 13, PERSONAS["resident1"])


@contextmanager
def _at(rt: Runtime, moment: datetime) -> Iterator[None]:
    clock = rt.clock
    rt.clock = lambda: moment
    try:
        yield
    finally:
        rt.clock = clock


def _previous(quarter: Quarter) -> Quarter:
    return (
        Quarter(quarter.year - 1, 4)
        if quarter.number == 1
        else Quarter(quarter.year, quarter.number - 1)
    )


async def load_pact_demo(rt: Runtime, operator: Principal, members: Sequence[Principal]) -> None:
    """Idempotent: a territory whose pact has a version is left as it is."""
    if (await usecase.pact(rt)).versions:
        return
    now = rt.clock()
    last = _previous(quarter_of(now.date()))
    start = datetime.combine(last.starts_on, time(10), UTC)
    with _at(rt, start):
        await usecase.publish_version(
            rt,
            operator,
            "Pacte territorial de coresponsabilité",
            FIRST_TEXT,
            ["fr"],
            version_id=named_client_id("https://mutual.invalid/demo/pact/1"),
        )
    # The first signatories sign on the first day; each later one was invited by the one
    # before, a few days later (a chain of invitations, one per signatory and quarter).
    with _at(rt, start + timedelta(hours=1)):
        await usecase.sign(rt, members[FIRST_SIGNERS[0]], None, on_behalf_of=None)
    for n in FIRST_SIGNERS[1:]:
        with _at(rt, start + timedelta(days=2 + n)):
            await usecase.invite(rt, members[n - 1], members[n].id)
        with _at(rt, start + timedelta(days=3 + n)):
            await usecase.sign(rt, members[n], None, on_behalf_of=None)
    with _at(rt, min(now, datetime.combine(quarter_of(now.date()).starts_on, time(10), UTC))):
        await usecase.publish_version(
            rt,
            operator,
            "Pacte territorial de coresponsabilité (2e version)",
            SECOND_TEXT,
            ["fr"],
            version_id=named_client_id("https://mutual.invalid/demo/pact/2"),
        )
    for n in SECOND_SIGNERS:
        await usecase.sign(rt, members[n], None, on_behalf_of=None)
    await usecase.invite(rt, members[PERSONAS["resident1"]], members[PERSONAS["resident2"]].id)
