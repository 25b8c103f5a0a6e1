"""A realistic mixed load, and whether every acknowledged write survived it.

For each store (`--store`, SQLite and PostgreSQL by default) it starts `mutual serve` on a
fresh database and sets up a territory through the API, as people would: members apply,
are accepted (a TIME account at the default bounds) and register their own Ed25519 key;
each posts an offer and pledges an hour for this quarter; a coordinator opens the commons
pool, three projects and a collection point whose keeper deposits two kinds of goods; an
allocation round is drafted, the projects submit, the roll is frozen, everyone takes a
stance (one objection), so the round goes to a ballot that stays open.

Then closed-loop clients (aiohttp) run a weighted mix for `--seconds` or `--requests`,
whichever ends first: exchanges (the provider proposes, the receiver signs the
confirmation), statements, offer searches, new offers, pledges (composed by the service,
signed by the member), loans and returns (signed by a keeper on the point's behalf),
inclusion proofs of acknowledged writes, and gifts to the commons pool. Two bursts
arrive on top: a third of the way in, gifts from every member at once; at four fifths,
every voter's signed ballot together, before the ballot's deadline.

Each write acknowledged is kept with what it should have changed: the postings its
signer signed, a proposal's status, an offer, a ballot's log index. Afterwards every one
is read back, every balance of every unit is compared with the sum of the acknowledged
postings (so a lost, duplicated or unacknowledged effect shows), each unit sums to zero,
the pool holds exactly the acknowledged gifts, and the export verifies offline.

    .venv/bin/python -m load_tests.mix [--store sqlite|postgres ...] [--seconds 20]
        [--requests 200000] [--clients 32] [--members 60]

Writes the report to stdout and to load_tests/results/mix-<store>.{md,json}; exits 1
when anything acknowledged is missing or wrong, an invariant fails, the export does not
verify, or the service answered a 5xx or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
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
    sign_composed,
    signed_transfer,
    unit_balances,
    units_balance,
    verify_export,
    wait_healthy,
)
from mutual.core.signing import Domain
from mutual.core.timebank import CATEGORIES

REQUEST_TIMEOUT_SECONDS = 30.0
NEIGHBOURHOODS = ("Bourtzwiller", "Coteaux", "Drouot", "Fonderie", "Franklin", "Vauban")
WORDS = ("vélo", "jardin", "devoirs", "cuisine", "couture", "informatique")
GOODS = {"perceuse": 40, "escabeau": 40}  # kinds of goods and how many the keeper deposits
OPEN_LOANS_MAX = 3  # the service's default MUTUAL_OPEN_LOANS_MAX
SETUP_PLEDGE = 60
WEIGHTS = {
    "exchange": 30,
    "statement": 20,
    "search": 15,
    "proof": 10,
    "goods": 10,
    "pledge": 6,
    "gift": 5,
    "offer": 4,
}
Posted = tuple[tuple[str, str, int], ...]  # (account, unit, amount), sorted


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _postings(postings: Sequence[Mapping[str, Any]]) -> Posted:
    return tuple(sorted((str(p["account_id"]), str(p["unit"]), int(p["amount"])) for p in postings))


@dataclass
class OpStats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass
class Record:
    """Every acknowledged write and what it should have changed."""

    transactions: dict[str, tuple[str, Posted]] = field(default_factory=dict)
    proposals: dict[str, str] = field(default_factory=dict)  # id -> status expected
    offers: list[str] = field(default_factory=list)
    ballots: dict[str, int] = field(default_factory=dict)  # ballot id -> log index
    gifts: int = 0
    open_loans: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> member, kind
    held: Counter[str] = field(default_factory=Counter)  # items on loan or being lent, by member
    lending: Counter[str] = field(default_factory=Counter)  # loans in flight, by kind

    def expected_balances(self) -> dict[str, int]:
        balances: Counter[str] = Counter()
        for _, postings in self.transactions.values():
            for account, _, amount in postings:
                balances[account] += amount
        return dict(balances)


@dataclass
class Setup:
    residents: list[Resident]
    territory: Territory  # the harness's view, for signed gifts and its ledger check
    quarter: str
    projects: dict[str, str]  # project id -> its lead's member id
    point: str
    round_id: str = ""
    ballot_projects: list[str] = field(default_factory=list)
    ballot_close: datetime | None = None

    @property
    def keepers(self) -> list[Resident]:
        return self.residents[:2]


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
    errors: dict[str, int] = field(default_factory=dict)
    gift_burst: int = 0
    ballots_before_deadline_s: float = 0.0
    peak_rss_mib: float = 0.0
    log_entries: int = 0
    database_bytes: int = 0
    bytes_per_entry_during_load: float = 0.0
    acknowledged: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    balance_mismatches: int = 0
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
        self.stats: defaultdict[str, OpStats] = defaultdict(OpStats)
        self.errors: Counter[str] = Counter()
        self.sent = 0

    async def call(
        self,
        op: str,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: Mapping[str, Any] | bytes | None = None,
        *,
        expect: int = 200,
    ) -> tuple[int, dict[str, Any]]:
        """One request; an answer other than ``expect`` is counted under its status and
        problem type. The composing step of a flow expects ``unsigned`` (422)."""
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
        wanted = status == expect and (expect != 422 or data.get("type") == "unsigned")
        if not wanted:
            self.errors[f"{op}: {status} {data.get('type', '')}".strip()] += 1
        return status, data

    async def flow(
        self,
        op: str,
        path: str,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        signer: Resident,
        *,
        on_behalf_of: str | None = None,
    ) -> dict[str, Any] | None:
        """A composed flow as a device runs it: sent unsigned, the composed transaction
        signed, sent again with its id; kept with its signed postings when recorded."""
        _, first = await self.call(f"{op} (compose)", "POST", path, headers, body, expect=422)
        if first.get("type") != "unsigned":
            return None
        payload = first["signing_payload"]
        signature = sign_composed(signer.key, payload, on_behalf_of=on_behalf_of)
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
        self.sent = 0

    def resident(self) -> Resident:
        return self.rng.choice(self.setup.residents)

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
        body = {"quarter": self.setup.quarter, "minutes": minutes or self.rng.choice((15, 30, 60))}
        await self.flow("pledge", "/pledges", body, who.headers, who)

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
                "return", path, {"count": 1}, keeper.headers, keeper, on_behalf_of=point
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
            answer = await self.flow("lend", path, body, keeper.headers, keeper, on_behalf_of=point)
        finally:
            record.lending[kind] -= 1
        if answer is None:
            record.held[borrower.id] -= 1
        else:
            record.open_loans[answer["id"]] = (borrower.id, kind)

    async def ballot(self, voter: Resident) -> None:
        choices = [p for p in self.setup.ballot_projects if self.setup.projects[p] != voter.id]
        approvals = self.rng.sample(choices, self.rng.randint(1, len(choices)))
        body = {"id": str(uuid.uuid4()), "approvals": approvals}
        path = f"/rounds/{self.setup.round_id}/ballots"
        status, first = await self.call(
            "ballot (compose)", "POST", path, voter.headers, body, expect=422
        )
        if first.get("type") != "unsigned":
            return
        signature = sign_composed(voter.key, first["signing_payload"], domain=Domain.BALLOT)
        signed = {**body, "signatures": [signature]}
        status, receipt = await self.call("ballot", "POST", path, voter.headers, signed, expect=201)
        if status == 201:
            self.record.ballots[receipt["ballot_id"]] = receipt["log_index"]

    # The run.

    async def run(self, clients: int, seconds: float, requests: int, burst: int) -> float:
        """The mix for ``seconds`` or ``requests``; the gift burst a third of the way in and
        the ballots at four fifths. Seconds the ballots arrived before their deadline."""
        operations: dict[str, Callable[[], Awaitable[None]]] = {
            "exchange": self.exchange,
            "statement": self.statement,
            "search": self.search,
            "proof": self.proof,
            "goods": self.goods,
            "pledge": self.pledge,
            "gift": self.gift,
            "offer": self.offer,
        }
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        began = time.perf_counter()
        stop = began + seconds

        async def client() -> None:
            while time.perf_counter() < stop and self.sent < requests:
                await operations[self.rng.choices(names, weights)[0]]()

        async def gift_burst() -> None:
            await asyncio.sleep(seconds / 3)
            await asyncio.gather(*(self.gift("gift (burst)") for _ in range(burst)))

        async def ballots() -> float:
            await asyncio.sleep(seconds * 4 / 5)
            assert self.setup.ballot_close is not None
            left = (self.setup.ballot_close - datetime.now(UTC)).total_seconds()
            await asyncio.gather(*(self.ballot(voter) for voter in self.setup.residents))
            return left

        voting = asyncio.create_task(ballots())
        await asyncio.gather(*(client() for _ in range(clients)), gift_burst())
        return await voting


def _signed(body: bytes) -> tuple[str, Posted]:
    """The kind and postings of a signed transaction body."""
    document: dict[str, Any] = json.loads(body)
    return document["kind"], _postings(document["postings"])


async def set_up(
    session: aiohttp.ClientSession, server: Server, token: str, members: int, seconds: float
) -> Mix:
    """The territory, through the API; its writes are kept like the load's."""
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
    setup = Setup(residents, territory, current_quarter(date.today()), projects, point)
    mix = Mix(session, base, setup, seed=11)
    keeper = residents[0]
    for slug, count in GOODS.items():
        deposit = {"kind": slug, "count": count}
        path = f"/collection-points/{point}/deposits"
        if (
            await mix.flow("deposit", path, deposit, keeper.headers, keeper, on_behalf_of=point)
            is None
        ):
            raise RuntimeError(f"the deposit was refused: {dict(mix.errors)}")

    async def settle(resident: Resident) -> None:
        async with gate:
            await mix.offer(resident)
            await mix.pledge(resident, SETUP_PLEDGE)

    await asyncio.gather(*(settle(r) for r in residents))
    await open_round(session, base, operator, setup, seconds)
    if mix.errors:
        raise RuntimeError(f"the setup was refused: {dict(mix.errors)}")
    return mix


async def open_round(
    session: aiohttp.ClientSession,
    base: str,
    operator: Mapping[str, str],
    setup: Setup,
    seconds: float,
) -> None:
    """A round in its ballot: the stances must all be in before the consent deadline
    (then the poll closes at once), and the ballot closes only after the load."""
    now = datetime.now(UTC)
    # Room for every stance (a few per second on a busy machine), then the load.
    consent_close = now + timedelta(seconds=10 + len(setup.residents) / 4)
    setup.ballot_close = consent_close + timedelta(seconds=seconds + 5)
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
    leads = {r.id: r for r in setup.residents}
    for project, hours in zip(ids, (300, 240, 300), strict=True):
        submission = {"project_id": project, "ask_eur": 0, "ask_hours": hours}
        await post_json(
            session,
            f"{base}/rounds/{rid}/submissions",
            submission,
            leads[setup.projects[project]].headers,
        )
    await post_json(session, f"{base}/rounds/{rid}/snapshot", {}, operator)
    lines = {"lines": [{"project_id": ids[1], "eur": 0, "hours": 240}]}
    await post_json(session, f"{base}/rounds/{rid}/proposals", lines, operator)
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


async def read_back(session: aiohttp.ClientSession, mix: Mix, result: MixResult) -> None:
    """Every acknowledged write, read back and compared with what it should be."""
    base, record, operator = mix.base, mix.record, mix.setup.territory.operator

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
        "ballots": [ballot(i, n) for i, n in record.ballots.items()],
    }
    for name, pending in checks.items():
        found = 0
        for start in range(0, len(pending), 50):  # a bounded number in flight
            found += sum(await asyncio.gather(*pending[start : start + 50]))
        result.acknowledged[name] = len(pending)
        result.lost[name] = len(pending) - found
    _, shown = await _get(session, f"{base}/rounds/{mix.setup.round_id}", operator)
    # Counted either way: a ballot the round holds that no voter saw acknowledged is as
    # wrong as one missing.
    result.lost["ballots counted"] = abs(len(record.ballots) - shown["ballots_cast"])

    units = ["TIME", "PLEDGE", *(f"GOOD.{slug}" for slug in GOODS)]
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
    invariants = [
        await units_balance(session, base, operator, units),
        await check_ledger(session, base, territory, gifts=record.gifts),
    ]
    result.invariants = next((i for i in invariants if i != "ok"), "ok")


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
    result.errors = dict(mix.errors)


async def run_mix(
    store: Store,
    *,
    seconds: float,
    requests: int,
    clients: int,
    members: int,
    burst: int | None = None,
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
            mix = await set_up(session, server, token, members, seconds)
            mix.reset()
            size_before, bytes_before = (
                await log_size(session, server.base),
                await server.database_bytes(),
            )
            result.gift_burst = members * 3 if burst is None else burst
            began = time.perf_counter()
            left = await mix.run(clients, seconds, requests, result.gift_burst)
            _summary(mix, result, time.perf_counter() - began)
            result.ballots_before_deadline_s = round(left, 1)
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
    lines = [
        f"## Mixed load on {r.store}",
        "",
        f"{r.members} members, {r.clients} clients, {r.seconds} s: {r.requests} requests "
        f"({r.requests_per_s}/s), {r.writes_acknowledged} writes acknowledged "
        f"({r.writes_per_s}/s); a burst of {r.gift_burst} gifts; the ballots arrived "
        f"{r.ballots_before_deadline_s} s before their deadline.",
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
    acknowledged = ", ".join(f"{k} {v}" for k, v in r.acknowledged.items())
    lost = ", ".join(f"{k} {v}" for k, v in r.lost.items())
    lines += [
        "",
        f"- errors: {errors}",
        f"- server peak RSS: {r.peak_rss_mib} MiB",
        f"- database: {r.database_bytes:,} bytes for {r.log_entries:,} log entries; "
        f"{r.bytes_per_entry_during_load:,} bytes per entry written during the load",
        f"- acknowledged writes read back: {acknowledged}; lost: {lost}",
        f"- balances differing from the acknowledged postings: {r.balance_mismatches}",
        f"- invariants: {r.invariants}; export verify: {r.verify}",
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
    parser.add_argument("--output", type=Path, default=ROOT / "load_tests" / "results")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    raise SystemExit(0 if all(r.passed for r in results) else 1)


if __name__ == "__main__":
    main()
