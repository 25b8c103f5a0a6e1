"""A demo territory, loaded through the same write paths as everything else.

A few hundred members across Mulhouse's neighbourhoods, offers and requests in every
category of the taxonomy, some thousands of exchanges (most balances end within ±10 h),
proposals pending and expired, gifts to the commons and a few corrections. Ids are
derived from fixed names, so loading twice replays the same requests and changes
nothing: the journal answers them idempotently.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from mutual.core.age_bands import AGE_BANDS
from mutual.core.authority import Principal, Role
from mutual.core.commons import commons_principal
from mutual.core.derived import named_client_id
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.signing import Signature
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.store import timebank as timebank_store
from mutual.store.outcomes import Outcome
from mutual.store.timebank import MemberRecord, OfferFilter
from mutual.usecases import associations, commons, exchanges, limits, members, offers, projects
from mutual.usecases.access import issue_token
from mutual.usecases.demo_fund import (
    GRANTS,
    ORGANISATIONS,
    PAYMENTS,
    load_fund_demo,
    partner_keypair,
    partner_principal,
)
from mutual.usecases.demo_goods import KINDS, POINTS, load_goods_demo
from mutual.usecases.demo_intake import load_intake_demo
from mutual.usecases.demo_logins import PERSONAS, DemoLogin, load_logins
from mutual.usecases.demo_pact import load_pact_demo
from mutual.usecases.demo_pledges import load_pledges_demo
from mutual.usecases.demo_projects import SHEETS as PROJECT_SHEETS
from mutual.usecases.demo_projects import load_projects_demo
from mutual.usecases.demo_rounds import load_rounds_demo
from mutual.usecases.flows import sign_and_record_or_raise
from mutual.usecases.keys import key_event_write, public_keys, submit_key_event
from mutual.usecases.notifications import catch_up
from mutual.usecases.runtime import Runtime
from mutual.usecases.transactions import SignedTransaction, record_transactions, reversal_of

MEMBERS = 300
EXCHANGES = 3000
HOUR = 60
NEIGHBOURHOODS = [
    "Bourtzwiller",
    "Drouot-Barbanègre",
    "Coteaux",
    "Franklin-Fridolin",
    "Vauban-Neppert",
    "Briand",
    "Dornach",
    "Rebberg",
    "Centre historique",
    "Nordfeld",
]
FIRST_NAMES = [
    "Amina",
    "Louis",
    "Fatou",
    "Hugo",
    "Leïla",
    "Jules",
    "Nadia",
    "Théo",
    "Sofia",
    "Karim",
    "Chloé",
    "Mehdi",
    "Inès",
    "Lucas",
    "Yasmine",
    "Paul",
    "Aïcha",
    "Noé",
    "Emma",
    "Bilal",
]
SERVICES: dict[str, list[str]] = {
    "childhood": ["Garde d'enfants", "Lecture à voix haute"],
    "youth": ["Aide aux devoirs", "Accompagnement au permis"],
    "work": ["Relecture de CV", "Préparation d'entretien"],
    "citizenship": ["Traduction d'un courrier", "Aide aux démarches en ligne"],
    "family": ["Accompagnement aux courses", "Cuisine du monde"],
    "lifelong_learning": ["Initiation à l'informatique", "Conversation en allemand"],
    "elderly": ["Visite à une personne âgée", "Petites courses"],
    "culture_sport": ["Réparation de vélo", "Cours de guitare"],
    "health": ["Accompagnement à un rendez-vous médical", "Marche douce"],
    "social_reintegration": ["Aide à l'installation", "Écoute et orientation"],
    "energy": ["Conseils pour réduire sa facture", "Pose de joints isolants"],
    "land_buildings": ["Jardinage partagé", "Petit bricolage"],
    "time": ["Coordination d'un groupe", "Tenue d'une permanence"],
    "money": ["Aide au budget", "Tenue de comptes d'association"],
    "information": ["Affichage dans le quartier", "Mise à jour du site du quartier"],
}
DURATIONS = [30, 45, 60, 60, 90, 120, 180]


def _demo_id(name: str) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/{name}")


def demo_keypair(name: str) -> Keypair:
    """A demo member's key: derived from a public name, so it protects nothing."""
    return Keypair(hashlib.sha256(f"mutual demo key/{name}".encode()).digest())


@dataclass(frozen=True, slots=True)
class DemoTerritory:
    members: list[Principal]
    accounts: dict[PrincipalId, AccountId]
    keys: dict[PrincipalId, Keypair]
    commons: AccountId


async def _register_key(
    rt: Runtime, operator: Principal, who: PrincipalId, key: Keypair, capacity: Capacity
) -> None:
    # A member's key is registered by the member (core.key_custody): the demo holds the
    # generated key, so it signs and asks as the member; an operator key as the operator.
    member = capacity is Capacity.MEMBER
    asking = Principal(who, frozenset({Role.MEMBER})) if member else operator
    event = KeyEvent(
        _demo_id(f"key/{who}"),
        KeyAction.REGISTER,
        who,
        by=asking.id,
        public_key=key.public_key,
        capacity=capacity,
    )
    outcome = await submit_key_event(rt, asking, event, [key.sign_key_event(rt.log.origin, event)])
    if not outcome.accepted:
        raise RuntimeError(f"demo key registration refused: {outcome.body}")


def _application(rt: Runtime, i: int, name: str) -> dict[str, Any]:
    return {
        "id": PrincipalId(_demo_id(f"member/{i}")),
        "status": "applied",
        "display_name": name,
        "neighbourhood": NEIGHBOURHOODS[i % len(NEIGHBOURHOODS)],
        "contact": {
            "email": {
                "value": f"membre{i}@example.org",
                "visibility": "members" if i % 3 else "coordinators",
            }
        },
        "languages": ["fr"] if i % 4 else ["fr", "de"],
        # Most give an age band, as the reports by band expect; some do not.
        "age_band": AGE_BANDS[i % len(AGE_BANDS)] if i % 7 else None,
        "applied_at": rt.clock(),
    }


async def _apply(rt: Runtime, names: list[str]) -> dict[PrincipalId, MemberRecord]:
    """Every resident's application (those not made by an earlier load), in one write."""
    wanted = [_application(rt, i, name) for i, name in enumerate(names)]
    async with rt.db.writing() as conn:
        found = {}
        for values in wanted:
            record = await timebank_store.get_member(conn, values["id"])
            if record is None:
                await timebank_store.insert_member(conn, values)
                record = await timebank_store.get_member(conn, values["id"])
            assert record is not None
            found[record.id] = record
    return found


async def _accepted(
    rt: Runtime, operator: Principal, record: MemberRecord
) -> tuple[Principal, AccountId]:
    """Accepted by a coordinator, as a resident would be, unless an earlier load did."""
    if record.status == "applied":
        record = (await members.accept(rt, operator, record.id)).member
    assert record.account_id is not None
    return Principal(PrincipalId(record.id), frozenset({Role.MEMBER})), record.account_id


async def _open_territory(rt: Runtime, operator: Principal) -> DemoTerritory:
    # Demo data, not secrets; the seed (the action plan's year) fixes the territory.
    rng = random.Random(2013)  # noqa: S311
    await _register_key(rt, operator, operator.id, demo_keypair("operator"), Capacity.OPERATOR)
    names = [f"{rng.choice(FIRST_NAMES)} {chr(65 + i % 26)}." for i in range(MEMBERS)]

    applications = list((await _apply(rt, names)).values())

    async def newcomer(i: int) -> tuple[Principal, AccountId, Keypair]:
        member, account_id = await _accepted(rt, operator, applications[i])
        key = demo_keypair(f"member/{i}")
        await _register_key(rt, operator, member.id, key, Capacity.MEMBER)
        return member, account_id, key

    joined = await asyncio.gather(*(newcomer(i) for i in range(MEMBERS)))
    people = [member for member, _, _ in joined]
    accounts = {member.id: account_id for member, account_id, _ in joined}
    keys = {member.id: key for member, _, key in joined}
    # The commons pot, and the demo's coordinator appointed to pay from it.
    pot = await commons.appoint_coordinator(rt, operator, people[PERSONAS["coordinator"]].id)
    return DemoTerritory(people, accounts, keys, pot.account.id)


# An association of the territory taking part in the time bank, and the demo's first
# resident appointed to act for it (their page offers to record exchanges for it).
DEMO_ASSOCIATION = "Entraide Bourtzwiller"


async def _association(rt: Runtime, operator: Principal, territory: DemoTerritory) -> None:
    view = await associations.register(
        rt,
        operator,
        _demo_id("association/entraide"),
        name=DEMO_ASSOCIATION,
        neighbourhood="Bourtzwiller",
    )
    await associations.appoint(
        rt, operator, view.record.id, territory.members[PERSONAS["resident1"]].id
    )


async def _limits(rt: Runtime, operator: Principal, territory: DemoTerritory) -> None:
    """The coordination group raised the territory's ceiling to +50 h, and gave three
    members in a hard year room down to -30 h (ledger records, replayed on reload)."""
    for member in territory.members[:3]:
        await limits.set_member_limits(
            rt,
            operator,
            member.id,
            change_id=_demo_id(f"limits/{member.id}"),
            balance_min=-30 * HOUR,
            balance_max=40 * HOUR,
        )
    await limits.set_territory_limits(
        rt,
        operator,
        change_id=_demo_id("limits/territory"),
        balance_min=-20 * HOUR,
        balance_max=50 * HOUR,
    )


DEMO_PROJECTS = (
    ("Jardin partagé des Coteaux", "land_buildings", "neighbourhood", "Groupe des Coteaux", True),
    ("Repair café de Bourtzwiller", "energy", "resource", "Groupe ressource énergie", False),
    ("Accompagnement scolaire", "youth", "thematic", "Groupe jeunesse", True),
)


async def _projects(rt: Runtime, operator: Principal, territory: DemoTerritory) -> None:
    """A few projects of the territorial plan, each led by a member (replayed on reload)."""
    for n, (name, category, group_kind, group_name, pays_time) in enumerate(DEMO_PROJECTS):
        lead = territory.members[3 + n]
        await projects.create_project(
            rt,
            operator,
            _demo_id(f"project/{n}"),
            projects.NewProject(name, category, group_kind, group_name, lead.id, pays_time),
        )


def _exchanges(territory: DemoTerritory) -> list[tuple[Principal, Transaction]]:
    """Exchanges between random members that keep every balance within ±20 h (a
    resident would not be let past the bound, and most stay within ±10 h)."""
    rng = random.Random(1789)  # noqa: S311
    balances = dict.fromkeys(territory.accounts.values(), 0)
    categories = list(SERVICES)
    out: list[tuple[Principal, Transaction]] = []
    for n in range(EXCHANGES):
        receiver, provider = rng.sample(territory.members, 2)
        minutes = rng.choice(DURATIONS)
        gift = n % 25 == 24
        paying = territory.accounts[receiver.id]
        credited = territory.commons if gift else territory.accounts[provider.id]
        if balances[paying] - minutes < -20 * HOUR or (
            not gift and balances[credited] + minutes > 20 * HOUR
        ):
            continue
        balances[paying] -= minutes
        if not gift:
            balances[credited] += minutes
        category = rng.choice(categories)
        tx_id = TransactionId(_demo_id(f"exchange/{n}"))
        tx = Transaction(
            tx_id,
            TransactionKind.COMMONS_GIFT if gift else TransactionKind.EXCHANGE,
            (Posting(paying, TIME, -minutes), Posting(credited, TIME, minutes)),
            receiver.id,
            "Don au pot commun" if gift else rng.choice(SERVICES[category]),
            {} if gift else {"category": category},
            memo_salt=hashlib.sha256(f"demo salt/{tx_id}".encode()).digest(),
        )
        out.append((receiver, tx))
    return out


async def _offers(rt: Runtime, territory: DemoTerritory) -> None:
    rng = random.Random(1848)  # noqa: S311
    async with rt.db.reading() as conn:
        existing = await timebank_store.search_offers(
            conn, OfferFilter(include_closed=True), now=rt.clock(), limit=1
        )
    if existing:
        return
    plan = []
    for n, member in enumerate(territory.members):
        category = list(SERVICES)[n % len(SERVICES)]
        title, minutes = rng.choice(SERVICES[category]), rng.choice(DURATIONS)
        plan.append((n, member, category, title, minutes))
    await asyncio.gather(
        *(
            offers.publish(
                rt,
                member,
                direction="request" if n % 3 == 0 else "offer",
                title=title,
                description="Proposé dans le cadre du pacte territorial.",
                category=category,
                neighbourhood=NEIGHBOURHOODS[n % len(NEIGHBOURHOODS)],
                estimated_minutes=minutes,
            )
            for n, member, category, title, minutes in plan
        )
    )


async def _proposals(rt: Runtime, territory: DemoTerritory) -> None:
    """Some proposals waiting for their receiver, and some that expired unanswered."""
    clock = rt.clock
    for n in range(40):
        provider = territory.members[n]
        receiver = territory.members[(n * 7 + 3) % len(territory.members)]
        if provider == receiver:
            continue
        expired = n % 4 == 0
        if expired:
            # Recorded as if a month ago, so that it is past its expiry now.
            rt.clock = lambda: clock() - timedelta(days=30)
        try:
            await exchanges.propose(
                rt,
                provider,
                proposal_id=_demo_id(f"proposal/{n}"),
                receiver=receiver.id,
                minutes=60,
                memo=SERVICES["family"][n % 2],
                offer_id=None,
                category="family",
            )
        finally:
            rt.clock = clock
    await exchanges.expire_due(rt)


async def _corrections(
    rt: Runtime, operator: Principal, key: Keypair, recorded: list[Transaction]
) -> None:
    """A few exchanges recorded by mistake, reversed by a coordinator with a reason."""
    for n, original in enumerate(recorded[10:200:40]):
        tx = await reversal_of(
            rt,
            original.id,
            reversal_id=TransactionId(_demo_id(f"correction/{n}")),
            memo="Échange saisi par erreur",
            memo_salt=hashlib.sha256(f"demo correction/{n}".encode()).digest(),
            initiator=operator,
        )
        await record_transactions(
            rt,
            operator,
            [SignedTransaction(tx, (key.sign_transaction(rt.log.origin, tx),))],
            atomic=False,
        )


POT_WORK = (
    "Tenue de la permanence du jardin partagé",
    "Affichage des rendez-vous du quartier",
    "Accueil à la réunion de quartier",
)


async def _pot_payments(rt: Runtime, territory: DemoTerritory) -> None:
    """The coordination paid a few residents from the commons pot for territorial work,
    signed for the commons by the demo's coordinator (appointed in ``_open_territory``)."""
    coordinator = territory.members[PERSONAS["coordinator"]]
    acting = Principal(coordinator.id, frozenset({Role.MEMBER, Role.COORDINATION_MEMBER}))
    for n, work in enumerate(POT_WORK):
        await _pay_from_pot(rt, acting, territory, n, territory.members[30 + n].id, work)


async def _pay_from_pot(
    rt: Runtime, acting: Principal, territory: DemoTerritory, n: int, paid: UUID, work: str
) -> None:
    async def call(signatures: Sequence[Signature]) -> Outcome:
        return await commons.pay(
            rt,
            acting,
            tx_id=_demo_id(f"pot/payment/{n}"),
            member_id=paid,
            minutes=90,
            memo=work,
            memo_salt=hashlib.sha256(f"demo pot/{n}".encode()).digest()[:16],
            signatures=signatures,
        )

    key = territory.keys[acting.id]
    await sign_and_record_or_raise(call, key, on_behalf_of=commons_principal())


@dataclass(frozen=True, slots=True)
class DemoLoaded:
    token: str  # a new operator token, for the API
    logins: list[DemoLogin]


async def hand_over_keys(rt: Runtime, territory: DemoTerritory) -> None:
    """The people who get a login sign in the page with a key they make there, as a
    newcomer does: the demo, which signed their history with keys it derived, revokes
    those keys with themselves (only a member's own key may), so that the page's key is
    a first key again (``core.key_custody``). Written straight to the journal: a notice
    "one of your keys was revoked" would only puzzle whoever tries the demo. The city,
    the partner with a login, hands over its key the same way."""
    city = ORGANISATIONS[0][0]
    handed = [
        (territory.members[i].id, territory.keys[territory.members[i].id])
        for i in PERSONAS.values()
    ]
    handed.append((partner_principal(city), partner_keypair(city)))
    for who, key in handed:
        event = KeyEvent(
            _demo_id(f"key/{who}/handed-over"),
            KeyAction.REVOKE,
            who,
            key_id=key.key_id,
            reason="retired",
        )
        write = key_event_write(rt, event, (key.sign_key_event(rt.log.origin, event),))
        [outcome] = await rt.journal.submit([write], atomic=False, recorded_at=rt.clock())
        if not outcome.accepted:
            raise RuntimeError(f"the demo could not hand over a key: {outcome.body}")


def _quiet(_line: str) -> None:
    pass


async def load_demo_territory(rt: Runtime, progress: Callable[[str], None] = _quiet) -> DemoLoaded:
    """Load the demo (idempotently), telling ``progress`` of each part as it is loaded,
    and return a new operator token and the demo's logins."""
    started = time.monotonic()

    def done(line: str) -> None:
        progress(f"[{time.monotonic() - started:5.1f} s] {line}")

    issued = await issue_token(
        rt, roles=[Role.OPERATOR], principal_id=PrincipalId(_demo_id("operator"))
    )
    operator = Principal(issued.principal_id, frozenset({Role.OPERATOR}))
    territory = await _open_territory(rt, operator)
    done(f"residents: {len(territory.members)} accepted, each with a TIME account and a key")
    await _limits(rt, operator, territory)
    done("limits: the territory's bounds, and 3 residents' own")
    await _projects(rt, operator, territory)
    done(f"projects: {len(DEMO_PROJECTS)}, each led by a resident")
    pooling = (operator, demo_keypair("operator"), territory.members, territory.keys)
    await load_pledges_demo(rt, *pooling)
    done("volunteer time: 160 pledges over three quarters, two allocations, deliveries")
    await load_fund_demo(rt, *pooling)
    done(
        f"fund: {len(ORGANISATIONS) + 1} partners, their gifts and deposits, "
        f"{len(GRANTS)} grants, {len(PAYMENTS)} payments"
    )
    await load_goods_demo(rt, *pooling)
    done(f"shared goods: {len(KINDS)} kinds at {len(POINTS)} points, a year of loans")
    await load_rounds_demo(rt, *pooling)
    done("rounds: last quarter's executed, this quarter's open for voting")
    await load_projects_demo(rt, operator, territory.members)
    done(
        f"project follow-up: {len(PROJECT_SHEETS)} groups and sheets, indicators, last "
        "quarter's follow-ups co-evaluated"
    )
    recorded = _exchanges(territory)
    # Read the signers' keys once, before thousands of concurrent checks all miss the
    # cache together and each read them.
    await public_keys(rt, (key.key_id for key in territory.keys.values()))
    outcomes = await asyncio.gather(
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
            for principal, tx in recorded
        )
    )
    accepted = sum(outcome.accepted for answers in outcomes for outcome in answers)
    done(f"exchanges: {accepted} recorded (gifts to the commons among them)")
    exchanges_only = [tx for _, tx in recorded if tx.kind is TransactionKind.EXCHANGE]
    await _corrections(rt, operator, demo_keypair("operator"), exchanges_only)
    await _pot_payments(rt, territory)
    await _offers(rt, territory)
    done(
        f"offers and requests: {len(territory.members)}, a few corrections, "
        f"{len(POT_WORK)} payments from the commons pot"
    )
    await _proposals(rt, territory)
    await catch_up(rt)
    done("proposals waiting or expired; every resident's notifications")
    await _association(rt, operator, territory)
    await load_pact_demo(rt, operator, territory.members)
    done("pact: two versions, their signatures and invitations; resident2 invited")
    # After the offers: their loader adds none once any exists, and intake's are offers.
    await load_intake_demo(rt, *pooling)
    done("intake: a neighbourhood group, a survey tool's needs, offers and well-being answers")
    await hand_over_keys(rt, territory)
    logins = await load_logins(rt, operator, territory.members)
    done(f"logins: {len(logins)}, one per role")
    return DemoLoaded(issued.token, logins)
