// What the facilitator's page signs. A round's execution moves the fund's euros and the
// pool's hours: the service composes the transactions, and the page signs them only if
// they are exactly the decision it shows, every account derived from what it is for
// (UUIDv5, from mutual.core.derived's table the service serves) rather than taken
// from the service's word. Spending from the service's accounts needs a key registered
// in the operator capacity; an operator makes one on its device here.

import { ApiError, get, post } from "../api.js";
import { derive, heldAccount } from "../flows.js";
import { signTransaction } from "../keys.js";

// Every id below comes from the service's published derivations (flows.js derive), so
// this page holds no namespace of its own.
export const fundAccount = () => derive("fund_account", {});
const allocatedAccount = (member, project, quarter) =>
  derive("allocated_account", { member, project, quarter });
const executionId = (round, resource) => derive("execution", { round, resource });

function sameKeys(object, wanted) {
  return (
    object !== null &&
    typeof object === "object" &&
    Object.keys(object).sort().join() === Object.keys(wanted).sort().join() &&
    Object.keys(wanted).every((k) => object[k] === wanted[k])
  );
}

function plain(payload, origin, id, kind, references) {
  return (
    payload?.log === origin &&
    payload.id === id &&
    payload.kind === kind &&
    payload.reverses === null &&
    payload.memo_sha256 === null &&
    sameKeys(payload.references, references) &&
    Array.isArray(payload.postings)
  );
}

// The euros: the fund pays each project's EUR account what the decision gives it, in the
// decision's order, and nothing else.
async function eurMatches(payload, round, origin, eurAccounts) {
  const lines = round.decision.filter((line) => line.eur > 0);
  const id = await executionId(round.id, "eur");
  if (!plain(payload, origin, id, "grant", { round: round.id, decision: round.decision_sha256 }))
    return false;
  const expected = [
    {
      account_id: await fundAccount(),
      unit: "EUR",
      amount: -lines.reduce((sum, line) => sum + line.eur, 0),
    },
    ...lines.map((line) => ({
      account_id: eurAccounts.get(line.project_id),
      unit: "EUR",
      amount: line.eur,
    })),
  ];
  return (
    payload.postings.length === expected.length &&
    payload.postings.every((p, i) => sameKeys(p, expected[i]))
  );
}

// The hours: minutes leave voters' held pledges for the quarter and land in allocations
// of those same voters to the decided projects, each project getting exactly its hours.
async function hoursMatches(payload, round, origin) {
  const quarter = round.quarter;
  const id = await executionId(round.id, "hours");
  if (
    !plain(payload, origin, id, "allocation", {
      quarter,
      round: round.id,
      decision: round.decision_sha256,
    })
  )
    return false;
  const lines = round.decision.filter((line) => line.hours > 0);
  const voters = round.manifest.voters;
  const held = new Set(await Promise.all(voters.map((m) => heldAccount(m, quarter))));
  const allocated = new Map();
  for (const member of voters) {
    for (const line of lines)
      allocated.set(await allocatedAccount(member, line.project_id, quarter), line.project_id);
  }
  let taken = 0;
  const given = new Map();
  for (const p of payload.postings) {
    if (
      !sameKeys(p, { account_id: p.account_id, unit: "PLEDGE", amount: p.amount }) ||
      !Number.isInteger(p.amount) ||
      p.amount === 0
    )
      return false;
    if (p.amount < 0) {
      if (!held.has(p.account_id)) return false;
      taken -= p.amount;
    } else {
      const project = allocated.get(p.account_id);
      if (project === undefined) return false;
      given.set(project, (given.get(project) ?? 0) + p.amount);
    }
  }
  const total = lines.reduce((sum, line) => sum + line.hours, 0);
  return (
    taken === total &&
    given.size === lines.length &&
    lines.every((line) => given.get(line.project_id) === line.hours)
  );
}

// True when the payloads are the round's execution, one transaction per resource decided.
export async function executionMatches(payloads, round, origin) {
  const eurAccounts = new Map();
  for (const line of round.decision.filter((l) => l.eur > 0)) {
    const project = await get(`/projects/${line.project_id}`);
    eurAccounts.set(line.project_id, project.accounts.find((a) => a.unit === "EUR")?.id);
  }
  const wanted =
    (round.decision.some((l) => l.eur > 0) ? 1 : 0) +
    (round.decision.some((l) => l.hours > 0) ? 1 : 0);
  if (payloads.length !== wanted) return false;
  for (const payload of payloads) {
    const good =
      payload?.kind === "grant"
        ? await eurMatches(payload, round, origin, eurAccounts)
        : await hoursMatches(payload, round, origin);
    if (!good) return false;
  }
  return true;
}

export class Mismatch extends Error {}

// Send the execution unsigned, check what the service composed, sign each transaction and
// send it again under the same step id, so a second press replays it.
export async function execute(round, key, origin, stepId) {
  let payloads;
  try {
    return await post(`/rounds/${round.id}/execution`, { id: stepId, signatures: {} });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "unsigned") throw error;
    const problem = error.problem;
    payloads = problem.signing_payloads?.length
      ? problem.signing_payloads
      : [problem.signing_payload];
  }
  if (!(await executionMatches(payloads, round, origin)))
    throw new Mismatch("the composed execution is not the decision shown");
  const signatures = {};
  for (const payload of payloads) signatures[payload.id] = [await signTransaction(key, payload)];
  return post(`/rounds/${round.id}/execution`, { id: stepId, signatures });
}
