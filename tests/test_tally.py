"""The tally: Equal Shares over euros and hours, completion, ties, and its transcript."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from load_tests.bench_pabutools import pabutools_outcome

from mutual.core.tally import (
    CompletionStep,
    Item,
    MesStep,
    Rule,
    TallyError,
    TallyInput,
    TallyParameters,
    TallyProject,
    build_items,
    tally,
    tie_hash,
    transcript_bytes,
    transcript_document,
    voter_groups,
)
from mutual.core.tally_mes import EqualShares, MesRun

F = Fraction


def _input(
    projects: list[TallyProject],
    ballots: dict[str, set[str]],
    budget_eur: int,
    budget_hours: int,
    rule: Rule = Rule.MES,
    conflicts: dict[str, set[str]] | None = None,
    share_step: Fraction | None = None,
) -> TallyInput:
    return TallyInput(
        projects=tuple(projects),
        ballots={voter: frozenset(approved) for voter, approved in ballots.items()},
        budget_eur=budget_eur,
        budget_hours=budget_hours,
        parameters=TallyParameters(rule, seed=b"2027-Q1", share_step=share_step),
        conflicts={voter: frozenset(c) for voter, c in (conflicts or {}).items()},
    )


WORKED = [
    TallyProject("X", 40, 30),
    TallyProject("Y", 60, 0),
    TallyProject("Z", 0, 20),
]
WORKED_BALLOTS = {"A": {"X", "Y"}, "B": {"X", "Z"}}


def test_the_scarcer_resource_sets_the_price() -> None:
    """Wallets 50 EUR / 30 h each: X costs each half (20 EUR, 15 h); Y and Z stay
    unaffordable, and the reasons give the numbers in both resources."""
    result = tally(_input(WORKED, WORKED_BALLOTS, 100, 60))
    assert result.selected_ids == ("X",)
    doc = transcript_document(result)
    (step,) = doc["mes"]["steps"]
    assert step["rho"] == "1/2"
    assert (step["price_eur"], step["price_hours"]) == ("20/1", "15/1")
    assert step["payments"] == [
        {"voters": ["A"], "eur": "20/1", "hours": "15/1"},
        {"voters": ["B"], "eur": "20/1", "hours": "15/1"},
    ]
    assert (step["wallets_left_eur"], step["wallets_left_hours"]) == ("60/1", "30/1")
    reasons = {u["project"]: u for u in doc["unfunded"]}
    assert reasons["Y"]["reason"] == "supporters_short"
    assert (reasons["Y"]["supporters_eur"], reasons["Y"]["cost_eur"]) == ("30/1", 60)
    assert (reasons["Z"]["supporters_hours"], reasons["Z"]["cost_hours"]) == ("15/1", 20)
    assert doc["summary"] == {"voters": 2, "voters_funded": 2}


def test_greedy_takes_most_approvals_then_lowest_normalised_cost() -> None:
    """X has two approvals; Y and Z one each, and Z (1/3 of the hours) is cheaper in
    normalised terms than Y (3/5 of the euros), so Z comes before Y."""
    result = tally(_input(WORKED, WORKED_BALLOTS, 100, 60, Rule.GREEDY))
    assert result.selected_ids == ("X", "Z", "Y")
    assert (result.total_eur, result.total_hours) == (100, 50)
    voter_a = result.voters[0]
    assert (voter_a.paid_eur, voter_a.spent_eur) == (F(0), F(20 + 60))


def test_a_conflicted_voter_cannot_pay_for_their_project() -> None:
    """A leads X: B alone pays all of it (its 30 h are all B's hours), A pays nothing."""
    ballots = {"A": {"X", "Y"}, "B": {"X"}}
    result = tally(_input(WORKED, ballots, 100, 60, conflicts={"A": {"X"}}))
    assert result.selected_ids == ("X",)
    a, b = result.voters
    assert (a.paid_eur, a.paid_hours) == (F(0), F(0))
    assert (b.paid_eur, b.paid_hours) == (F(40), F(30))


def test_all_approvers_conflicted_is_a_reason() -> None:
    """A project whose only approver leads it finds no payer under Equal Shares."""
    result = tally(
        _input([TallyProject("X", 10, 0)], {"A": {"X"}, "B": set()}, 100, 0, conflicts={"A": {"X"}})
    )
    assert result.selected_ids == ()
    assert result.unfunded[0].reason == "conflicted_supporters"


def test_a_minimum_and_ask_project_is_a_core_then_an_extension() -> None:
    """P asks 100 EUR with a minimum of 40: the core is bought first (20 each), Q is
    unaffordable for A, then the extension takes the 60 left (30 each)."""
    projects = [TallyProject("P", 100, 0, min_eur=40), TallyProject("Q", 50, 0)]
    result = tally(_input(projects, {"A": {"P", "Q"}, "B": {"P"}}, 100, 0))
    assert [(s.item.project_id, s.item.part, s.rho) for s in result.run.steps] == [
        ("P", "core", F(1, 2)),
        ("P", "extension", F(1, 2)),
    ]
    assert [(p.project_id, p.part, p.cost_eur) for p in result.selected] == [
        ("P", "core+extension", 100)
    ]
    assert {(u.project_id, u.reason) for u in result.unfunded} == {("Q", "budget_left_short")}


def test_an_extension_waits_for_its_core() -> None:
    """Greedy never takes an extension whose core it did not take."""
    projects = [TallyProject("P", 100, 0, min_eur=80), TallyProject("Q", 30, 0)]
    result = tally(_input(projects, {"A": {"Q"}, "B": {"Q", "P"}, "C": {"Q"}}, 100, 0, Rule.GREEDY))
    assert result.selected_ids == ("Q",)
    assert {(u.project_id, u.part, u.reason) for u in result.unfunded} == {
        ("P", "core", "budget_left_short"),
        ("P", "extension", "core_not_funded"),
    }


def test_add1_raises_the_share_and_keeps_the_last_feasible() -> None:
    """Plain MES leaves money; Add1 raises the share step by step and stops when the
    outcome is exhaustive; greedy then has nothing left to add."""
    projects = [TallyProject("P", 60, 0), TallyProject("Q", 40, 0)]
    ballots = {"A": {"P"}, "B": {"P"}, "C": {"Q"}, "D": {"Q"}}
    plain = tally(_input(projects, ballots, 100, 0))
    assert plain.selected_ids == ("Q",)
    add1 = tally(_input(projects, ballots, 100, 0, Rule.MES_ADD1, share_step=F(1, 100)))
    assert set(add1.selected_ids) == {"P", "Q"}
    assert add1.run.share == F(30, 100)
    assert add1.completion[-1].exhaustive
    assert [c.share for c in add1.completion] == [F(25 + k, 100) for k in range(6)]


def test_invalid_inputs_are_refused_with_codes() -> None:
    """Unknown projects, empty asks, bad minimums and a missing Add1 step are refused."""
    cases: list[tuple[TallyInput, str]] = [
        (_input([TallyProject("P", 1, 0)], {"A": {"Z"}}, 10, 0), "unknown_project"),
        (_input([TallyProject("P", 0, 0)], {}, 10, 0), "invalid_cost"),
        (_input([TallyProject("P", 5, 0, min_eur=6)], {}, 10, 0), "invalid_minimum"),
        (_input([TallyProject("P", 5, 0)], {}, 10, 0, Rule.MES_ADD1), "invalid_step"),
    ]
    for data, code in cases:
        with pytest.raises(TallyError) as caught:
            tally(data)
        assert caught.value.code == code


def test_the_transcript_is_plain_canonical_json() -> None:
    """The transcript holds only plain JSON values and its bytes are canonical."""
    result = tally(
        _input(WORKED, WORKED_BALLOTS, 100, 60, Rule.MES_ADD1_GREEDY, share_step=F(1, 10))
    )
    raw = transcript_bytes(result)
    assert json.loads(raw) == transcript_document(result)
    assert transcript_document(result)["tie_order"] == sorted(
        ({"project": p, "sha256": tie_hash(b"2027-Q1", p)} for p in "XYZ"),
        key=lambda row: row["sha256"],
    )


# --- properties --------------------------------------------------------------------------


@st.composite
def instances(
    draw: st.DrawFn, *, hours: bool = True, minimums: bool = True, conflicts: bool = True
) -> TallyInput:
    count = draw(st.integers(1, 5))
    projects = []
    for index in range(count):
        eur = draw(st.integers(0 if hours else 1, 30))
        hrs = draw(st.integers(0, 30)) if hours else 0
        assume(eur + hrs > 0)
        min_eur = min_hours = None
        if minimums and draw(st.booleans()):
            min_eur = draw(st.integers(0, eur))
            min_hours = draw(st.integers(0, hrs))
            assume(min_eur + min_hours > 0)
        projects.append(TallyProject(f"p{index}", eur, hrs, min_eur, min_hours))
    ids = [p.project_id for p in projects]
    voters = draw(st.integers(1, 7))
    budget_eur = draw(st.integers(0 if hours else 1, 60))
    ballots = {f"v{i}": set(draw(st.sets(st.sampled_from(ids)))) for i in range(voters)}
    declared = {
        voter: set(draw(st.sets(st.sampled_from(ids), max_size=1)))
        for voter in ballots
        if conflicts and draw(st.booleans())
    }
    rule = draw(st.sampled_from(list(Rule)))
    return _input(
        projects,
        ballots,
        budget_eur,
        draw(st.integers(0, 60)) if hours else 0,
        rule,
        declared,
        share_step=F(1, 3 * voters),
    )


@given(instances())
@settings(max_examples=300, deadline=None)
def test_every_outcome_fits_both_budgets_and_no_voter_overspends(data: TallyInput) -> None:
    """Whatever the rule, the selection fits both budgets and no voter pays more than
    their wallets hold."""
    result = tally(data)
    assert result.total_eur <= data.budget_eur
    assert result.total_hours <= data.budget_hours
    share = result.run.share
    for voter in result.voters:
        assert 0 <= voter.paid_eur <= share * data.budget_eur
        assert 0 <= voter.paid_hours <= share * data.budget_hours
    assert all(w >= 0 for w in (*result.run.wallets_eur, *result.run.wallets_hours))


@given(instances(), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_order_of_voters_ballots_and_projects_does_not_matter(data: TallyInput, rnd: Any) -> None:
    """Shuffling voters, ballots and projects gives byte-identical transcripts."""
    voters = list(data.ballots.items())
    rnd.shuffle(voters)
    projects = list(data.projects)
    rnd.shuffle(projects)
    shuffled = TallyInput(
        projects=tuple(projects),
        ballots=dict(voters),
        budget_eur=data.budget_eur,
        budget_hours=data.budget_hours,
        parameters=data.parameters,
        conflicts=dict(reversed(list(data.conflicts.items()))),
    )
    assert transcript_bytes(tally(shuffled)) == transcript_bytes(tally(data))


@given(instances())
@settings(max_examples=100, deadline=None)
def test_identical_inputs_give_identical_bytes(data: TallyInput) -> None:
    """Two tallies of the same input give the same transcript, byte for byte."""
    assert transcript_bytes(tally(data)) == transcript_bytes(tally(data))


@given(instances(minimums=False), st.permutations(range(5)))
@settings(max_examples=200, deadline=None)
def test_renaming_projects_only_changes_the_seeded_order(
    data: TallyInput, order: list[int]
) -> None:
    """With distinct normalised costs the seeded order never decides, so the selection
    maps through a renaming of the projects."""
    costs = [
        max(
            F(p.cost_eur, data.budget_eur) if data.budget_eur else F(p.cost_eur * 1000),
            F(p.cost_hours, data.budget_hours) if data.budget_hours else F(p.cost_hours * 1000),
        )
        for p in data.projects
    ]
    assume(len(set(costs)) == len(costs))
    rename = {p.project_id: f"r{order[i]}" for i, p in enumerate(data.projects)}
    renamed = TallyInput(
        projects=tuple(
            TallyProject(rename[p.project_id], p.cost_eur, p.cost_hours) for p in data.projects
        ),
        ballots={v: frozenset(rename[p] for p in a) for v, a in data.ballots.items()},
        budget_eur=data.budget_eur,
        budget_hours=data.budget_hours,
        parameters=data.parameters,
        conflicts={v: frozenset(rename[p] for p in c) for v, c in data.conflicts.items()},
    )
    expected = {rename[p] for p in tally(data).selected_ids}
    assert set(tally(renamed).selected_ids) == expected


def _swap(data: TallyInput) -> TallyInput:
    return TallyInput(
        projects=tuple(
            TallyProject(p.project_id, p.cost_hours, p.cost_eur, p.min_hours, p.min_eur)
            for p in data.projects
        ),
        ballots=data.ballots,
        budget_eur=data.budget_hours,
        budget_hours=data.budget_eur,
        parameters=data.parameters,
        conflicts=data.conflicts,
    )


@given(instances())
@settings(max_examples=150, deadline=None)
def test_euros_and_hours_play_symmetric_roles(data: TallyInput) -> None:
    """Swapping the two resources selects the same projects."""
    assert tally(_swap(data)).selected_ids == tally(data).selected_ids


def reference_mes(
    costs: dict[str, int], ballots: dict[str, frozenset[str]], budget: int
) -> set[str]:
    """Textbook one-resource MES with cost utilities, written naively: every round,
    every project's smallest rho by bisection over the sorted wallets."""
    wallets = {voter: F(budget, len(ballots)) for voter in ballots}
    chosen: set[str] = set()
    seed = b"2027-Q1"
    approvals = {p: sum(p in a for a in ballots.values()) for p in costs}
    while True:
        best: tuple[Any, ...] | None = None
        for project, cost in costs.items():
            payers = [v for v, a in ballots.items() if project in a]
            if project in chosen or not payers or sum(wallets[v] for v in payers) < cost:
                continue
            levels = sorted({F(0), *(wallets[v] for v in payers)})
            price = None
            for low, high in zip(levels, [*levels[1:], None], strict=True):
                paid_low = sum(min(wallets[v], low) for v in payers)
                rich = sum(1 for v in payers if wallets[v] > low)
                candidate = low + F(cost - paid_low, rich) if rich else low
                if high is None or candidate <= high:
                    price = candidate
                    break
            assert price is not None
            key = (price / cost, F(cost), -approvals[project], tie_hash(seed, project))
            if best is None or key < best[0]:
                best = (key, project, price, payers)
        if best is None:
            return chosen
        _, project, price, payers = best
        chosen.add(project)
        for voter in payers:
            wallets[voter] -= min(wallets[voter], price)


@given(instances(hours=False, minimums=False, conflicts=False))
@settings(max_examples=300, deadline=None)
def test_without_hours_it_is_the_textbook_one_resource_mes(data: TallyInput) -> None:
    """Hours at zero: plain Equal Shares selects what a naive one-resource MES selects."""
    assume(data.ballots and not data.conflicts)
    plain = TallyInput(
        data.projects, data.ballots, data.budget_eur, 0, TallyParameters(Rule.MES, b"2027-Q1"), {}
    )
    costs = {p.project_id: p.cost_eur for p in data.projects}
    assume(data.budget_eur > 0)
    assert set(tally(plain).selected_ids) == reference_mes(
        costs, dict(data.ballots), data.budget_eur
    )


@given(instances(hours=False, minimums=False, conflicts=False))
@settings(max_examples=60, deadline=None)
def test_without_hours_it_matches_pabutools_on_small_random_instances(data: TallyInput) -> None:
    """On small random one-resource instances every rule selects what pabutools selects."""
    from pabutools.election import (  # type: ignore[import-untyped]
        ApprovalBallot,
        ApprovalProfile,
        Instance,
        Project,
    )

    assume(data.ballots and data.budget_eur > 0 and not data.conflicts)
    # pabutools' greedy would fund a project nobody approved; we never do.
    assume(all(any(p.project_id in a for a in data.ballots.values()) for p in data.projects))
    projects = {p.project_id: Project(p.project_id, p.cost_eur) for p in data.projects}
    instance = Instance(projects.values(), budget_limit=data.budget_eur)
    profile = ApprovalProfile(
        [ApprovalBallot(projects[p] for p in data.ballots[v]) for v in sorted(data.ballots)]
    )
    rule = data.parameters.rule
    outcome = pabutools_outcome(instance, profile, rule, b"2027-Q1")
    # Our Add1 step is a share of the budget; pabutools' is one currency unit per voter.
    share_step = F(1, data.budget_eur)
    ours = TallyInput(
        data.projects,
        data.ballots,
        data.budget_eur,
        0,
        TallyParameters(rule, b"2027-Q1", share_step=share_step),
        {},
    )
    assert set(tally(ours).selected_ids) == {p.name for p in outcome}


# --- the tally against its straightforward form ----------------------------------------


def straightforward_mes(data: TallyInput, share: Fraction) -> MesRun:
    """Equal Shares as first written, the specification the fast run is held to: one
    Fraction per wallet, every candidate's ``rho`` recomputed at every step by walking
    its payers in increasing capacity, no bounds and no common denominator."""
    items, extensions = build_items(data)
    groups = voter_groups(data)

    def payers(pid: str) -> list[int]:
        return [
            g for g, grp in enumerate(groups) if pid in grp.approved and pid not in grp.conflicted
        ]

    def capacity(item: Item, g: int) -> Fraction:
        terms = []
        if item.cost_eur:
            terms.append(wallets_eur[g] / item.cost_eur)
        if item.cost_hours:
            terms.append(wallets_hours[g] / item.cost_hours)
        return min(terms)

    def rho(item: Item) -> Fraction | None:
        remaining, rich = Fraction(1), sum(sizes[g] for g in payers(item.project_id))
        for kappa, g in sorted((capacity(item, g), g) for g in payers(item.project_id)):
            if kappa >= remaining / rich:
                return remaining / rich
            remaining, rich = remaining - kappa * sizes[g], rich - sizes[g]
        return None

    sizes = [len(grp.voter_ids) for grp in groups]
    wallets_eur = [share * data.budget_eur for _ in groups]
    wallets_hours = [share * data.budget_hours for _ in groups]
    candidates = [it for it in items if payers(it.project_id)]
    left_eur, left_hours = (
        share * data.budget_eur * sum(sizes),
        share * data.budget_hours * sum(sizes),
    )
    steps: list[MesStep] = []
    while True:
        priced = [(r, it.tie_key, it) for it in candidates if (r := rho(it)) is not None]
        if not priced:
            break
        best = min(priced)
        tied = tuple(sorted((it for r, _, it in priced if r == best[0]), key=lambda i: i.tie_key))
        chosen = best[2]
        payments = []
        for g in payers(chosen.project_id):
            fraction = min(capacity(chosen, g), best[0])
            wallets_eur[g] -= fraction * chosen.cost_eur
            wallets_hours[g] -= fraction * chosen.cost_hours
            left_eur -= fraction * chosen.cost_eur * sizes[g]
            left_hours -= fraction * chosen.cost_hours * sizes[g]
            payments.append((g, fraction))
        candidates.remove(chosen)
        if chosen.part == "core":
            candidates.append(extensions[chosen.project_id])
        steps.append(
            MesStep(
                chosen,
                best[0],
                tuple(payments),
                tied if len(tied) > 1 else (),
                left_eur,
                left_hours,
            )
        )
    return MesRun(
        share,
        tuple(step.item for step in steps),
        tuple(steps),
        tuple(wallets_eur),
        tuple(wallets_hours),
    )


def straightforward_add1(data: TallyInput) -> tuple[MesRun, list[CompletionStep]]:
    """Add1 as first written: one whole run at every share, in order."""
    items, extensions = build_items(data)
    groups = voter_groups(data)
    payable = {pid for grp in groups for pid in grp.approved - grp.conflicted}
    step = data.parameters.share_step
    assert step is not None
    share = Fraction(1, len(data.ballots))
    previous = MesRun(share, (), (), (), ())
    completion = []
    while True:
        run = straightforward_mes(data, share)
        chosen = set(run.selected)
        left_eur = data.budget_eur - sum(it.cost_eur for it in chosen)
        left_hours = data.budget_hours - sum(it.cost_hours for it in chosen)
        feasible = left_eur >= 0 and left_hours >= 0
        cores = {it.project_id for it in chosen if it.part == "core"}
        eligible = [
            it
            for it in [*items, *(extensions[pid] for pid in cores)]
            if it not in chosen and it.approvals > 0 and it.project_id in payable
        ]
        exhaustive = feasible and not any(
            it.cost_eur <= left_eur and it.cost_hours <= left_hours for it in eligible
        )
        completion.append(
            CompletionStep(share, len(run.selected), left_eur, left_hours, feasible, exhaustive)
        )
        if not feasible:
            return previous, completion
        if exhaustive:
            return run, completion
        previous, share = run, share + step


@given(
    instances(),
    st.sampled_from([Rule.MES, Rule.MES_ADD1]),
    st.sampled_from([1, 3, 10, 40]),
)
@settings(max_examples=200, deadline=None)
def test_the_tally_computes_what_the_straightforward_tally_computes(
    data: TallyInput, rule: Rule, divisor: int
) -> None:
    """The run and every Add1 attempt are exactly the straightforward ones (same items,
    rho, payments, ties and wallets, as fractions), whatever the step, so that shares
    proven alike are recorded as running them would; what voters paid is the sum of
    their payments, and the supporters' wallets add up."""
    assume(data.ballots)
    step = Fraction(1, divisor * len(data.ballots))
    data = TallyInput(
        data.projects,
        data.ballots,
        data.budget_eur,
        data.budget_hours,
        TallyParameters(rule, data.parameters.seed, share_step=step),
        data.conflicts,
    )
    result = tally(data)
    if rule == Rule.MES:
        assert result.run == straightforward_mes(data, Fraction(1, len(data.ballots)))
    else:
        run, completion = straightforward_add1(data)
        assert (result.run, list(result.completion)) == (run, completion)
    groups = voter_groups(data)
    for voter in result.voters:
        (g,) = [g for g, grp in enumerate(groups) if voter.voter_id in grp.voter_ids]
        paid = [
            (f * s.item.cost_eur, f * s.item.cost_hours)
            for s in result.run.steps
            for h, f in s.payments
            if h == g
        ]
        assert (voter.paid_eur, voter.paid_hours) == (
            sum(p[0] for p in paid),
            sum(p[1] for p in paid),
        )
    if result.run.wallets_eur:
        for unfunded in result.unfunded:
            supporters = [
                g
                for g, grp in enumerate(groups)
                if unfunded.project_id in grp.approved - grp.conflicted
            ]
            assert unfunded.supporters_eur == sum(
                result.run.wallets_eur[g] * len(groups[g].voter_ids) for g in supporters
            )
            assert unfunded.supporters_hours == sum(
                result.run.wallets_hours[g] * len(groups[g].voter_ids) for g in supporters
            )


@given(instances(), st.integers(1, 40), st.integers(0, 30))
@settings(max_examples=300, deadline=None)
def test_shares_a_run_proves_alike_select_the_same_items(
    data: TallyInput, divisor: int, offset: int
) -> None:
    """``Run.same_for``: every share it covers selects the same items in the same order
    (checked by running them)."""
    assume(data.ballots)
    items, extensions = build_items(data)
    shares = EqualShares(items, extensions, voter_groups(data), data.budget_eur, data.budget_hours)
    step = Fraction(1, divisor * len(data.ballots))
    share = Fraction(1, len(data.ballots)) + offset * step
    run = shares.run(share, step)
    for k in range(1, min(run.same_for or 0, 12) + 1):
        assert shares.run(share + k * step).selected == run.selected


def test_a_run_proves_the_shares_before_the_next_purchase() -> None:
    """P (60 EUR) needs its two supporters' wallets to reach 30 each; Q (40 EUR) is
    bought from 20 each. At a quarter of the budget each, the shares 26/100 to 29/100
    still buy only Q; at 30/100 P is affordable: four shares proven alike."""
    projects = [TallyProject("P", 60, 0), TallyProject("Q", 40, 0)]
    data = _input(projects, {"A": {"P"}, "B": {"P"}, "C": {"Q"}, "D": {"Q"}}, 100, 0)
    items, extensions = build_items(data)
    shares = EqualShares(items, extensions, voter_groups(data), 100, 0)
    assert shares.run(F(25, 100), F(1, 100)).same_for == 4
    assert shares.run(F(29, 100), F(1, 100)).same_for == 0
    assert shares.run(F(30, 100), F(1, 100)).selected != shares.run(F(29, 100)).selected
