// The tally, recounted in the reader's browser from the published ballots. It follows
// contracts/tally.md section by section and imports nothing of the service but the RFC
// 8785 bytes (canonical.js): where it and the Python tally (core/tally.py) disagree, the
// contract is wrong or unclear. tests/browser/test_recount.py holds it to the contract's
// vectors, to the Python tally on generated rounds and on real Pabulib instances, and to
// the demo's decided round.
//
// All arithmetic is exact: amounts are BigInt, every ratio a Fraction of two BigInts in
// lowest terms, as the transcript writes them ("num/den").

import { canonicalBytes } from "./canonical.js";

// --- Exact fractions ------------------------------------------------------------------

function gcd(a, b) {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

class Fraction {
  constructor(n, d = 1n) {
    if (d === 0n) throw new RangeError("division by zero");
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    this.n = g > 1n ? n / g : n;
    this.d = g > 1n ? d / g : d;
  }
  add(o) {
    return this.d === o.d
      ? new Fraction(this.n + o.n, this.d)
      : new Fraction(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o) {
    return this.d === o.d
      ? new Fraction(this.n - o.n, this.d)
      : new Fraction(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o) {
    return new Fraction(this.n * o.n, this.d * o.d);
  }
  mulInt(k) {
    return new Fraction(this.n * k, this.d);
  }
  divInt(k) {
    return new Fraction(this.n, this.d * k);
  }
  cmp(o) {
    const left = this.n * o.d;
    const right = o.n * this.d;
    return left < right ? -1 : left > right ? 1 : 0;
  }
  text() {
    return `${this.n}/${this.d}`;
  }
}

const ZERO = new Fraction(0n);
const ONE = new Fraction(1n);

function parseFraction(text) {
  const match = /^(-?\d+)\/(\d+)$/.exec(text);
  if (!match) throw new TypeError(`not a fraction "p/q": ${text}`);
  return new Fraction(BigInt(match[1]), BigInt(match[2]));
}

const minFraction = (a, b) => (a.cmp(b) <= 0 ? a : b);

// --- Text order and hashes -------------------------------------------------------------

// Ids are ordered by Unicode code points, as the contract says. JavaScript compares
// UTF-16 code units, which differ only between a surrogate and a unit from U+E000 up:
// moving the surrogates above those units gives the code-point order.
function unitKey(unit) {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

export function compareText(a, b) {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitKey(x) < unitKey(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

const byText = (a, b) => compareText(a, b);

function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(text) {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new TypeError("the seed is lowercase hex");
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function tieHash(seed, projectId) {
  const id = new TextEncoder().encode(projectId);
  const message = new Uint8Array(seed.length + id.length);
  message.set(seed, 0);
  message.set(id, seed.length);
  return sha256Hex(message);
}

// --- Input --------------------------------------------------------------------------------

const RULES = ["mes-add1-greedy", "mes-add1", "mes", "greedy"];
const ADD1 = new Set(["mes-add1-greedy", "mes-add1"]);

export class TallyError extends Error {
  constructor(code, detail) {
    super(detail);
    this.code = code;
  }
}

function amount(value, what) {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TallyError("invalid_cost", `${what}: a non-negative integer`);
  }
  return BigInt(value);
}

function readInput(doc) {
  if (!RULES.includes(doc.rule)) throw new TallyError("invalid_rule", `rule ${doc.rule}`);
  const budgetEur = amount(doc.budget_eur, "budget_eur");
  const budgetHours = amount(doc.budget_hours, "budget_hours");
  const projects = [];
  const known = new Set();
  for (const p of doc.projects) {
    if (known.has(p.project)) throw new TallyError("duplicate_project", `${p.project} twice`);
    known.add(p.project);
    const eur = amount(p.ask_eur, p.project);
    const hours = amount(p.ask_hours, p.project);
    if (!eur && !hours) throw new TallyError("invalid_cost", `${p.project}: asks for nothing`);
    const allOrNothing = p.min_eur == null && p.min_hours == null;
    const minEur = allOrNothing || p.min_eur == null ? eur : amount(p.min_eur, p.project);
    const minHours = allOrNothing || p.min_hours == null ? hours : amount(p.min_hours, p.project);
    if (minEur > eur || minHours > hours || (!minEur && !minHours)) {
      throw new TallyError("invalid_minimum", `${p.project}: minimum not within the ask`);
    }
    projects.push({ id: p.project, eur, hours, minEur, minHours });
  }
  const ballots = new Map();
  for (const [voter, approvals] of Object.entries(doc.ballots)) {
    const approved = new Set(approvals);
    for (const pid of approved) {
      if (!known.has(pid)) throw new TallyError("unknown_project", `${voter} approves ${pid}`);
    }
    ballots.set(voter, approved);
  }
  const conflicts = new Map(Object.entries(doc.conflicts ?? {}).map(([v, c]) => [v, new Set(c)]));
  const step = doc.share_step == null ? null : parseFraction(doc.share_step);
  if (ADD1.has(doc.rule) && (step === null || step.n <= 0n)) {
    throw new TallyError("invalid_step", "Add1 needs a positive share_step");
  }
  return {
    rule: doc.rule,
    seedHex: doc.seed,
    seed: fromHex(doc.seed),
    step,
    budgetEur,
    budgetHours,
    projects,
    ballots,
    conflicts,
  };
}

// --- Items, groups, order -----------------------------------------------------------------

function normalisedCost(eur, hours, input) {
  let worst = ZERO;
  for (const [cost, budget] of [
    [eur, input.budgetEur],
    [hours, input.budgetHours],
  ]) {
    if (!cost) continue;
    // A cost against a zero budget counts as more than the whole budget.
    const share = budget ? new Fraction(cost, budget) : new Fraction(cost + 1n);
    if (share.cmp(worst) > 0) worst = share;
  }
  return worst;
}

function tieCompare(a, b) {
  return (
    a.cost.cmp(b.cost) ||
    b.approvals - a.approvals ||
    compareText(a.hash, b.hash) ||
    compareText(a.project, b.project) ||
    compareText(a.part, b.part)
  );
}

const greedyCompare = (a, b) => b.approvals - a.approvals || tieCompare(a, b);

async function buildItems(input) {
  const approvals = new Map(input.projects.map((p) => [p.id, 0]));
  for (const approved of input.ballots.values()) {
    for (const pid of approved) approvals.set(pid, approvals.get(pid) + 1);
  }
  const hashes = new Map(
    await Promise.all(input.projects.map(async (p) => [p.id, await tieHash(input.seed, p.id)])),
  );
  const item = (pid, part, eur, hours) => ({
    project: pid,
    part,
    eur,
    hours,
    approvals: approvals.get(pid),
    cost: normalisedCost(eur, hours, input),
    hash: hashes.get(pid),
  });
  const items = [];
  const extensions = new Map();
  for (const p of input.projects) {
    if (p.minEur === p.eur && p.minHours === p.hours) {
      items.push(item(p.id, "whole", p.eur, p.hours));
    } else {
      items.push(item(p.id, "core", p.minEur, p.minHours));
      extensions.set(p.id, item(p.id, "extension", p.eur - p.minEur, p.hours - p.minHours));
    }
  }
  return { items, extensions, hashes };
}

function voterGroups(input) {
  const byKey = new Map();
  for (const [voter, approved] of input.ballots) {
    const declared = input.conflicts.get(voter) ?? new Set();
    const conflicted = [...approved].filter((pid) => declared.has(pid)).sort(byText);
    const key = JSON.stringify([[...approved].sort(byText), conflicted]);
    let group = byKey.get(key);
    if (!group) {
      group = { voters: [], approved, conflicted: new Set(conflicted) };
      byKey.set(key, group);
    }
    group.voters.push(voter);
  }
  const groups = [...byKey.values()];
  for (const group of groups) {
    group.voters.sort(byText);
    group.size = BigInt(group.voters.length);
  }
  groups.sort((a, b) => compareText(a.voters[0], b.voters[0]));
  return groups;
}

function payingGroups(groups, pid) {
  const found = [];
  groups.forEach((group, g) => {
    if (group.approved.has(pid) && !group.conflicted.has(pid)) found.push(g);
  });
  return found;
}

// What a selection leaves, and which items are still eligible after it.
class Ledger {
  constructor(input, selected) {
    this.selected = [...selected];
    this.leftEur = input.budgetEur;
    this.leftHours = input.budgetHours;
    for (const it of selected) {
      this.leftEur -= it.eur;
      this.leftHours -= it.hours;
    }
  }
  fits(it) {
    return it.eur <= this.leftEur && it.hours <= this.leftHours;
  }
  feasible() {
    return this.leftEur >= 0n && this.leftHours >= 0n;
  }
  eligible(items, extensions) {
    const chosen = new Set(this.selected);
    const cores = this.selected
      .filter((it) => it.part === "core")
      .map((it) => it.project)
      .sort(byText);
    const pool = [...items, ...cores.map((pid) => extensions.get(pid))];
    return pool.filter((it) => !chosen.has(it) && it.approvals > 0);
  }
}

// --- Equal Shares ---------------------------------------------------------------------------

function capacity(it, walletEur, walletHours) {
  if (!it.hours) return walletEur.divInt(it.eur);
  if (!it.eur) return walletHours.divInt(it.hours);
  return minFraction(walletEur.divInt(it.eur), walletHours.divInt(it.hours));
}

function affordability(it, payers, groups, walletsEur, walletsHours) {
  const capacities = payers
    .map((g) => [capacity(it, walletsEur[g], walletsHours[g]), groups[g].size])
    .sort((a, b) => a[0].cmp(b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let remaining = ONE;
  let rich = capacities.reduce((sum, [, size]) => sum + size, 0n);
  for (const [kappa, size] of capacities) {
    const rho = remaining.divInt(rich);
    if (kappa.cmp(rho) >= 0) return rho;
    remaining = remaining.sub(kappa.mulInt(size));
    rich -= size;
  }
  return null;
}

function equalShares(items, extensions, groups, share, input) {
  const walletsEur = groups.map(() => share.mulInt(input.budgetEur));
  const walletsHours = groups.map(() => share.mulInt(input.budgetHours));
  const heads = groups.reduce((sum, group) => sum + group.size, 0n);
  let leftEur = share.mulInt(input.budgetEur * heads);
  let leftHours = share.mulInt(input.budgetHours * heads);
  const payers = new Map(items.map((it) => [it.project, payingGroups(groups, it.project)]));
  const bound = new Map();
  const candidates = new Set();
  const admit = (it) => {
    const count = payers.get(it.project).reduce((sum, g) => sum + groups[g].size, 0n);
    if (count) {
      bound.set(it, new Fraction(1n, count));
      candidates.add(it);
    }
  };
  items.forEach(admit);
  const selected = [];
  const steps = [];
  while (candidates.size) {
    let best = null;
    let tied = [];
    // Wallets only shrink, so a rho found earlier is a lower bound: an item whose
    // bound already exceeds the best rho of this step cannot be bought in it.
    const order = [...candidates].sort(
      (a, b) => bound.get(a).cmp(bound.get(b)) || tieCompare(a, b),
    );
    for (const it of order) {
      if (best !== null && bound.get(it).cmp(best) > 0) break;
      const rho = affordability(it, payers.get(it.project), groups, walletsEur, walletsHours);
      if (rho === null) {
        candidates.delete(it);
        continue;
      }
      bound.set(it, rho);
      const against = best === null ? -1 : rho.cmp(best);
      if (against < 0) {
        best = rho;
        tied = [it];
      } else if (against === 0) {
        tied.push(it);
      }
    }
    if (best === null) break;
    tied.sort(tieCompare);
    const chosen = tied[0];
    const payments = [];
    for (const g of payers.get(chosen.project)) {
      const fraction = minFraction(capacity(chosen, walletsEur[g], walletsHours[g]), best);
      if (chosen.eur) {
        const paid = fraction.mulInt(chosen.eur);
        walletsEur[g] = walletsEur[g].sub(paid);
        leftEur = leftEur.sub(paid.mulInt(groups[g].size));
      }
      if (chosen.hours) {
        const paid = fraction.mulInt(chosen.hours);
        walletsHours[g] = walletsHours[g].sub(paid);
        leftHours = leftHours.sub(paid.mulInt(groups[g].size));
      }
      payments.push([g, fraction]);
    }
    candidates.delete(chosen);
    selected.push(chosen);
    steps.push({
      item: chosen,
      rho: best,
      payments,
      tied: tied.length > 1 ? tied : [],
      leftEur,
      leftHours,
    });
    if (chosen.part === "core") admit(extensions.get(chosen.project));
  }
  return { share, selected, steps, walletsEur, walletsHours };
}

const emptyRun = (share) => ({ share, selected: [], steps: [], walletsEur: [], walletsHours: [] });

function mesAvailable(items, extensions, groups) {
  const payable = new Set(
    items.filter((it) => payingGroups(groups, it.project).length).map((it) => it.project),
  );
  return {
    available: items.filter((it) => payable.has(it.project)),
    availableExt: new Map([...extensions].filter(([pid]) => payable.has(pid))),
  };
}

function add1(input, groups, items, extensions, start) {
  const { available, availableExt } = mesAvailable(items, extensions, groups);
  let previous = emptyRun(start);
  let share = start;
  const completion = [];
  for (;;) {
    const run = equalShares(available, availableExt, groups, share, input);
    const ledger = new Ledger(input, run.selected);
    const feasible = ledger.feasible();
    const exhaustive =
      feasible && !ledger.eligible(available, availableExt).some((it) => ledger.fits(it));
    completion.push({
      share,
      selected: run.selected.length,
      leftEur: ledger.leftEur,
      leftHours: ledger.leftHours,
      feasible,
      exhaustive,
    });
    if (!feasible) return { run: previous, completion };
    if (exhaustive) return { run, completion };
    previous = run;
    share = share.add(input.step);
  }
}

function greedy(input, items, extensions, start) {
  const ledger = new Ledger(input, start);
  const steps = [];
  for (;;) {
    const order = ledger.eligible(items, extensions).sort(greedyCompare);
    const chosen = order.find((it) => ledger.fits(it));
    if (!chosen) return { selected: ledger.selected, steps };
    ledger.selected.push(chosen);
    ledger.leftEur -= chosen.eur;
    ledger.leftHours -= chosen.hours;
    steps.push({ item: chosen, leftEur: ledger.leftEur, leftHours: ledger.leftHours });
  }
}

// --- The transcript ---------------------------------------------------------------------------

function reason(it, chosen, input, left, payable) {
  const cores = new Set([...chosen].filter((c) => c.part === "core").map((c) => c.project));
  if (it.approvals === 0) return "no_approvals";
  if (it.part === "extension" && !cores.has(it.project)) return "core_not_funded";
  if (it.eur > input.budgetEur || it.hours > input.budgetHours) return "exceeds_budget";
  if (it.eur > left[0] || it.hours > left[1]) return "budget_left_short";
  return payable ? "supporters_short" : "conflicted_supporters";
}

function funded(selected) {
  const parts = new Map();
  for (const it of selected) {
    if (!parts.has(it.project)) parts.set(it.project, []);
    parts.get(it.project).push(it);
  }
  return [...parts].map(([pid, bought]) => ({
    project: pid,
    part: bought.some((it) => it.part === "extension") ? "core+extension" : bought[0].part,
    eur: bought.reduce((sum, it) => sum + it.eur, 0n),
    hours: bought.reduce((sum, it) => sum + it.hours, 0n),
  }));
}

// Amounts leave BigInt for the JSON document: the ledger's stay within 2^53 − 1.
const num = (value) => Number(value);

function transcript(
  input,
  items,
  extensions,
  groups,
  hashes,
  run,
  completion,
  greedySteps,
  selected,
) {
  const chosen = new Set(selected);
  const totalEur = selected.reduce((sum, it) => sum + it.eur, 0n);
  const totalHours = selected.reduce((sum, it) => sum + it.hours, 0n);
  const left = [input.budgetEur - totalEur, input.budgetHours - totalHours];
  const unfunded = [];
  for (const it of [...items, ...extensions.values()]) {
    if (chosen.has(it)) continue;
    const payers = payingGroups(groups, it.project);
    let supEur = ZERO;
    let supHours = ZERO;
    if (run.walletsEur.length) {
      for (const g of payers) {
        supEur = supEur.add(run.walletsEur[g].mulInt(groups[g].size));
        supHours = supHours.add(run.walletsHours[g].mulInt(groups[g].size));
      }
    }
    unfunded.push({
      project: it.project,
      part: it.part,
      reason: reason(it, chosen, input, left, payers.length > 0),
      cost_eur: num(it.eur),
      cost_hours: num(it.hours),
      left_eur: num(left[0]),
      left_hours: num(left[1]),
      supporters_eur: supEur.text(),
      supporters_hours: supHours.text(),
    });
  }
  unfunded.sort((a, b) => compareText(a.project, b.project) || compareText(a.part, b.part));
  const paid = groups.map(() => [ZERO, ZERO]);
  for (const step of run.steps) {
    for (const [g, fraction] of step.payments) {
      paid[g] = [
        paid[g][0].add(fraction.mulInt(step.item.eur)),
        paid[g][1].add(fraction.mulInt(step.item.hours)),
      ];
    }
  }
  const spent = paid.map((pair) => [...pair]);
  for (const step of greedySteps) {
    const payers = payingGroups(groups, step.item.project);
    const heads = payers.reduce((sum, g) => sum + groups[g].size, 0n);
    for (const g of payers) {
      spent[g][0] = spent[g][0].add(new Fraction(step.item.eur, heads));
      spent[g][1] = spent[g][1].add(new Fraction(step.item.hours, heads));
    }
  }
  const fundedIds = new Set(selected.map((it) => it.project));
  const voters = [];
  groups.forEach((group, g) => {
    const isFunded = [...group.approved].some((pid) => fundedIds.has(pid));
    for (const voter of group.voters) {
      voters.push({
        voter,
        funded: isFunded,
        paid_eur: paid[g][0].text(),
        paid_hours: paid[g][1].text(),
        spent_eur: spent[g][0].text(),
        spent_hours: spent[g][1].text(),
      });
    }
  });
  voters.sort((a, b) => compareText(a.voter, b.voter));
  const tieOrder = input.projects
    .map((p) => ({ project: p.id, sha256: hashes.get(p.id) }))
    .sort((a, b) => compareText(a.sha256, b.sha256) || compareText(a.project, b.project));
  const fundedProjects = funded(selected);
  return {
    funded: fundedProjects,
    document: {
      rule: input.rule,
      seed: input.seedHex,
      share_step: input.step === null ? null : input.step.text(),
      budget: { eur: num(input.budgetEur), hours: num(input.budgetHours) },
      tie_order: tieOrder,
      mes: {
        share: run.share.text(),
        steps: run.steps.map((step) => ({
          project: step.item.project,
          part: step.item.part,
          rho: step.rho.text(),
          price_eur: step.rho.mulInt(step.item.eur).text(),
          price_hours: step.rho.mulInt(step.item.hours).text(),
          tied: step.tied.map((it) => it.project),
          payments: step.payments.map(([g, fraction]) => ({
            voters: groups[g].voters,
            eur: fraction.mulInt(step.item.eur).text(),
            hours: fraction.mulInt(step.item.hours).text(),
          })),
          wallets_left_eur: step.leftEur.text(),
          wallets_left_hours: step.leftHours.text(),
        })),
      },
      completion: completion.map((c) => ({
        share: c.share.text(),
        selected: c.selected,
        left_eur: num(c.leftEur),
        left_hours: num(c.leftHours),
        feasible: c.feasible,
        exhaustive: c.exhaustive,
      })),
      greedy: greedySteps.map((step) => ({
        project: step.item.project,
        part: step.item.part,
        approvals: step.item.approvals,
        left_eur: num(step.leftEur),
        left_hours: num(step.leftHours),
      })),
      selected: fundedProjects.map((p) => ({
        project: p.project,
        part: p.part,
        eur: num(p.eur),
        hours: num(p.hours),
      })),
      total: { eur: num(totalEur), hours: num(totalHours) },
      unfunded,
      voters,
      summary: { voters: voters.length, voters_funded: voters.filter((v) => v.funded).length },
    },
  };
}

// --- The tally --------------------------------------------------------------------------------

// A tally input document (contracts/tally.md) to its result: the funded projects, the
// transcript and its SHA-256 over the RFC 8785 bytes.
export async function tally(doc) {
  const input = readInput(doc);
  const { items, extensions, hashes } = await buildItems(input);
  const groups = voterGroups(input);
  const start = input.ballots.size ? new Fraction(1n, BigInt(input.ballots.size)) : ZERO;
  let run = emptyRun(start);
  let completion = [];
  let greedySteps = [];
  let selected = [];
  if (input.rule === "mes") {
    const { available, availableExt } = mesAvailable(items, extensions, groups);
    run = equalShares(available, availableExt, groups, start, input);
    selected = run.selected;
  } else if (ADD1.has(input.rule)) {
    ({ run, completion } = add1(input, groups, items, extensions, start));
    selected = run.selected;
  }
  if (input.rule === "greedy" || input.rule === "mes-add1-greedy") {
    ({ selected, steps: greedySteps } = greedy(input, items, extensions, selected));
  }
  const result = transcript(
    input,
    items,
    extensions,
    groups,
    hashes,
    run,
    completion,
    greedySteps,
    selected,
  );
  return {
    selected: result.document.selected,
    transcript: result.document,
    tally_sha256: await sha256Hex(canonicalBytes(result.document)),
  };
}

// --- A round, as the service publishes it -----------------------------------------------------

// The tally input of a round decided by ballot (GET /rounds/{id}): the projects left open
// to the ballot at their asks and minimums, the budgets the consent poll left, each
// revealed ballot, and the conflicts (a project's lead and declared members).
export function roundInput(round) {
  const open = new Set(round.consent.ballot_projects);
  const conflicts = {};
  for (const s of round.submissions) {
    for (const member of new Set([s.lead, ...s.conflicts])) {
      (conflicts[member] ??= []).push(s.project_id);
    }
  }
  return {
    rule: round.rule,
    seed: round.seed,
    share_step: round.share_step,
    budget_eur: round.consent.budget_eur_left,
    budget_hours: round.consent.budget_hours_left,
    projects: round.submissions
      .filter((s) => open.has(s.project_id))
      .map((s) => ({
        project: s.project_id,
        ask_eur: s.ask_eur,
        ask_hours: s.ask_hours,
        min_eur: s.min_eur,
        min_hours: s.min_hours,
      })),
    ballots: Object.fromEntries(round.reveals.map((r) => [r.voter_id, r.approvals])),
    conflicts,
  };
}

// The decision (kept lines and funded projects, by project id) and its digest, the one
// an execution's transactions reference.
export async function decisionOf(roundId, kept, selected, tallySha256) {
  const lines = [
    ...kept.map((line) => ({ project: line.project, eur: line.eur, hours: line.hours })),
    ...selected.map((p) => ({ project: p.project, eur: p.eur, hours: p.hours })),
  ].sort((a, b) => compareText(a.project, b.project));
  const digest = await sha256Hex(
    canonicalBytes({ round: roundId, lines, tally_sha256: tallySha256 }),
  );
  return { lines, decision_sha256: digest };
}

// Recount a round decided by ballot and compare with what the service published: the
// tally's hash, the decision's lines and the decision's hash.
export async function recountRound(round) {
  const counted = await tally(roundInput(round));
  const kept = round.consent.kept.map((l) => ({
    project: l.project_id,
    eur: l.eur,
    hours: l.hours,
  }));
  const decision = await decisionOf(round.id, kept, counted.selected, counted.tally_sha256);
  const published = round.decision.map((l) => ({
    project: l.project_id,
    eur: l.eur,
    hours: l.hours,
  }));
  const differences = [];
  if (counted.tally_sha256 !== round.tally_sha256) differences.push("tally_sha256");
  if (JSON.stringify(decision.lines) !== JSON.stringify(published)) differences.push("decision");
  if (decision.decision_sha256 !== round.decision_sha256) differences.push("decision_sha256");
  return {
    same: differences.length === 0,
    differences,
    tally_sha256: counted.tally_sha256,
    decision: decision.lines,
    decision_sha256: decision.decision_sha256,
    transcript: counted.transcript,
  };
}
