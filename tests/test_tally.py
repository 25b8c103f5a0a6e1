"""The tally: Equal Shares over euros and hours, completion, ties, and its transcript."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mutual.core.tally import (
    Rule,
    TallyError,
    TallyInput,
    TallyParameters,
    TallyProject,
    tally,
    tie_hash,
    transcript_bytes,
    transcript_document,
)
from tests.test_pabulib import pabutools_tie_breaking

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
        Cost_Sat,
        Instance,
        Project,
    )
    from pabutools.rules import (  # type: ignore[import-untyped]
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    assume(data.ballots and data.budget_eur > 0 and not data.conflicts)
    # pabutools' greedy would fund a project nobody approved; we never do.
    assume(all(any(p.project_id in a for a in data.ballots.values()) for p in data.projects))
    projects = {p.project_id: Project(p.project_id, p.cost_eur) for p in data.projects}
    instance = Instance(projects.values(), budget_limit=data.budget_eur)
    profile = ApprovalProfile(
        [ApprovalBallot(projects[p] for p in data.ballots[v]) for v in sorted(data.ballots)]
    )
    ties = pabutools_tie_breaking(b"2027-Q1")
    step = 1
    # Our Add1 step is a share of the budget; pabutools' is in currency units per voter.
    share_step = F(step, data.budget_eur)
    mes: dict[str, Any] = {"sat_class": Cost_Sat, "tie_breaking": ties}
    rule = data.parameters.rule
    if rule == Rule.MES:
        outcome = method_of_equal_shares(instance, profile, **mes)
    elif rule == Rule.MES_ADD1:
        outcome = method_of_equal_shares(instance, profile, voter_budget_increment=step, **mes)
    elif rule == Rule.MES_ADD1_GREEDY:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {**mes, "voter_budget_increment": step},
                {"sat_class": Cost_Sat, "tie_breaking": ties},
            ],
        )
    else:
        outcome = greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, tie_breaking=ties
        )
    ours = TallyInput(
        data.projects,
        data.ballots,
        data.budget_eur,
        0,
        TallyParameters(rule, b"2027-Q1", share_step=share_step),
        {},
    )
    assert set(tally(ours).selected_ids) == {p.name for p in outcome}
