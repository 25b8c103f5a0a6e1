"""A small demo territory, loaded through the same write path as everything else.

Ids are derived from fixed names, so loading twice replays the same requests and
changes nothing: the journal answers them idempotently.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from mutual.core.accounts import OwnerKind
from mutual.core.authority import Principal, Role
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.store.principals import ensure_principal
from mutual.usecases.access import issue_token
from mutual.usecases.accounts import create_account
from mutual.usecases.keys import submit_key_event
from mutual.usecases.runtime import Runtime
from mutual.usecases.transactions import SignedTransaction, record_transactions

MEMBERS = 36
EXCHANGES = 320
HOUR = 60
SERVICES = [
    "Aide aux devoirs",
    "Réparation de vélo",
    "Accompagnement aux courses",
    "Cours de couture",
    "Jardinage partagé",
    "Traduction d'un courrier",
    "Garde d'enfants",
    "Initiation à l'informatique",
    "Petit bricolage",
    "Lecture à voix haute",
    "Cuisine du monde",
    "Visite à une personne âgée",
]


def _demo_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"https://mutual.invalid/demo/{name}")


def demo_keypair(name: str) -> Keypair:
    """A demo member's key: derived from a public name, so it protects nothing."""
    return Keypair(hashlib.sha256(f"mutual demo key/{name}".encode()).digest())


@dataclass(frozen=True, slots=True)
class DemoTerritory:
    members: list[Principal]
    accounts: dict[PrincipalId, AccountId]
    keys: dict[PrincipalId, Keypair]
    commons: AccountId


async def _register_key(rt: Runtime, operator: Principal, member: Principal, key: Keypair) -> None:
    event = KeyEvent(
        _demo_id(f"key/{member.id}"),
        KeyAction.REGISTER,
        member.id,
        by=operator.id,
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    outcome = await submit_key_event(
        rt, operator, event, [key.sign_key_event(rt.log.origin, event)]
    )
    if not outcome.accepted:
        raise RuntimeError(f"demo key registration refused: {outcome.body}")


async def _open_territory(rt: Runtime, operator: Principal) -> DemoTerritory:
    now = rt.clock()
    members: list[Principal] = []
    accounts: dict[PrincipalId, AccountId] = {}
    keys: dict[PrincipalId, Keypair] = {}
    for i in range(MEMBERS):
        member = Principal(PrincipalId(_demo_id(f"member/{i}")), frozenset({Role.MEMBER}))
        await ensure_principal(rt.db, member.id, member.roles, now=now)
        keys[member.id] = demo_keypair(f"member/{i}")
        await _register_key(rt, operator, member, keys[member.id])
        account, _ = await create_account(
            rt,
            operator,
            account_id=AccountId(_demo_id(f"account/{i}")),
            unit=TIME,
            owner_kind=OwnerKind.MEMBER,
            owner_id=str(member.id),
            balance_min=-20 * HOUR,
            balance_max=40 * HOUR,
        )
        members.append(member)
        accounts[member.id] = account.id
    commons, _ = await create_account(
        rt,
        operator,
        account_id=AccountId(_demo_id("account/commons")),
        unit=TIME,
        owner_kind=OwnerKind.COMMONS_POOL,
        owner_id="commons",
        balance_min=None,
        balance_max=None,
    )
    return DemoTerritory(members, accounts, keys, commons.id)


def _exchanges(territory: DemoTerritory) -> list[tuple[Principal, Transaction]]:
    # Demo data, not secrets; the seed (the action plan's year) fixes the territory.
    rng = random.Random(2013)  # noqa: S311
    out: list[tuple[Principal, Transaction]] = []
    for n in range(EXCHANGES):
        receiver, provider = rng.sample(territory.members, 2)
        minutes = rng.choice([30, 45, 60, 90, 120, 180])
        gift = n % 10 == 9
        credited = territory.commons if gift else territory.accounts[provider.id]
        tx_id = TransactionId(_demo_id(f"exchange/{n}"))
        tx = Transaction(
            tx_id,
            TransactionKind.COMMONS_GIFT if gift else TransactionKind.EXCHANGE,
            (
                Posting(territory.accounts[receiver.id], TIME, -minutes),
                Posting(credited, TIME, minutes),
            ),
            receiver.id,
            "Don au pot commun" if gift else rng.choice(SERVICES),
            memo_salt=hashlib.sha256(f"demo salt/{tx_id}".encode()).digest(),
        )
        out.append((receiver, tx))
    return out


async def load_demo_territory(rt: Runtime) -> str:
    """Load the demo (idempotently) and return a new operator token for it."""
    issued = await issue_token(
        rt, roles=[Role.OPERATOR], principal_id=PrincipalId(_demo_id("operator"))
    )
    operator = Principal(issued.principal_id, frozenset({Role.OPERATOR}))
    territory = await _open_territory(rt, operator)
    await asyncio.gather(
        *(
            record_transactions(
                rt,
                principal,
                [
                    SignedTransaction(
                        tx,
                        (territory.keys[principal.id].sign_transaction(rt.log.origin, tx),),
                    )
                ],
                atomic=False,
            )
            for principal, tx in _exchanges(territory)
        )
    )
    return issued.token
