"""A realistic mixed load, and whether every acknowledged write survived it.

For each store (`--store`, SQLite and PostgreSQL by default) it starts `mutual serve` on a
fresh database and sets up a territory through the API, as people would: members apply,
are accepted (a TIME account at the default bounds) and register their own Ed25519 key;
each posts an offer and pledges an hour for this quarter; a coordinator opens the commons
pool, three projects and a collection point whose keeper deposits two kinds of goods, and
registers an operator key; two partners (a city, a foundation) are named and the city
gives the fund 5,000 euros; an allocation round is drafted, the projects submit (euros
and hours), the roll and both budgets are frozen, everyone takes a stance (one
objection), so the round goes to a ballot whose deadline falls inside the run.

Then closed-loop clients (aiohttp) run a weighted mix for `--seconds` or `--requests`,
whichever ends first (and at least until the round is executed): exchanges (the provider
proposes, the receiver signs the confirmation), statements, offer searches, new offers,
pledges (composed by the service, signed by the member), loans and returns (signed by a
keeper on the point's behalf), inclusion proofs of acknowledged writes, gifts to the
commons pool, the partners' gifts to the fund, grants to projects and the coordinators'
allocations of pledged minutes (both signed by the operator key), and the leads'
deliveries (signed on the project's behalf). On top: a third of the way in, gifts from
every member at once; `--ballot-lead` seconds before the ballot's deadline, every voter's
signed ballot together; just after the deadline a few voters' second ballots, composed
before it and signed, which the service must refuse (`deadline_passed`, counted as
refused, not as errors); then the ballot is closed, the round's result read and the
decision executed (a grant from the fund and an allocation of pledged minutes, signed by
the operator key).

Each write acknowledged is kept with what it should have changed: the postings its
signer signed, a proposal's status, an offer, a ballot's choice and log index. Afterwards
every one is read back, every balance of every unit is compared with the sum of the
acknowledged postings (so a lost, duplicated or unacknowledged effect shows), each unit
sums to zero, the pool holds exactly the acknowledged gifts, the fund exactly the
acknowledged contributions less the grants, each member's pledge shows what was
acknowledged (delivered within allocated within pledged), the tally counted exactly the
acknowledged ballots and none refused, the execution is there as decided, and the export
verifies offline.

    .venv/bin/python -m load_tests.mix [--store sqlite|postgres ...] [--seconds 20]
        [--requests 200000] [--clients 32] [--members 60] [--ballot-lead 3]

Writes the report to stdout and to load_tests/results/mix-<store>.{md,json}; exits 1
when anything acknowledged is missing or wrong, an invariant fails, a ballot was taken
after its deadline, the export does not verify, or the service answered a 5xx or not at
all.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from load_tests.harness import (
    ROOT,
    Resident,
    Server,
    Store,
    Territory,
    check_ledger,
    join_member,
    new_server,
    operator_token,
    percentile_ms,
    post_json,
    register_key,
    sign_composed,
    signed_transfer,
    unit_balances,
    units_balance,
    verify_export,
    wait_healthy,
)
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.pledges import allocated_account
from mutual.core.quarters import parse_quarter
from mutual.core.registry import Capacity
from mutual.core.signing import Domain
from mutual.core.timebank import CATEGORIES

REQUEST_TIMEOUT_SECONDS = 30.0
# On the territory's list of neighbourhoods (migration 0028), as an application must be.
NEIGHBOURHOODS = ("Bourtzwiller", "Coteaux", "Drouot", "Dornach", "Franklin-Fridolin", "Rebberg")
WORDS = ("vélo", "jardin", "devoirs", "cuisine", "couture", "informatique")
GOODS = {"perceuse": 40, "escabeau": 40}  # kinds of goods and how many the keeper deposits
OPEN_LOANS_MAX = 3  # the service's default MUTUAL_OPEN_LOANS_MAX
SETUP_PLEDGE = 60
SETUP_FUND = 500_000  # cents the city gives before the round's snapshot
PARTNERS = (("Ville de Mulhouse", "city"), ("Fondation du Haut-Rhin", "foundation"))
# Each project's ask (euro cents, minutes); the second is the proposal's one line.
ASKS = ((100_000, 300), (80_000, 240), (0, 300))
LATE_BALLOTS = 3
LATE_AFTER_SECONDS = 0.3  # past the deadline by more than the clocks could disagree
WEIGHTS = {
    "exchange": 30,
    "statement": 20,
    "search": 15,
    "proof": 10,
    "goods": 10,
    "pledge": 6,
    "gift": 5,
    "offer": 4,
    "deliver": 3,
    "allocate": 2,
    "contribution": 2,
    "grant": 1,
}
# The signed step of each flow the service composes (the proposal's confirmation, the
# pledge, the loan and its return, the allocation, the delivery, the fund's gift and
# grant), and the plain signed transaction their p99 is measured against in the same run:
# the gift to the commons pool, a transaction the member's device composes and signs
# itself and posts as is (POST /transactions), no proposal or composition behind it.
COMPOSED = ("confirm", "pledge", "lend", "return", "allocate", "deliver", "contribution", "grant")
PLAIN_SIGNED = "gift"
RATIO_CEILING = 3.0  # issue 26: a composed flow's p99 within 3x the plain one's
Posted = tuple[tuple[str, str, int], ...]  # (account, unit, amount), sorted
Pair = tuple[str, str]  # (member id, project id): one allocation of pledged minutes


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _postings(postings: Sequence[Mapping[str, Any]]) -> Posted:
    return tuple(sorted((str(p["account_id"]), str(p["unit"]), int(p["amount"])) for p in postings))


def seconds_before(moment: datetime) -> float:
    return (moment - datetime.now(UTC)).total_seconds()


async def until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, seconds_before(moment)))


@dataclass
class OpStats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Ballot:
    voter: str
    approvals: tuple[str, ...]  # sorted
    log_index: int


@dataclass
class Record:
    """Every acknowledged write and what it should have changed, and the reservations
    that keep concurrent clients from asking for more than there is."""

    transactions: dict[str, tuple[str, Posted]] = field(default_factory=dict)
    proposals: dict[str, str] = field(default_factory=dict)  # id -> status expected
    offers: list[str] = field(default_factory=list)
    ballots: dict[str, Ballot] = field(default_factory=dict)
    refused_ballots: dict[str, str] = field(default_factory=dict)  # id -> voter
    late_accepted: int = 0
    gifts: int = 0
    open_loans: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> member, kind
    held: Counter[str] = field(default_factory=Counter)  # items on loan or being lent, by member
    lending: Counter[str] = field(default_factory=Counter)  # loans in flight, by kind
    pledged: Counter[str] = field(default_factory=Counter)  # minutes, by member
    allocated: Counter[Pair] = field(default_factory=Counter)
    delivered: Counter[Pair] = field(default_factory=Counter)
    allocating: Counter[str] = field(default_factory=Counter)  # minutes in flight, by member
    delivering: Counter[Pair] = field(default_factory=Counter)
    contributed: int = 0  # cents
    granted: int = 0  # cents, the execution's included
    granting: int = 0  # cents in flight
    execution: list[str] = field(default_factory=list)  # its transactions' ids
    executed: bool = False

    def expected_balances(self) -> dict[str, int]:
        balances: Counter[str] = Counter()
        for _, postings in self.transactions.values():
            for account, _, amount in postings:
                balances[account] += amount
        return dict(balances)

    def allocated_to(self, member: str) -> int:
        return sum(n for (m, _), n in self.allocated.items() if m == member)

    def spare_minutes(self, member: str) -> int:
        """What the mix may still allocate of a member's pledge: until the round is
        executed, the hour pledged at the setup stays for it (its budget was frozen on
        them), so the execution never finds the pool short."""
        reserved = 0 if self.executed else SETUP_PLEDGE
        return self.pledged[member] - self.allocated_to(member) - self.allocating[member] - reserved

    def spare_cents(self) -> int:
        """What grants may still take: the setup's gift stays for the round's euros."""
        reserved = 0 if self.executed else SETUP_FUND
        return self.contributed - self.granted - self.granting - reserved


@dataclass(frozen=True)
class Partner:
    id: str
    headers: dict[str, str]
    key: Keypair


@dataclass
class Setup:
    residents: list[Resident]
    territory: Territory  # the harness's view, for signed gifts and its ledger check
    quarter: str
    projects: dict[str, str]  # project id -> its lead's member id
    point: str
    operator_key: Keypair
    partners: list[Partner] = field(default_factory=list)
    round_id: str = ""
    ballot_projects: list[str] = field(default_factory=list)
    ballot_close: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def keepers(self) -> list[Resident]:
        return self.residents[:2]

    @property
    def operator(self) -> dict[str, str]:
        return self.territory.operator

    def lead(self, project: str) -> Resident:
        return next(r for r in self.residents if r.id == self.projects[project])

    def allocation_accounts(self) -> dict[str, Pair]:
        """Each (member, project) allocation's PLEDGE account, derived as the service
        derives it: how the execution's postings are read back as allocations."""
        quarter = parse_quarter(self.quarter)
        return {
            str(
                allocated_account(PrincipalId(uuid.UUID(r.id)), uuid.UUID(p), quarter).account.id
            ): (r.id, p)
            for r in self.residents
            for p in self.projects
        }


@dataclass
class RoundStats:
    """How the ballots met their deadline."""

    voters: int = 0
    deadline_into_run_s: float = 0.0
    burst_lead_s: float = 0.0  # how long before the deadline the burst was sent
    last_acknowledged_before_s: float | None = None  # the burst's last receipt
    burst_acknowledged: int = 0
    burst_refused: int = 0  # taken after the deadline although sent before it
    late: int = 0
    late_refused: int = 0
    phase: str = ""


@dataclass
class MixResult:
    store: str
    members: int
    clients: int
    seconds: float = 0.0
    requests: int = 0
    requests_per_s: float = 0.0
    writes_acknowledged: int = 0
    writes_per_s: float = 0.0
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Each composed flow's p99 over the plain signed transaction's (PLAIN_SIGNED).
    p99_ratios: dict[str, float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    gift_burst: int = 0
    ballots: dict[str, Any] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    log_entries: int = 0
    database_bytes: int = 0
    bytes_per_entry_during_load: float = 0.0
    acknowledged: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    balance_mismatches: int = 0
    checks: dict[str, str] = field(default_factory=dict)
    invariants: str = ""
    verify: str = ""

    @property
    def server_errors(self) -> int:
        """5xx answers, and requests that got no answer at all (status 0)."""
        return sum(
            n
            for o in self.operations.values()
            for status, n in o["statuses"].items()
            if status[0] in "50"
        )

    @property
    def passed(self) -> bool:
        return (
            sum(self.lost.values()) == 0
            and self.balance_mismatches == 0
            and self.server_errors == 0
            and self.invariants == "ok"
            and self.verify == "ok"
        )


class Mix:
    """The clients of one run: each request timed under its operation's name."""

    def __init__(self, session: aiohttp.ClientSession, base: str, setup: Setup, seed: int):
        self.session = session
        self.base = base
        self.setup = setup
        self.rng = random.Random(seed)
        self.record = Record()
        self.round = RoundStats()
        self.stats: defaultdict[str, OpStats] = defaultdict(OpStats)
        self.errors: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.sent = 0
        # Set while the round is executed: its allocation is composed from the pool as it
        # stands, and its grant from the fund, so neither an allocation nor a grant of the
        # mix may land in between; the execution waits for those in flight to settle.
        self.executing = False
        self.in_flight = 0
        self.settled = asyncio.Event()
        self.settled.set()
        self.decisions = itertools.count(1)

    async def call(
        self,
        op: str,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: Mapping[str, Any] | bytes | None = None,
        *,
        expect: int = 200,
        problem: str | None = None,
        refusal: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One request; an answer other than ``expect`` (with the ``problem`` type, which
        for 422 is ``unsigned``: the composing step of a flow) is counted as an error
        under its status and type, unless it is the 409 ``refusal`` the caller allows
        (a ballot the service took after its deadline), counted as refused."""
        self.sent += 1
        data: dict[str, Any] = {}
        began = time.perf_counter()
        try:
            async with self.session.request(
                method,
                f"{self.base}{path}",
                headers={"Content-Type": "application/json", **headers},
                data=body if isinstance(body, bytes) else None,
                json=None if body is None or isinstance(body, bytes) else dict(body),
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
            ) as answer:
                raw = await answer.read()
                status = answer.status
            loaded = json.loads(raw) if raw else {}
            data = loaded if isinstance(loaded, dict) else {"items": loaded}
        except ValueError:  # an answer that is not JSON, such as a bare 500 page
            data = {"type": "not JSON"}
        except TimeoutError:
            status, data = 0, {"type": "timeout"}
        except aiohttp.ClientError as exc:
            status, data = 0, {"type": type(exc).__name__}
        stats = self.stats[op]
        stats.latencies.append(time.perf_counter() - began)
        stats.statuses[str(status)] += 1
        wanted_type = problem or ("unsigned" if expect == 422 else None)
        if status == expect and (wanted_type is None or data.get("code") == wanted_type):
            return status, data
        if refusal is not None and status == 409 and data.get("code") == refusal:
            self.refused[f"{op}: {status} {refusal}"] += 1
        else:
            self.errors[f"{op}: {status} {data.get('type', '')}".strip()] += 1
        return status, data

    async def flow(
        self,
        op: str,
        path: str,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        key: Keypair,
        *,
        on_behalf_of: str | None = None,
    ) -> dict[str, Any] | None:
        """A composed flow as a device runs it: sent unsigned, the composed transaction
        signed, sent again with its id; kept with its signed postings when recorded."""
        _, first = await self.call(f"{op} (compose)", "POST", path, headers, body, expect=422)
        if first.get("code") != "unsigned":
            return None
        payload = first["signing_payload"]
        signature = sign_composed(key, payload, on_behalf_of=on_behalf_of)
        signed = {**body, "id": payload["id"], "signatures": [signature]}
        status, answer = await self.call(op, "POST", path, headers, signed, expect=201)
        if status != 201:
            return None
        self.record.transactions[payload["id"]] = (payload["kind"], _postings(payload["postings"]))
        return answer

    def reset(self) -> None:
        """Forget the setup's requests: the report is about the load alone."""
        self.stats.clear()
        self.errors.clear()
        self.refused.clear()
        self.sent = 0

    def resident(self) -> Resident:
        return self.rng.choice(self.setup.residents)

    async def pooled(self, write: Awaitable[dict[str, Any] | None]) -> dict[str, Any] | None:
        """An allocation or a grant, which the round's execution waits for."""
        self.in_flight += 1
        self.settled.clear()
        try:
            return await write
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.settled.set()

    # The operations of the mix.

    async def exchange(self) -> None:
        provider, receiver = self.rng.sample(self.setup.residents, 2)
        body = {
            "receiver": receiver.id,
            "minutes": self.rng.choice((15, 30, 45, 60, 90)),
            "memo": f"{self.rng.choice(WORDS)} ({self.rng.randrange(1000)})",
            "category": self.rng.choice(CATEGORIES),
        }
        status, proposal = await self.call(
            "propose", "POST", "/proposals", provider.headers, body, expect=201
        )
        if status != 201:
            return
        self.record.proposals[proposal["id"]] = "pending"
        payload = proposal["signing_payload"]
        signatures = {"signatures": [sign_composed(receiver.key, payload)]}
        status, _ = await self.call(
            "confirm",
            "POST",
            f"/proposals/{proposal['id']}/confirm",
            receiver.headers,
            signatures,
            expect=201,
        )
        if status == 201:
            self.record.proposals[proposal["id"]] = "confirmed"
            self.record.transactions[payload["id"]] = (
                payload["kind"],
                _postings(payload["postings"]),
            )

    async def statement(self) -> None:
        who = self.resident()
        await self.call(
            "statement", "GET", f"/accounts/{who.account}/postings?limit=50", who.headers
        )

    async def search(self) -> None:
        query = self.rng.choice(
            (
                f"category={self.rng.choice(CATEGORIES)}",
                f"q={self.rng.choice(WORDS)}",
                f"neighbourhood={self.rng.choice(NEIGHBOURHOODS)}&direction=offer",
            )
        )
        await self.call("search offers", "GET", f"/offers?{query}", self.resident().headers)

    async def proof(self) -> None:
        if not self.record.transactions:
            return await self.statement()
        tx_id = self.rng.choice(list(self.record.transactions))
        await self.call(
            "inclusion proof", "GET", f"/log/proofs/inclusion?id={tx_id}", self.resident().headers
        )
        return None

    async def pledge(self, who: Resident | None = None, minutes: int | None = None) -> None:
        who = who or self.resident()
        minutes = minutes or self.rng.choice((15, 30, 60))
        body = {"quarter": self.setup.quarter, "minutes": minutes}
        if await self.flow("pledge", "/pledges", body, who.headers, who.key) is not None:
            self.record.pledged[who.id] += minutes

    async def gift(self, op: str = "gift") -> None:
        payer = self.rng.randrange(len(self.setup.residents))
        write = signed_transfer(self.setup.territory, payer, to_pool=True, rng=self.rng)
        headers = {**self.setup.residents[payer].headers, "Idempotency-Key": write.tx_id}
        status, _ = await self.call(op, "POST", "/transactions", headers, write.body, expect=201)
        if status == 201:
            self.record.gifts += 1
            self.record.transactions[write.tx_id] = _signed(write.body)

    async def offer(self, who: Resident | None = None) -> None:
        who = who or self.resident()
        body = {
            "direction": self.rng.choice(("offer", "request")),
            "title": f"{self.rng.choice(WORDS).capitalize()} {self.rng.randrange(1000)}",
            "description": "Le samedi matin, ou en semaine après 18 h.",
            "category": self.rng.choice(CATEGORIES),
            "neighbourhood": self.rng.choice(NEIGHBOURHOODS),
            "estimated_minutes": 60,
        }
        status, answer = await self.call(
            "post offer", "POST", "/offers", who.headers, body, expect=201
        )
        if status == 201:
            self.record.offers.append(answer["id"])

    async def goods(self) -> None:
        """Return a loan half the time when there is one, else lend; both signed by a
        keeper. Slots are reserved before sending, so that concurrent clients never ask
        past a shelf or a member's open-loan limit (a refusal the service would be right
        to give, but not what this load measures)."""
        record, keeper = self.record, self.rng.choice(self.setup.keepers)
        point = self.setup.point
        if record.open_loans and self.rng.random() < 0.5:
            loan_id = self.rng.choice(list(record.open_loans))
            member, kind = record.open_loans.pop(loan_id)
            path = f"/collection-points/{point}/loans/{loan_id}/returns"
            done = await self.flow(
                "return", path, {"count": 1}, keeper.headers, keeper.key, on_behalf_of=point
            )
            if done is None:
                record.open_loans[loan_id] = (member, kind)
            else:
                record.held[member] -= 1
            return
        on_loan = Counter(kind for _, kind in record.open_loans.values()) + record.lending
        kinds = [k for k, n in GOODS.items() if on_loan[k] < n]
        members = [r for r in self.setup.residents if record.held[r.id] < OPEN_LOANS_MAX]
        if not kinds or not members:
            return
        kind, borrower = self.rng.choice(kinds), self.rng.choice(members)
        record.held[borrower.id] += 1
        record.lending[kind] += 1
        body = {
            "kind": kind,
            "count": 1,
            "member_id": borrower.id,
            "due_on": (date.today() + timedelta(days=14)).isoformat(),
        }
        path = f"/collection-points/{point}/loans"
        try:
            answer = await self.flow(
                "lend", path, body, keeper.headers, keeper.key, on_behalf_of=point
            )
        finally:
            record.lending[kind] -= 1
        if answer is None:
            record.held[borrower.id] -= 1
        else:
            record.open_loans[answer["id"]] = (borrower.id, kind)

    async def allocate(self) -> None:
        """The coordinators allocate a member's pledged minutes to a project, an operator
        key signing; reserved before sending, like the goods, and only out of what the
        round does not need. Without any to allocate, a member pledges instead."""
        record, setup = self.record, self.setup
        members = [r for r in setup.residents if record.spare_minutes(r.id) >= 15]
        if self.executing or not members:
            return await self.pledge()
        member = self.rng.choice(members)
        minutes = min(record.spare_minutes(member.id), self.rng.choice((15, 30, 60)))
        project = self.rng.choice(list(setup.projects))
        body = {
            "quarter": setup.quarter,
            "decision": f"CCG n°{next(self.decisions)}",
            "lines": [{"member_id": member.id, "project_id": project, "minutes": minutes}],
        }
        record.allocating[member.id] += minutes
        try:
            done = await self.pooled(
                self.flow(
                    "allocate", "/pledges/allocations", body, setup.operator, setup.operator_key
                )
            )
        finally:
            record.allocating[member.id] -= minutes
        if done is not None:
            record.allocated[(member.id, project)] += minutes
        return None

    async def deliver(self) -> None:
        """A project's lead confirms minutes a volunteer gave, within what was allocated
        and not yet delivered (reserved before sending); with nothing to confirm, the
        coordinators allocate instead."""
        record = self.record
        open_pairs = [
            pair
            for pair, n in record.allocated.items()
            if n - record.delivered[pair] - record.delivering[pair] >= 15
        ]
        if not open_pairs:
            return await self.allocate()
        pair = self.rng.choice(open_pairs)
        member, project = pair
        left = record.allocated[pair] - record.delivered[pair] - record.delivering[pair]
        minutes = min(left, self.rng.choice((15, 30)))
        lead = self.setup.lead(project)
        body = {"quarter": self.setup.quarter, "member_id": member, "minutes": minutes}
        path = f"/projects/{project}/deliveries"
        record.delivering[pair] += minutes
        try:
            done = await self.flow(
                "deliver", path, body, lead.headers, lead.key, on_behalf_of=project
            )
        finally:
            record.delivering[pair] -= minutes
        if done is not None:
            record.delivered[pair] += minutes
        return None

    async def contribution(self, partner: Partner | None = None, cents: int = 0) -> None:
        """A partner's gift to the fund, signed by the partner."""
        partner = partner or self.rng.choice(self.setup.partners)
        cents = cents or self.rng.choice((500, 1_000, 2_500, 10_000))
        body = {"partner_id": partner.id, "kind": "gift", "amount_cents": cents}
        path = "/fund/contributions"
        if await self.flow("contribution", path, body, partner.headers, partner.key) is not None:
            self.record.contributed += cents

    async def grant(self) -> None:
        """A grant to a project by a recorded decision, signed by the operator key, within
        what the fund has (reserved before sending); short of it, a partner gives."""
        record, setup = self.record, self.setup
        cents = self.rng.choice((500, 1_000, 2_000))
        if self.executing or record.spare_cents() < cents:
            return await self.contribution()
        body = {
            "project_id": self.rng.choice(list(setup.projects)),
            "amount_cents": cents,
            "decision": f"CA n°{next(self.decisions)}",
        }
        record.granting += cents
        try:
            done = await self.pooled(
                self.flow("grant", "/fund/grants", body, setup.operator, setup.operator_key)
            )
        finally:
            record.granting -= cents
        if done is not None:
            record.granted += cents
        return None

    # The round.

    def approvals(self, voter: Resident, other_than: tuple[str, ...] = ()) -> list[str]:
        """Some of the projects open to the ballot, never the voter's own; another choice
        than ``other_than`` when there is one, so a second ballot counted would show."""
        choices = [p for p in self.setup.ballot_projects if self.setup.projects[p] != voter.id]
        options = [
            sorted(c)
            for n in range(1, len(choices) + 1)
            for c in itertools.combinations(choices, n)
            if tuple(sorted(c)) != other_than
        ]
        return self.rng.choice(options) if options else sorted(choices)

    async def ballot(
        self, voter: Resident, approvals: list[str], *, send_at: datetime | None = None
    ) -> None:
        """A voter's ballot: composed, signed with the ballot domain, sent (at ``send_at``,
        past the deadline, for a late one, which must be refused). A ballot the service
        takes after its deadline is refused as ``deadline_passed``: kept as refused."""
        late = send_at is not None
        op = "ballot (late)" if late else "ballot"
        ballot_id = str(uuid.uuid4())
        body = {"id": ballot_id, "approvals": approvals}
        path = f"/rounds/{self.setup.round_id}/ballots"
        status, answer = await self.call(
            f"{op} (compose)",
            "POST",
            path,
            voter.headers,
            body,
            expect=422,
            refusal="deadline_passed",
        )
        if answer.get("code") == "unsigned":
            signature = sign_composed(voter.key, answer["signing_payload"], domain=Domain.BALLOT)
            if send_at is not None:
                await until(send_at)
            status, answer = await self.call(
                op,
                "POST",
                path,
                voter.headers,
                {**body, "signatures": [signature]},
                expect=409 if late else 201,
                problem="deadline_passed" if late else None,
                refusal=None if late else "deadline_passed",
            )
        stats, record = self.round, self.record
        if status == 201:
            record.ballots[ballot_id] = Ballot(
                voter.id, tuple(sorted(approvals)), answer["log_index"]
            )
            if late:
                record.late_accepted += 1
            else:
                stats.burst_acknowledged += 1
                left = seconds_before(self.setup.ballot_close)
                last = stats.last_acknowledged_before_s
                stats.last_acknowledged_before_s = left if last is None else min(last, left)
        elif status == 409 and answer.get("code") == "deadline_passed":
            record.refused_ballots[ballot_id] = voter.id
            if late:
                stats.late_refused += 1
            else:
                stats.burst_refused += 1

    async def decide(self, lead: float) -> None:
        """The round's end inside the load: every voter's ballot in the last ``lead``
        seconds before the deadline, a few second ballots just after it, then the close,
        the result and the execution."""
        setup, stats = self.setup, self.round
        close = setup.ballot_close
        await until(close - timedelta(seconds=lead))
        stats.voters = len(setup.residents)
        stats.burst_lead_s = round(seconds_before(close), 2)
        burst = [self.approvals(v) for v in setup.residents]
        late = setup.residents[:LATE_BALLOTS]
        after = close + timedelta(seconds=LATE_AFTER_SECONDS)
        stats.late = len(late)
        # The late voters' devices compose and sign their second ballot with the rest of
        # the burst; the network delivers it just after the deadline.
        await asyncio.gather(
            *(self.ballot(v, a) for v, a in zip(setup.residents, burst, strict=True)),
            *(
                self.ballot(v, self.approvals(v, tuple(a)), send_at=after)
                for v, a in zip(late, burst, strict=False)
            ),
        )
        await until(after)
        rid, operator = setup.round_id, setup.operator
        path = f"/rounds/{rid}"
        await self.call("close ballot", "POST", f"{path}/ballot/close", operator, {}, expect=201)
        await self.call("round result", "GET", f"{path}/result", operator)
        await self.execute()
        _, shown = await self.call("round", "GET", path, operator)
        stats.phase = str(shown.get("phase", ""))

    async def execute(self) -> None:
        """The decision carried out, its transactions signed by the operator key; no
        allocation or grant of the mix is in flight meanwhile (see ``executing``)."""
        setup, record = self.setup, self.record
        self.executing = True
        try:
            await self.settled.wait()
            path = f"/rounds/{setup.round_id}/execution"
            _, first = await self.call(
                "execute (compose)", "POST", path, setup.operator, {}, expect=422
            )
            if first.get("code") != "unsigned":
                return
            payloads = first.get("signing_payloads") or [first["signing_payload"]]
            signatures = {p["id"]: [sign_composed(setup.operator_key, p)] for p in payloads}
            # Pledges keep landing between the two steps; the service composes the
            # execution from pledges held at the decision, so the signatures still hold.
            status, _ = await self.call(
                "execute", "POST", path, setup.operator, {"signatures": signatures}, expect=201
            )
            if status != 201:
                return
            accounts = setup.allocation_accounts()
            for payload in payloads:
                posted = _postings(payload["postings"])
                record.transactions[payload["id"]] = (payload["kind"], posted)
                record.execution.append(payload["id"])
                for account, unit, amount in posted:
                    if unit == "EUR" and amount < 0:
                        record.granted -= amount
                    elif unit == "PLEDGE" and account in accounts:
                        record.allocated[accounts[account]] += amount
            record.executed = True
        finally:
            self.executing = False

    # The run.

    async def run(
        self, clients: int, seconds: float, requests: int, burst: int, lead: float
    ) -> None:
        """The mix for ``seconds`` (and until the round is executed) or ``requests``; the
        gift burst a third of the way in, the ballots at their deadline."""
        operations: dict[str, Callable[[], Awaitable[None]]] = {
            "exchange": self.exchange,
            "statement": self.statement,
            "search": self.search,
            "proof": self.proof,
            "goods": self.goods,
            "pledge": self.pledge,
            "gift": self.gift,
            "offer": self.offer,
            "deliver": self.deliver,
            "allocate": self.allocate,
            "contribution": self.contribution,
            "grant": self.grant,
        }
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        began = time.perf_counter()
        stop = began + seconds
        self.round.deadline_into_run_s = round(seconds_before(self.setup.ballot_close), 2)
        decided = asyncio.Event()

        async def client() -> None:
            while (time.perf_counter() < stop or not decided.is_set()) and self.sent < requests:
                await operations[self.rng.choices(names, weights)[0]]()

        async def gift_burst() -> None:
            await asyncio.sleep(seconds / 3)
            await asyncio.gather(*(self.gift("gift (burst)") for _ in range(burst)))

        async def round_end() -> None:
            try:
                await self.decide(lead)
            finally:
                decided.set()

        await asyncio.gather(*(client() for _ in range(clients)), gift_burst(), round_end())


def _signed(body: bytes) -> tuple[str, Posted]:
    """The kind and postings of a signed transaction body."""
    document: dict[str, Any] = json.loads(body)
    return document["kind"], _postings(document["postings"])


async def name_partner(
    session: aiohttp.ClientSession,
    base: str,
    operator: Mapping[str, str],
    origin: str,
    name: str,
    kind: str,
) -> Partner:
    """An organisation: a principal with the partner role and its own key, named."""
    issued = await post_json(session, f"{base}/tokens", {"roles": ["partner"]}, operator)
    principal = issued["principal_id"]
    key = await register_key(session, base, origin, issued["token"], principal)
    body = {"name": name, "kind": kind, "principal_id": principal}
    named = await post_json(session, f"{base}/partners", body, operator)
    return Partner(named["id"], {"Authorization": f"Bearer {issued['token']}"}, key)


async def set_up(
    session: aiohttp.ClientSession,
    server: Server,
    token: str,
    members: int,
    ballot_after: float,
) -> Mix:
    """The territory, through the API; its writes are kept like the load's. The ballot
    closes ``ballot_after`` seconds after the consent poll's deadline."""
    base, operator = server.base, {"Authorization": f"Bearer {token}"}
    async with session.get(f"{base}/log") as answer:
        origin = (await answer.json())["origin"]
    rng = random.Random(3)
    # A few at a time: joining is three writes, and the setup is not what is measured.
    gate = asyncio.Semaphore(8)

    async def join(i: int) -> Resident:
        profile = {
            "display_name": f"Résident {i}",
            "neighbourhood": rng.choice(NEIGHBOURHOODS),
            "languages": ["fr"],
        }
        async with gate:
            return await join_member(session, base, operator, origin, profile)

    residents = list(await asyncio.gather(*(join(i) for i in range(members))))
    pool = await post_json(
        session,
        f"{base}/accounts",
        {"unit": "TIME", "owner_kind": "commons_pool", "owner_id": "commons"},
        operator,
    )
    territory = Territory(
        [(r.token, r.account) for r in residents],
        pool["id"],
        operator,
        [r.key for r in residents],
        origin,
    )
    async with session.get(f"{base}/me", headers=operator) as answer:
        me = (await answer.json())["principal_id"]
    operator_key = await register_key(session, base, origin, token, me, Capacity.OPERATOR)
    projects = {}
    for i, lead in enumerate(residents[2:5]):
        body = {
            "name": f"Projet {i}",
            "category": CATEGORIES[i],
            "group": {"kind": "neighbourhood", "name": f"Groupe {NEIGHBOURHOODS[i]}"},
            "lead": lead.id,
        }
        projects[(await post_json(session, f"{base}/projects", body, operator))["id"]] = lead.id
    for slug in GOODS:
        await post_json(session, f"{base}/goods/kinds", {"slug": slug, "name": slug}, operator)
    point_body = {
        "name": "Magasin pour rien",
        "neighbourhood": NEIGHBOURHOODS[0],
        "keepers": [r.id for r in residents[:2]],
    }
    point = (await post_json(session, f"{base}/collection-points", point_body, operator))["id"]
    partners = [await name_partner(session, base, operator, origin, *p) for p in PARTNERS]
    quarter = current_quarter(date.today())
    setup = Setup(residents, territory, quarter, projects, point, operator_key, partners)
    mix = Mix(session, base, setup, seed=11)
    keeper = residents[0]
    for slug, count in GOODS.items():
        deposit = {"kind": slug, "count": count}
        path = f"/collection-points/{point}/deposits"
        done = await mix.flow(
            "deposit", path, deposit, keeper.headers, keeper.key, on_behalf_of=point
        )
        if done is None:
            raise RuntimeError(f"the deposit was refused: {dict(mix.errors)}")
    await mix.contribution(partners[0], SETUP_FUND)

    async def settle(resident: Resident) -> None:
        async with gate:
            await mix.offer(resident)
            await mix.pledge(resident, SETUP_PLEDGE)

    began = time.perf_counter()
    await asyncio.gather(*(settle(r) for r in residents))
    # The stances are one write per member where settling was three: the time settling
    # took leaves them room on a busy machine, and the round's other steps are a few
    # writes. What is left of it when the poll closes is spent under load, not idle.
    slack = 1.5 + (time.perf_counter() - began)
    await open_round(session, base, setup, slack, ballot_after)
    if mix.errors:
        raise RuntimeError(f"the setup was refused: {dict(mix.errors)}")
    return mix


async def open_round(
    session: aiohttp.ClientSession,
    base: str,
    setup: Setup,
    slack: float,
    ballot_after: float,
) -> None:
    """A round in its ballot: the stances must all be in before the consent deadline,
    ``slack`` seconds away (then the poll closes at once); the ballot's deadline is
    ``ballot_after`` seconds later, inside the load."""
    now, operator = datetime.now(UTC), setup.operator
    consent_close = now + timedelta(seconds=slack)
    setup.ballot_close = consent_close + timedelta(seconds=ballot_after)
    body = {
        "label": f"mix {setup.quarter}",
        "quarter": setup.quarter,
        "quorum": 3,
        "proposals_close": (now + (consent_close - now) / 2).isoformat(),
        "consent_close": consent_close.isoformat(),
        "ballot_close": setup.ballot_close.isoformat(),
    }
    setup.round_id = rid = (await post_json(session, f"{base}/rounds", body, operator))["id"]
    ids = list(setup.projects)
    for project, (eur, minutes) in zip(ids, ASKS, strict=True):
        submission = {"project_id": project, "ask_eur": eur, "ask_hours": minutes}
        await post_json(
            session, f"{base}/rounds/{rid}/submissions", submission, setup.lead(project).headers
        )
    await post_json(session, f"{base}/rounds/{rid}/snapshot", {}, operator)
    line = {"project_id": ids[1], "eur": ASKS[1][0], "hours": ASKS[1][1]}
    await post_json(session, f"{base}/rounds/{rid}/proposals", {"lines": [line]}, operator)
    objection = {
        "stance": "object",
        "target": {"kind": "omission", "project_id": ids[2]},
        "reason": "Le jardin a besoin de bras ce trimestre.",
    }
    gate = asyncio.Semaphore(8)

    async def stance(voter: Resident) -> None:
        chosen = objection if voter is setup.residents[-1] else {"stance": "consent"}
        async with gate:
            await post_json(session, f"{base}/rounds/{rid}/stances", chosen, voter.headers)

    await asyncio.gather(*(stance(r) for r in setup.residents))
    closed = await post_json(session, f"{base}/rounds/{rid}/consent/close", {}, operator)
    if closed["phase"] != "ballot":
        raise RuntimeError(f"the round did not go to a ballot: {closed['phase']}")
    setup.ballot_projects = list(closed["consent"]["ballot_projects"])


async def log_size(session: aiohttp.ClientSession, base: str) -> int:
    async with session.get(f"{base}/log") as answer:
        size: int = (await answer.json())["tree_size"]
        return size


async def _get(
    session: aiohttp.ClientSession, url: str, headers: Mapping[str, str]
) -> tuple[int, dict[str, Any]]:
    async with session.get(url, headers=dict(headers)) as answer:
        return answer.status, await answer.json(content_type=None)


def _verdict(failures: Sequence[str]) -> str:
    """ "ok", or the first failure and how many more."""
    if not failures:
        return "ok"
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"FAILED: {failures[0]}{more}"


async def check_fund(session: aiohttp.ClientSession, mix: Mix) -> str:
    """The fund holds the acknowledged contributions less the acknowledged grants."""
    record = mix.record
    _, fund = await _get(session, f"{mix.base}/fund", mix.setup.operator)
    expected = (record.contributed, record.granted, record.contributed - record.granted)
    found = (fund.get("received"), fund.get("granted"), fund.get("balance"))
    if found != expected:
        return f"FAILED: the fund shows received, granted, balance {found}, acknowledged {expected}"
    return "ok"


async def check_pledges(session: aiohttp.ClientSession, mix: Mix) -> str:
    """Each member's pledge as the service shows it is what was acknowledged: pledged,
    allocated and delivered per project (the execution's allocation included), delivered
    within allocated within pledged, and nothing unaccounted for."""
    setup, record = mix.setup, mix.record
    failures = []
    for r in setup.residents:
        url = f"{mix.base}/pledges?member_id={r.id}&quarter={setup.quarter}"
        _, shown = await _get(session, url, setup.operator)
        if len(shown.get("items", [])) != 1:
            failures.append(f"{r.id} shows no pledge for {setup.quarter}: {shown}")
            continue
        [view] = shown["items"]
        projects = {
            p["project_id"]: (p["allocated"], p["delivered"])
            for p in view["projects"]
            if p["allocated"] or p["delivered"]
        }
        expected = {
            p: (record.allocated[(r.id, p)], record.delivered[(r.id, p)])
            for p in setup.projects
            if record.allocated[(r.id, p)]
        }
        totals = (view["pledged"], view["allocated"], view["delivered"])
        acknowledged = (
            record.pledged[r.id],
            record.allocated_to(r.id),
            sum(record.delivered[(r.id, p)] for p in setup.projects),
        )
        if totals != acknowledged or projects != expected:
            failures.append(
                f"{r.id} shows pledged, allocated, delivered {totals} {projects}, "
                f"acknowledged {acknowledged} {expected}"
            )
        if not all(d <= a for a, d in projects.values()) or not (
            view["delivered"] <= view["allocated"] <= view["pledged"]
            and view["pledged"] == view["allocated"] + view["released"] + view["held"]
        ):
            failures.append(f"{r.id}'s pledge does not add up: {view}")
    return _verdict(failures)


async def check_round(session: aiohttp.ClientSession, mix: Mix, result: MixResult) -> str:
    """The tally counted exactly each voter's last acknowledged ballot, with the choice
    acknowledged, and nothing refused; the result read back is the round's decision over
    those voters; the execution is recorded and carries out that decision."""
    setup, record = mix.setup, mix.record
    base, operator = mix.base, setup.operator
    _, shown = await _get(session, f"{base}/rounds/{setup.round_id}", operator)
    _, outcome = await _get(session, f"{base}/rounds/{setup.round_id}/result", operator)
    last: dict[str, str] = {}
    for ballot_id, b in sorted(record.ballots.items(), key=lambda kv: kv[1].log_index):
        last[b.voter] = ballot_id
    expected = {i: (record.ballots[i].voter, record.ballots[i].approvals) for i in last.values()}
    counted = {
        str(r["ballot_id"]): (str(r["voter_id"]), tuple(sorted(r["approvals"])))
        for r in shown["reveals"]
    }
    # Counted either way: a ballot the round holds that no voter saw acknowledged is as
    # wrong as one missing.
    result.lost["ballots counted"] = len(expected.keys() ^ counted.keys())
    failures = []
    if record.late_accepted:
        failures.append(f"{record.late_accepted} ballots accepted after the deadline")
    if refused := counted.keys() & record.refused_ballots.keys():
        failures.append(f"{len(refused)} refused ballots counted")
    if differ := [i for i in expected.keys() & counted.keys() if expected[i] != counted[i]]:
        failures.append(f"{len(differ)} ballots counted with another voter or choice")
    transcript = outcome.get("transcript") or {}
    voters = {str(v["voter"]) for v in transcript.get("voters", [])}
    if voters != {voter for voter, _ in expected.values()}:
        failures.append(f"the tally's voters are {len(voters)}, {len(expected)} acknowledged")
    if outcome.get("decision") != shown["decision"]:
        failures.append("the result's decision is not the round's")
    if shown["phase"] != "executed" or sorted(map(str, shown["transactions"])) != sorted(
        record.execution
    ):
        failures.append(f"the round is {shown['phase']}, its execution not as acknowledged")
    else:
        failures += _execution_failures(setup, record, shown["decision"])
    return _verdict(failures)


def _execution_failures(
    setup: Setup, record: Record, decision: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The execution's signed postings carry out the decision: its euros leave the fund,
    its minutes go to each project's allocations."""
    accounts = setup.allocation_accounts()
    euros = 0
    minutes: Counter[str] = Counter()
    for tx_id in record.execution:
        for account, unit, amount in record.transactions[tx_id][1]:
            if unit == "EUR" and amount < 0:
                euros -= amount
            elif unit == "PLEDGE" and account in accounts:
                minutes[accounts[account][1]] += amount
    decided = Counter({str(ln["project_id"]): int(ln["hours"]) for ln in decision if ln["hours"]})
    failures = []
    if euros != sum(int(ln["eur"]) for ln in decision):
        failures.append(f"the execution granted {euros} cents, not the decision's")
    if minutes != decided:
        failures.append(f"the execution allocated {dict(minutes)}, decided {dict(decided)}")
    return failures


async def read_back(session: aiohttp.ClientSession, mix: Mix, result: MixResult) -> None:
    """Every acknowledged write, read back and compared with what it should be."""
    base, record, operator = mix.base, mix.record, mix.setup.operator

    async def transaction(tx_id: str, expected: tuple[str, Posted]) -> bool:
        status, tx = await _get(session, f"{base}/transactions/{tx_id}", operator)
        return status == 200 and (tx["kind"], _postings(tx["postings"])) == expected

    async def proposal(proposal_id: str, expected: str) -> bool:
        status, found = await _get(session, f"{base}/proposals/{proposal_id}", operator)
        return status == 200 and found["status"] == expected

    async def offer(offer_id: str) -> bool:
        status, _ = await _get(session, f"{base}/offers/{offer_id}", operator)
        return status == 200

    async def ballot(ballot_id: str, log_index: int) -> bool:
        url = f"{base}/log/proofs/inclusion?id={ballot_id}"
        status, proof = await _get(session, url, operator)
        return status == 200 and proof["log_index"] == log_index

    checks: dict[str, list[Awaitable[bool]]] = {
        "transactions": [transaction(i, e) for i, e in record.transactions.items()],
        "proposals": [proposal(i, s) for i, s in record.proposals.items()],
        "offers": [offer(i) for i in record.offers],
        "ballots": [ballot(i, b.log_index) for i, b in record.ballots.items()],
    }
    for name, pending in checks.items():
        found = 0
        for start in range(0, len(pending), 50):  # a bounded number in flight
            found += sum(await asyncio.gather(*pending[start : start + 50]))
        result.acknowledged[name] = len(pending)
        result.lost[name] = len(pending) - found

    units = ["TIME", "PLEDGE", "EUR", *(f"GOOD.{slug}" for slug in GOODS)]
    expected = record.expected_balances()
    actual: dict[str, int] = {}
    for unit in units:
        actual |= await unit_balances(session, base, operator, unit)
    result.balance_mismatches = sum(
        1
        for account in actual.keys() | expected.keys()
        if actual.get(account, 0) != expected.get(account, 0)
    )
    territory = mix.setup.territory
    result.checks = {
        "units sum to zero": await units_balance(session, base, operator, units),
        "commons pool": await check_ledger(session, base, territory, gifts=record.gifts),
        "fund": await check_fund(session, mix),
        "pledges": await check_pledges(session, mix),
        "round": await check_round(session, mix, result),
    }
    result.invariants = next((c for c in result.checks.values() if c != "ok"), "ok")


def _summary(mix: Mix, result: MixResult, seconds: float) -> None:
    result.seconds = round(seconds, 1)
    result.requests = sum(len(s.latencies) for s in mix.stats.values())
    result.requests_per_s = round(result.requests / seconds, 1)
    writes = sum(
        n
        for op, s in mix.stats.items()
        if "compose" not in op
        for st, n in s.statuses.items()
        if st == "201"
    )
    result.writes_acknowledged = writes
    result.writes_per_s = round(writes / seconds, 1)
    for op, s in sorted(mix.stats.items()):
        ordered = sorted(s.latencies)
        result.operations[op] = {
            "requests": len(ordered),
            "per_s": round(len(ordered) / seconds, 1),
            "p50_ms": percentile_ms(ordered, 0.50),
            "p95_ms": percentile_ms(ordered, 0.95),
            "p99_ms": percentile_ms(ordered, 0.99),
            "statuses": dict(s.statuses),
        }
    result.p99_ratios = p99_ratios(result.operations)
    result.errors = dict(mix.errors)
    result.refused = dict(mix.refused)
    result.ballots = asdict(mix.round)


def p99_ratios(operations: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Each composed flow's p99 over the plain signed transaction's, from the same run (so
    the machine's load weighs on both alike); none without a plain one to compare with."""
    plain = operations.get(PLAIN_SIGNED, {}).get("p99_ms")
    if not plain:
        return {}
    return {
        op: round(operations[op]["p99_ms"] / plain, 2)
        for op in COMPOSED
        if op in operations and operations[op]["requests"]
    }


def ratio_line(r: MixResult) -> str:
    plain = r.operations.get(PLAIN_SIGNED, {}).get("p99_ms")
    if not r.p99_ratios:
        return (
            f"- p99 of the composed flows over the plain signed {PLAIN_SIGNED}'s: no {PLAIN_SIGNED}"
        )
    worst = max(r.p99_ratios.values())
    ratios = ", ".join(f"{op} {ratio}" for op, ratio in r.p99_ratios.items())
    verdict = "within" if worst <= RATIO_CEILING else "OVER"
    return (
        f"- p99 of the composed flows over the plain signed {PLAIN_SIGNED}'s "
        f"(POST /transactions, p99 {plain} ms): {ratios}; worst {worst}, "
        f"{verdict} {RATIO_CEILING:g}x"
    )


async def run_mix(
    store: Store,
    *,
    seconds: float,
    requests: int,
    clients: int,
    members: int,
    burst: int | None = None,
    ballot_lead: float = 3.0,
) -> MixResult:
    if members < 8:
        raise ValueError("the round needs keepers, three leads and other voters: 8 members")
    server = await new_server(store)
    result = MixResult(store, members, clients)
    token = operator_token(server)
    server.start()
    try:
        connector = aiohttp.TCPConnector(limit=clients + members + 16)
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_healthy(session, server.base)
            # The deadline falls after most of the load, and late enough for the burst.
            ballot_after = max(ballot_lead + 0.5, seconds * 0.6)
            mix = await set_up(session, server, token, members, ballot_after)
            mix.reset()
            size_before, bytes_before = (
                await log_size(session, server.base),
                await server.database_bytes(),
            )
            result.gift_burst = members * 3 if burst is None else burst
            began = time.perf_counter()
            await mix.run(clients, seconds, requests, result.gift_burst, ballot_lead)
            _summary(mix, result, time.perf_counter() - began)
            result.peak_rss_mib = server.peak_rss_mib()
            result.log_entries = await log_size(session, server.base)
            result.database_bytes = await server.database_bytes()
            grown = result.log_entries - size_before
            result.bytes_per_entry_during_load = round(
                (result.database_bytes - bytes_before) / max(1, grown)
            )
            await read_back(session, mix, result)
        server.stop()
        result.verify = verify_export(server)
    finally:
        await server.drop()
    return result


def markdown(r: MixResult) -> str:
    b = r.ballots
    last = b.get("last_acknowledged_before_s")
    # Taken before the deadline, a receipt can still reach its voter after it.
    last_text = (
        "none"
        if last is None
        else f"{last:.2f} s before it"
        if last >= 0
        else f"{-last:.2f} s after it"
    )
    lines = [
        f"## Mixed load on {r.store}",
        "",
        f"{r.members} members, {r.clients} clients, {r.seconds} s: {r.requests} requests "
        f"({r.requests_per_s}/s), {r.writes_acknowledged} writes acknowledged "
        f"({r.writes_per_s}/s); a burst of {r.gift_burst} gifts. The ballot's deadline came "
        f"{b.get('deadline_into_run_s')} s into the run: {b.get('voters')} voters' ballots "
        f"sent {b.get('burst_lead_s')} s before it, {b.get('burst_acknowledged')} "
        f"acknowledged (the last receipt {last_text}), "
        f"{b.get('burst_refused')} refused as taken after it; {b.get('late_refused')} of "
        f"{b.get('late')} late ballots refused; the round ended {b.get('phase')}.",
        "",
        "| operation | requests | per s | p50 ms | p95 ms | p99 ms | answers |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for op, o in r.operations.items():
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(o["statuses"].items()))
        lines.append(
            f"| {op} | {o['requests']} | {o['per_s']} | {o['p50_ms']} | {o['p95_ms']} "
            f"| {o['p99_ms']} | {answers} |"
        )
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(r.errors.items())) or "none"
    refused = ", ".join(f"{k}: {v}" for k, v in sorted(r.refused.items())) or "none"
    acknowledged = ", ".join(f"{k} {v}" for k, v in r.acknowledged.items())
    lost = ", ".join(f"{k} {v}" for k, v in r.lost.items())
    checks = "; ".join(f"{k}: {v}" for k, v in r.checks.items())
    lines += [
        "",
        ratio_line(r),
        f"- errors: {errors}",
        f"- refused as the rules say (ballots past their deadline): {refused}",
        f"- server peak RSS: {r.peak_rss_mib} MiB",
        f"- database: {r.database_bytes:,} bytes for {r.log_entries:,} log entries; "
        f"{r.bytes_per_entry_during_load:,} bytes per entry written during the load",
        f"- acknowledged writes read back: {acknowledged}; lost: {lost}",
        f"- balances differing from the acknowledged postings: {r.balance_mismatches}",
        f"- checks: {checks}; export verify: {r.verify}",
        f"- **{'passed' if r.passed else 'FAILED'}**",
    ]
    return "\n".join(lines) + "\n"


async def main_async(args: argparse.Namespace) -> list[MixResult]:
    results = []
    for store in args.store or ["postgres", "sqlite"]:
        result = await run_mix(
            store,
            seconds=args.seconds,
            requests=args.requests,
            clients=args.clients,
            members=args.members,
            ballot_lead=args.ballot_lead,
        )
        report = markdown(result)
        print(report, flush=True)
        output = args.output / f"mix-{store}"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.with_suffix(".md").write_text(report)
        output.with_suffix(".json").write_text(
            json.dumps(asdict(result) | {"passed": result.passed}, indent=2)
        )
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--requests", type=int, default=200_000, help="at most this many")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop clients")
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument(
        "--ballot-lead",
        type=float,
        default=3.0,
        help="seconds before the ballot's deadline that every voter's ballot is sent",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "load_tests" / "results")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    raise SystemExit(0 if all(r.passed for r in results) else 1)


if __name__ == "__main__":
    main()
