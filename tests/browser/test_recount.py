"""The tally recounted in the browser (``web/js/recount.js``, written from
contracts/tally.md) against the Python tally (``core/tally``): on the contract's vectors,
on generated rounds, on every Pabulib instance in ../shared/data/pabulib under each
rule, and on the demo's decided round, recounted in the page a resident signs in to."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from mutual.core.pabulib import parse_pb
from mutual.core.pabulib import tally_input as pb_tally_input
from mutual.core.tally import Rule, tally, transcript_document
from tests.browser.conftest import PHONE, Live
from tests.browser.helpers import SCREENSHOTS, check
from tests.browser.test_demo_way_in import Printed

# The demo as its own test starts it (a fixture, used here by name).
from tests.browser.test_demo_way_in import demo as demo
from tests.tally_vectors import VECTORS, expected, input_document, parse_input, tally_sha256
from tests.test_pabulib import INSTANCES

# Each input in the page: the transcript's hash, the decision's, and (for a small one)
# the transcript itself, so that a difference shows where it starts; the time it took.
RECOUNT_IN_PAGE = """async ({cases, full}) => {
  const r = await import("/app/js/recount.js");
  const out = [];
  for (const c of cases) {
    const started = performance.now();
    try {
      const counted = await r.tally(c.input);
      const found = { sha: counted.tally_sha256, ms: performance.now() - started };
      if (full) found.transcript = counted.transcript;
      if (c.round) {
        const d = await r.decisionOf(c.round, c.kept, counted.selected, counted.tally_sha256);
        found.decision = d.lines;
        found.decision_sha = d.decision_sha256;
      }
      out.push(found);
    } catch (error) {
      out.push({ error: `${error.name}: ${error.message}` });
    }
  }
  return out;
}"""


@pytest.fixture
def page(serve: Callable[[str], Live], new_context: Callable[..., BrowserContext]) -> Page:
    live = serve("sqlite")
    opened = new_context().new_page()
    opened.goto(f"{live.url}/app/")
    return opened


def _recount(page: Page, cases: list[dict[str, Any]], full: bool) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(RECOUNT_IN_PAGE, {"cases": cases, "full": full})
    return found


def test_the_contract_vectors_pass_in_the_browser(page: Page) -> None:
    vectors = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(VECTORS.glob("*.json"))]
    assert len(vectors) >= 10
    found = _recount(page, vectors, full=True)
    for vector, got in zip(vectors, found, strict=True):
        want = vector["expected"]
        assert "error" not in got, (vector["name"], got)
        assert got["transcript"] == want["transcript"], vector["name"]
        assert got["sha"] == want["tally_sha256"], vector["name"]
        assert got["decision"] == want["decision"], vector["name"]
        assert got["decision_sha"] == want["decision_sha256"], vector["name"]


def _generated(rng: random.Random) -> dict[str, Any]:
    """A small random round: up to seven projects over one or two resources, some with a
    minimum, some above a budget; up to twenty voters, some with empty ballots or
    conflicts; any rule, any seed, a coarse Add1 step so that completion ends soon."""
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(rng.randint(1, 7))]
    hours_used = rng.random() < 0.7
    budget_eur = rng.choice([0, 1_000, 50_000, 100_000])
    budget_hours = rng.choice([0, 600, 3_000]) if hours_used else 0
    projects = []
    for pid in ids:
        eur = rng.choice([0, rng.randint(1, 60_000), rng.randint(50_000, 200_000)])
        hours = rng.randint(0, 1_200) if hours_used else 0
        if eur == 0 and hours == 0:
            eur = rng.randint(1, 30_000)
        min_eur = min_hours = None
        if rng.random() < 0.3:
            min_eur = rng.randint(0, eur) if rng.random() < 0.8 else None
            min_hours = rng.randint(0, hours) if rng.random() < 0.8 else None
            if (min_eur or 0) + (min_hours or 0) == 0 and (min_eur, min_hours) != (None, None):
                min_eur, min_hours = eur, None
        projects.append(
            {
                "project": pid,
                "ask_eur": eur,
                "ask_hours": hours,
                "min_eur": min_eur,
                "min_hours": min_hours,
            }
        )
    voters = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(rng.randint(0, 20))]
    # Few distinct ballots, as in a real round: voters in groups with the same choice.
    choices = [rng.sample(ids, rng.randint(0, len(ids))) for _ in range(rng.randint(1, 4))]
    ballots = {v: sorted(rng.choice(choices)) for v in voters}
    conflicts = {
        v: sorted(rng.sample(ids, rng.randint(1, len(ids)))) for v in voters if rng.random() < 0.2
    }
    rule = rng.choice([r.value for r in Rule])
    add1 = rule in (Rule.MES_ADD1, Rule.MES_ADD1_GREEDY)
    return {
        "rule": rule,
        "seed": rng.randbytes(rng.choice([0, 8, 32])).hex(),
        "share_step": rng.choice(["1/20", "1/50", "3/100"]) if add1 else None,
        "budget_eur": budget_eur,
        "budget_hours": budget_hours,
        "projects": projects,
        "ballots": ballots,
        "conflicts": conflicts,
    }


def test_generated_rounds_recount_alike(page: Page) -> None:
    rng = random.Random(20261207)
    cases: list[dict[str, Any]] = []
    for _ in range(48):
        doc = _generated(rng)
        round_id = str(uuid.UUID(int=rng.getrandbits(128)))
        want = expected(doc, round_id, [])
        cases.append({"input": doc, "round": round_id, "kept": [], "want": want})
    rules = {c["input"]["rule"] for c in cases}
    assert rules == {r.value for r in Rule}
    assert any(c["want"]["selected"] for c in cases)
    found = _recount(page, cases, full=True)
    for case, got in zip(cases, found, strict=True):
        want = case["want"]
        assert "error" not in got, (case["input"], got)
        assert got["transcript"] == want["transcript"], case["input"]
        assert (got["sha"], got["decision_sha"]) == (
            want["tally_sha256"],
            want["decision_sha256"],
        )


def test_every_pabulib_instance_recounts_alike(page: Page) -> None:
    """Each real instance under each rule (euros only, as ``mutual tally-pb`` reads it):
    the same transcript hash in the page as in Python, in reasonable time."""
    assert INSTANCES, "the Pabulib instances are missing"
    cases: list[dict[str, Any]] = []
    for path in INSTANCES:
        for rule in Rule:
            data, _ = pb_tally_input(parse_pb(path.read_bytes()), rule)
            assert parse_input(input_document(data)) == data
            cases.append({"name": f"{path.name} {rule}", "input": input_document(data)})
            cases[-1]["sha"] = tally_sha256(tally(data))
    started = time.monotonic()
    found = _recount(page, [{"input": c["input"]} for c in cases], full=False)
    elapsed = time.monotonic() - started
    slowest = max(zip(found, cases, strict=True), key=lambda pair: pair[0].get("ms", 0))
    print(
        f"\nrecount.js on {len(cases)} Pabulib tallies: {elapsed:.1f} s in all; slowest "
        f"{slowest[1]['name']}: {slowest[0]['ms'] / 1000:.2f} s"
    )
    for case, got in zip(cases, found, strict=True):
        assert "error" not in got, (case["name"], got)
        if got["sha"] != case["sha"]:
            data = parse_input(case["input"])
            transcript = transcript_document(tally(data))
            detail = _recount(page, [{"input": case["input"]}], full=True)[0]["transcript"]
            differing = [k for k in transcript if transcript[k] != detail[k]]
            pytest.fail(f"{case['name']}: the page's transcript differs in {differing}")
    # The whole set in well under the couple of minutes a browser test may take.
    assert elapsed < 90


def test_the_demo_round_recounts_in_the_page(
    demo: Printed, new_context: Callable[..., BrowserContext]
) -> None:
    """A resident signs in with what the demo prints, opens the allocation page, and the
    last quarter's round, decided by ballot, is recounted there: same result."""
    _, login, _, _ = demo.logins[0]
    page = new_context(viewport=PHONE).new_page()
    page.goto(demo.page)
    page.get_by_label("Identifiant").first.fill(login)
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon solde")
    page.get_by_role("link", name="Répartition").click()
    recount = page.get_by_test_id("recount")
    expect(recount).to_have_text("Recomptée dans votre navigateur : même résultat.", timeout=60_000)
    # The hash shown is the one the service published for that round.
    rounds = page.evaluate("""async () => (await import("/app/js/api.js")).getAll("/rounds")""")
    decided = [r for r in rounds if r["phase"] in ("decided", "executed") and r["tally_sha256"]]
    assert decided
    expect(page.get_by_role("main")).to_contain_text(decided[0]["tally_sha256"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    violations = check(page, "round-recount-demo")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("recount")).to_have_text(
        "Recounted in your browser: same result.", timeout=60_000
    )
    assert violations == [], "\n".join(violations)

    # Served one ballot other than the one the log holds, the page finds a difference.
    def one_ballot_changed(route: Route) -> None:
        answer = route.fetch()
        served = answer.json()
        target = next(r for r in served["items"] if r["id"] == decided[0]["id"])
        first = target["reveals"][0]
        others = [p for p in target["consent"]["ballot_projects"] if p not in first["approvals"]]
        first["approvals"] = others[:1] if others else []
        route.fulfill(response=answer, json=served)

    page.route("**/api/v1/rounds*", one_ballot_changed)
    page.reload()
    expect(page.get_by_test_id("recount")).to_contain_text(
        "Recounted in your browser: a different result (the tally’s hash", timeout=60_000
    )
    page.unroute("**/api/v1/rounds*")
