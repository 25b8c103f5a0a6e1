"""The demo's shared goods: a catalogue of six kinds, two collection points with two
keepers each, deposits, a year of loans (most returned, a few overdue, a few current),
a transfer between the points and a few gifts.

Everything goes through the use cases with the keepers' real signatures on the points'
behalf. Ids and dates are fixed (SHA-256 of names, outside the derived namespace), so
a reload replays and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, timedelta
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.derived import named_client_id
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.signing import Signature
from mutual.store.outcomes import Outcome
from mutual.usecases import collection_points, goods
from mutual.usecases.flows import sign_and_record_or_raise
from mutual.usecases.runtime import Runtime

KINDS = (
    ("perceuse", "Perceuse", "Perceuse à percussion avec mèches béton, bois et métal"),
    ("escabeau", "Escabeau", "Escabeau alu 5 marches"),
    ("poussette", "Poussette", "Poussette pliable, de la naissance à 3 ans"),
    ("velo-enfant", "Vélo enfant", "Vélo 16 pouces avec petites roues"),
    ("appareil-raclette", "Appareil à raclette", "Appareil à raclette 8 personnes"),
    ("tente", "Tente", "Tente 4 places, montage rapide"),
)
POINTS = (
    ("Magasin pour rien de Bourtzwiller", "Bourtzwiller"),
    ("Point de collecte des Coteaux", "Coteaux"),
)
# The demo's year ends here (fixed, so that a reload composes the same transactions).
YEAR_END = date(2026, 11, 1)

Flow = Callable[[UUID, Sequence[Signature]], Awaitable[Outcome]]


def _id(name: str) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/goods/{name}")


async def _signed(rt: Runtime, point: UUID, key: Keypair, tx_id: UUID, flow: Flow) -> None:
    """The keeper signs the movement on the point's behalf (a replay once recorded)."""
    await sign_and_record_or_raise(
        lambda signatures: flow(tx_id, signatures), key, on_behalf_of=point
    )


async def load_goods_demo(
    rt: Runtime,
    operator: Principal,
    operator_key: Keypair,
    members: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
) -> None:
    """Catalogue, points, deposits, a year of loans and returns, a transfer, gifts."""
    for slug, name, description in KINDS:
        await collection_points.create_kind(rt, operator, slug, name, description)
    keepers = [(members[10], members[11]), (members[12], members[13])]
    points: list[UUID] = []
    for n, ((name, neighbourhood), pair) in enumerate(zip(POINTS, keepers, strict=True)):
        view = await collection_points.create_point(
            rt, operator, _id(f"point/{n}"), name, neighbourhood, [k.id for k in pair]
        )
        points.append(view.record.id)

    def keeper_key(point: int, n: int) -> Keypair:
        return keys[keepers[point][n % 2].id]

    # Deposits: each point receives every kind, some brought by members (independent
    # of one another, so sent together for the journal to batch).
    depositing = []
    for p, point in enumerate(points):
        for k, (slug, _, _) in enumerate(KINDS):
            donor = members[20 + 6 * p + k].id if k % 2 == 0 else None

            def deposit(
                tx: UUID,
                sigs: Sequence[Signature],
                s: str = slug,
                d: UUID | None = donor,
                at: UUID = point,
                count: int = 3 + k % 3,
            ) -> Awaitable[Outcome]:
                return goods.deposit(rt, operator, at, goods.Movement(tx, s, count), d, sigs)

            depositing.append(
                _signed(rt, point, keeper_key(p, k), _id(f"deposit/{p}/{slug}"), deposit)
            )
    await asyncio.gather(*depositing)

    # A year of loans: one a week or so, each by a different member; most came back,
    # a few are overdue, the last few are still out and due after the demo's year.
    # Loans of one kind at one point follow each other (the shelf's count); those of
    # different shelves are independent, so each shelf's chain runs beside the others.
    borrowers = members[40:]
    chains: dict[tuple[int, str], list[int]] = {}
    for n in range(48):
        chains.setdefault((n % 2, KINDS[(n // 2) % len(KINDS)][0]), []).append(n)

    async def shelf(p: int, slug: str, loans: list[int]) -> None:
        point = points[p]
        for n in loans:
            who = borrowers[n % len(borrowers)].id
            lent_on = YEAR_END - timedelta(days=365 - 7 * n)
            due_on = lent_on + timedelta(days=14) if n < 45 else date(2027, 1, 15)
            loan_id = _id(f"loan/{n}")

            def lend(
                tx: UUID, sigs: Sequence[Signature], m: UUID = who, d: date = due_on
            ) -> Awaitable[Outcome]:
                return goods.lend(rt, operator, point, goods.Movement(tx, slug, 1), m, d, sigs)

            await _signed(rt, point, keeper_key(p, n), loan_id, lend)
            if n % 9 == 4 or n >= 45:
                continue  # overdue (due within the year, never returned), or still current

            def back(
                tx: UUID, sigs: Sequence[Signature], loan: UUID = loan_id
            ) -> Awaitable[Outcome]:
                return goods.give_back(rt, operator, point, loan, tx, 1, sigs)

            await _signed(rt, point, keeper_key(p, n + 1), _id(f"return/{n}"), back)

    await asyncio.gather(*(shelf(p, slug, loans) for (p, slug), loans in chains.items()))

    # A transfer of tents from Bourtzwiller to the Coteaux, and a few gifts.
    def move(tx: UUID, sigs: Sequence[Signature]) -> Awaitable[Outcome]:
        req = goods.Movement(tx, "tente", 1)
        return goods.transfer(rt, operator, points[0], req, points[1], sigs)

    await _signed(rt, points[0], keeper_key(0, 0), _id("transfer/tente"), move)
    for n, (p, slug) in enumerate(((0, "poussette"), (1, "velo-enfant"), (1, "escabeau"))):
        receiver = members[30 + n].id

        def gift(
            tx: UUID,
            sigs: Sequence[Signature],
            s: str = slug,
            at: UUID = points[p],
            m: UUID = receiver,
        ) -> Awaitable[Outcome]:
            return goods.give(rt, operator, at, goods.Movement(tx, s, 1), m, None, sigs)

        await _signed(rt, points[p], keeper_key(p, n), _id(f"gift/{n}"), gift)
