// The coordinator's hours and fund page: a quarter's pledged hours allocated to projects
// by a decision of the coordination group, what is still held released once the quarter
// is over, euros granted from the fund by a decision, and deposits repaid. Each is a
// transaction the service composes and this page signs with the coordinator's operator
// key (views/coordinator_key.js), once it is exactly the movement shown.

import { ApiError, get, getAll } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import {
  Mismatch,
  derive,
  heldAccount,
  isTransfer,
  openQuarters,
  promiseAccount,
  signAndSend,
} from "../flows.js";
import { formatAmount, formatDay, formatDuration, t } from "../i18n.js";
import { activeMembers, isCoordinator, nameIn, notCoordinator } from "./coordinator.js";
import { operatorKey, operatorKeySection } from "./coordinator_key.js";
import { quarterName } from "./pledges.js";

const fundAccount = () => derive("fund_account", {});
const depositAccount = (contribution) => derive("deposit_account", { contribution });
const allocatedAccount = (member, project, quarter) =>
  derive("allocated_account", { member, project, quarter });
const projectAccount = (project, unit) => derive("project_account", { project, unit });

// The last day of a quarter ("2027-Q1" → 2027-03-31), and whether it is behind us.
function quarterEnd(code) {
  const [year, q] = code.split("-Q").map(Number);
  return new Date(year, q * 3, 0);
}

function ended(code, today = new Date()) {
  const end = quarterEnd(code);
  end.setHours(23, 59, 59, 999);
  return today > end;
}

// The quarters a coordinator acts on: the two before this one (to release) and those
// one may still pledge for (to allocate).
function quarters(today = new Date()) {
  const open = openQuarters(today);
  const before = [];
  let [year, q] = open[0].split("-Q").map(Number);
  for (let i = 0; i < 2; i += 1) {
    q -= 1;
    if (q < 1) [q, year] = [4, year - 1];
    before.unshift(`${year}-Q${q}`);
  }
  return [...before, ...open];
}

function failure(error) {
  if (error instanceof Mismatch) return t("flows.mismatch");
  return error instanceof ApiError ? error.describe() : t("error.generic");
}

// Postings as a multiset of "account unit amount": the service orders them its own way.
const postingSet = (postings) =>
  postings.map((p) => `${p.account_id} ${p.unit} ${p.amount}`).sort();

function sameSet(a, b) {
  const x = postingSet(a);
  const y = postingSet(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameReferences(a, b) {
  const keys = Object.keys(b);
  return (
    a !== null &&
    typeof a === "object" &&
    Object.keys(a).length === keys.length &&
    keys.every((k) => a[k] === b[k])
  );
}

// An allocation: each member's held share for the quarter debited by what the lines give
// them, each (member, project) allocation credited; the quarter and the decision named.
export async function allocationExpected(payload, { origin, id, quarter, decision, lines }) {
  if (payload?.log !== origin || payload.id !== id || payload.kind !== "allocation") return false;
  if (payload.reverses !== null || payload.memo_sha256 !== null) return false;
  if (!sameReferences(payload.references, { quarter, decision })) return false;
  const perMember = new Map();
  const perAllocation = new Map();
  for (const line of lines) {
    perMember.set(line.member_id, (perMember.get(line.member_id) ?? 0) + line.minutes);
    const key = `${line.member_id} ${line.project_id}`;
    perAllocation.set(key, (perAllocation.get(key) ?? 0) + line.minutes);
  }
  const expected = [];
  for (const [member, minutes] of perMember)
    expected.push({
      account_id: await heldAccount(member, quarter),
      unit: "PLEDGE",
      amount: -minutes,
    });
  for (const [key, minutes] of perAllocation) {
    const [member, project] = key.split(" ");
    expected.push({
      account_id: await allocatedAccount(member, project, quarter),
      unit: "PLEDGE",
      amount: minutes,
    });
  }
  return Array.isArray(payload.postings) && sameSet(payload.postings, expected);
}

// A release: every member's held share back to their promise, exactly what the pool shows.
export async function releaseExpected(payload, { origin, quarter, held }) {
  if (payload?.log !== origin || payload.kind !== "pledge_release") return false;
  if (payload.reverses !== null || payload.memo_sha256 !== null) return false;
  if (!sameReferences(payload.references, { quarter })) return false;
  const expected = [];
  for (const share of held.filter((s) => s.held > 0)) {
    expected.push(
      {
        account_id: await heldAccount(share.member_id, quarter),
        unit: "PLEDGE",
        amount: -share.held,
      },
      {
        account_id: await promiseAccount(share.member_id, quarter),
        unit: "PLEDGE",
        amount: share.held,
      },
    );
  }
  return Array.isArray(payload.postings) && sameSet(payload.postings, expected);
}

function figure(term, value, testid) {
  return h("div", {}, h("dt", {}, term), h("dd", { "data-testid": testid }, value));
}

function euros(cents) {
  return formatAmount(cents, "EUR");
}

// Euros typed as "12,50" or "12.50" → cents; NaN when it is not an amount.
function centsOf(text) {
  const cleaned = text.trim().replace(/\s/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return Number.NaN;
  return Math.round(Number(cleaned) * 100);
}

export async function render(main, ctx, done = null) {
  if (!isCoordinator(ctx)) return notCoordinator(main);
  const me = ctx.me.principal_id;
  const chosen = new URLSearchParams(location.hash.split("?")[1] ?? "").get("quarter");
  const choices = quarters();
  const quarter = choices.includes(chosen) ? chosen : openQuarters()[0];
  const [key, log, members, projects, pool, holders, fund, partners] = await Promise.all([
    operatorKey(me),
    get("/log"),
    activeMembers(),
    getAll("/projects"),
    get(`/pledges/quarters/${quarter}/pool?limit=1`),
    getAll(`/pledges/quarters/${quarter}/pool`),
    get("/fund"),
    getAll("/partners"),
  ]);
  const traces = await Promise.all(partners.map((p) => get(`/partners/${p.id}/trace`)));
  const rerender = async (text, at = quarter) => {
    if (at !== quarter) location.hash = `#/coordinator/pool?quarter=${at}`;
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  main.append(h("h1", { tabindex: "-1" }, t("coordjobs.title")), h("p", {}, t("coordjobs.intro")));
  if (done) main.append(h("div", { "data-testid": "done" }, notice(done)));
  main.append(operatorKeySection(me, key, rerender));

  // One signed write of the page: the operator key registered, the composed transaction
  // checked against what is shown, then said and redrawn.
  const act = (button, messages, send, text, at) =>
    busy(button, async () => {
      messages.replaceChildren();
      if (!key?.registered) {
        messages.append(notice(t("coordjobs.key.needed"), "error"));
        return;
      }
      try {
        await send();
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      announce(text());
      await rerender(text(), at);
    });
  const projectSelect = (name) =>
    h(
      "select",
      { name, required: true },
      h("option", { value: "" }, t("record.choose")),
      projects.map((p) => h("option", { value: p.id }, p.name)),
    );

  // --- Pledged hours ------------------------------------------------------------------
  const hours = h(
    "section",
    { "aria-labelledby": "pool-title" },
    h("h2", { id: "pool-title" }, t("coordjobs.pool.title")),
  );
  const quarterSelect = h(
    "select",
    { name: "quarter" },
    choices.map((code) =>
      h("option", { value: code, selected: code === quarter }, quarterName(code)),
    ),
  );
  const show = h("button", { type: "submit", class: "secondary" }, t("coordjobs.pool.show"));
  hours.append(
    h(
      "form",
      {
        class: "inline-form",
        "aria-label": t("coordjobs.pool.quarter"),
        onsubmit: (event) => {
          event.preventDefault();
          location.hash = `#/coordinator/pool?quarter=${quarterSelect.value}`;
        },
      },
      field(t("coordjobs.pool.quarter"), quarterSelect),
      h("div", { class: "actions" }, show),
    ),
  );
  const holding = holders.filter((m) => m.held > 0);
  hours.append(
    h(
      "p",
      { "data-testid": "pool-held" },
      t("coordjobs.pool.held", {
        quarter: quarterName(quarter),
        held: formatDuration(pool.held),
        n: holding.length,
      }),
    ),
  );
  if (holding.length > 0) {
    hours.append(
      h(
        "div",
        { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "pool-caption" },
        h(
          "table",
          { "data-testid": "pool-table" },
          h(
            "caption",
            { id: "pool-caption" },
            t("coordjobs.pool.caption", { quarter: quarterName(quarter) }),
          ),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, t("coordjobs.pool.member")),
              h("th", { scope: "col", class: "number" }, t("coordjobs.pool.heldCol")),
            ),
          ),
          h(
            "tbody",
            {},
            holding.map((m) =>
              h(
                "tr",
                { "data-member": m.member_id },
                h("th", { scope: "row" }, nameIn(members, m.member_id)),
                h("td", { class: "number" }, formatDuration(m.held)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  if (ended(quarter)) {
    // After the quarter: what is still held goes back to each promise, once.
    const messages = h("div");
    const release = h("button", { type: "button" }, t("coordjobs.release.submit"));
    release.addEventListener("click", () =>
      act(
        release,
        messages,
        async () => {
          await signAndSend(`/pledges/quarters/${quarter}/release`, {}, key, (payload) =>
            releaseExpected(payload, { origin: log.origin, quarter, held: holding }),
          );
        },
        () =>
          t("coordjobs.release.done", {
            quarter: quarterName(quarter),
            held: formatDuration(pool.held),
          }),
      ),
    );
    hours.append(
      h(
        "div",
        { class: "card" },
        h("h3", {}, t("coordjobs.release.title")),
        h("p", {}, t("coordjobs.release.intro")),
        holding.length === 0
          ? h("p", { class: "muted" }, t("coordjobs.release.nothing"))
          : [messages, h("div", { class: "actions" }, release)],
      ),
    );
  } else {
    hours.append(
      h(
        "p",
        { class: "muted", "data-testid": "release-later" },
        t("coordjobs.release.later", { date: formatDay(quarterEnd(quarter).toISOString()) }),
      ),
    );
    hours.append(allocationForm());
  }
  main.append(hours);

  function allocationForm() {
    const messages = h("div");
    const decision = h("input", { name: "decision", required: true, maxlength: 200 });
    const lines = h("div", { class: "allocation-lines" });
    let count = 0;
    const addLine = () => {
      count += 1;
      const member = h(
        "select",
        { name: "member", required: true },
        h("option", { value: "" }, t("record.choose")),
        holding.map((m) =>
          h(
            "option",
            { value: m.member_id },
            t("coordjobs.allocate.memberOption", {
              name: nameIn(members, m.member_id),
              held: formatDuration(m.held),
            }),
          ),
        ),
      );
      const hoursInput = h("input", {
        name: "hours",
        type: "number",
        min: 0.25,
        step: 0.25,
        value: 1,
        required: true,
        inputmode: "decimal",
      });
      const line = h(
        "fieldset",
        { class: "allocation-line" },
        h("legend", {}, t("coordjobs.allocate.line", { n: count })),
        h(
          "div",
          { class: "field-row" },
          field(t("coordjobs.allocate.member"), member),
          field(t("coordjobs.allocate.project"), projectSelect("project")),
          field(t("coordjobs.allocate.hours"), hoursInput),
        ),
      );
      lines.append(line);
    };
    addLine();
    const more = h("button", { type: "button", class: "secondary" }, t("coordjobs.allocate.more"));
    more.addEventListener("click", () => {
      addLine();
      lines.lastElementChild.querySelector("select").focus();
    });
    const submit = h("button", { type: "submit" }, t("coordjobs.allocate.submit"));
    let allocationId = crypto.randomUUID();
    const form = h(
      "form",
      {
        "aria-labelledby": "allocate-title",
        onsubmit: (event) => {
          event.preventDefault();
          const asked = [...lines.children].map((line) => ({
            member_id: line.querySelector("select[name=member]").value,
            project_id: line.querySelector("select[name=project]").value,
            minutes: Math.round(Number(line.querySelector("input[name=hours]").value) * 60),
          }));
          if (asked.some((l) => !(l.minutes > 0))) {
            messages.replaceChildren(notice(t("coordjobs.allocate.noTime"), "error"));
            return;
          }
          const id = allocationId;
          const body = { id, quarter, decision: decision.value.trim(), lines: asked };
          const total = asked.reduce((sum, l) => sum + l.minutes, 0);
          act(
            submit,
            messages,
            async () => {
              await signAndSend("/pledges/allocations", body, key, (payload) =>
                allocationExpected(payload, { origin: log.origin, ...body }),
              );
              allocationId = crypto.randomUUID();
            },
            () =>
              t("coordjobs.allocate.done", {
                duration: formatDuration(total),
                n: asked.length,
                quarter: quarterName(quarter),
              }),
          );
        },
      },
      field(t("coordjobs.decision"), decision, t("coordjobs.decisionHint")),
      lines,
      h("div", { class: "actions" }, more, submit),
    );
    return h(
      "div",
      { class: "card" },
      h("h3", { id: "allocate-title" }, t("coordjobs.allocate.title")),
      holding.length === 0
        ? h("p", { class: "muted" }, t("coordjobs.allocate.nothing"))
        : [messages, form],
    );
  }

  // --- The fund -----------------------------------------------------------------------
  const money = h(
    "section",
    { "aria-labelledby": "fund-title" },
    h("h2", { id: "fund-title" }, t("coordjobs.fund.title")),
    h(
      "dl",
      { class: "figures" },
      figure(t("coordjobs.fund.balance"), euros(fund.balance), "fund-balance"),
      figure(t("coordjobs.fund.available"), euros(fund.available), "fund-available"),
      figure(t("coordjobs.fund.owed"), euros(fund.owed), "fund-owed"),
    ),
    h("p", { class: "muted" }, t("coordjobs.fund.availableHint", { date: formatDay(fund.due_by) })),
  );

  const grantMessages = h("div");
  const grantProject = projectSelect("project");
  const grantAmount = h("input", {
    name: "amount",
    required: true,
    inputmode: "decimal",
    autocomplete: "off",
    pattern: "[0-9]+([,.][0-9]{1,2})?",
  });
  const grantDecision = h("input", { name: "decision", required: true, maxlength: 200 });
  const grantSubmit = h("button", { type: "submit" }, t("coordjobs.grant.submit"));
  let grantId = crypto.randomUUID();
  money.append(
    h(
      "div",
      { class: "card" },
      h("h3", { id: "grant-title" }, t("coordjobs.grant.title")),
      grantMessages,
      h(
        "form",
        {
          "aria-labelledby": "grant-title",
          onsubmit: (event) => {
            event.preventDefault();
            const cents = centsOf(grantAmount.value);
            if (!(cents > 0)) {
              grantMessages.replaceChildren(notice(t("coordjobs.amountInvalid"), "error"));
              grantAmount.focus();
              return;
            }
            const project = grantProject.value;
            const id = grantId;
            const body = {
              id,
              project_id: project,
              amount_cents: cents,
              decision: grantDecision.value.trim(),
            };
            const name = projects.find((p) => p.id === project)?.name ?? "";
            act(
              grantSubmit,
              grantMessages,
              async () => {
                const from = await fundAccount();
                const to = await projectAccount(project, "EUR");
                await signAndSend("/fund/grants", body, key, (payload) =>
                  isTransfer(payload, {
                    origin: log.origin,
                    id,
                    kind: "grant",
                    unit: "EUR",
                    from,
                    to,
                    amount: cents,
                    references: { project },
                  }),
                );
                grantId = crypto.randomUUID();
              },
              () => t("coordjobs.grant.done", { amount: euros(cents), project: name }),
            );
          },
        },
        field(t("coordjobs.grant.project"), grantProject),
        field(t("coordjobs.amount"), grantAmount, t("coordjobs.amountHint")),
        field(t("coordjobs.decision"), grantDecision, t("coordjobs.decisionHint")),
        h("div", { class: "actions" }, grantSubmit),
      ),
    ),
  );

  // Deposits still owed, soonest due first, each with its repayment.
  const owed = [];
  traces.forEach((trace) => {
    for (const c of trace.contributions)
      if (c.kind === "deposit" && c.owed_cents > 0) owed.push({ partner: trace.partner, c });
  });
  owed.sort((a, b) => String(a.c.repayment_due).localeCompare(String(b.c.repayment_due)));
  const deposits = h(
    "div",
    { class: "card" },
    h("h3", { id: "deposits-title" }, t("coordjobs.repay.title")),
  );
  if (owed.length === 0) deposits.append(h("p", { class: "muted" }, t("coordjobs.repay.none")));
  else
    deposits.append(
      h(
        "ul",
        { class: "list", "aria-labelledby": "deposits-title" },
        owed.map(({ partner, c }) => {
          const messages = h("div");
          const amount = h("input", {
            name: "amount",
            required: true,
            inputmode: "decimal",
            autocomplete: "off",
            value: (c.owed_cents / 100).toFixed(2),
          });
          const submit = h(
            "button",
            { type: "submit", class: "secondary" },
            t("coordjobs.repay.submit"),
          );
          let repaymentId = crypto.randomUUID();
          const title = `deposit-${c.id}`;
          return h(
            "li",
            { class: "card", "data-contribution": c.id },
            h(
              "p",
              { class: "item-title", id: title },
              t("coordjobs.repay.line", {
                partner: partner.name,
                amount: euros(c.amount_cents),
                owed: euros(c.owed_cents),
                date: formatDay(c.repayment_due),
              }),
            ),
            messages,
            h(
              "form",
              {
                class: "inline-form",
                "aria-labelledby": title,
                onsubmit: (event) => {
                  event.preventDefault();
                  const cents = centsOf(amount.value);
                  if (!(cents > 0)) {
                    messages.replaceChildren(notice(t("coordjobs.amountInvalid"), "error"));
                    return;
                  }
                  const id = repaymentId;
                  act(
                    submit,
                    messages,
                    async () => {
                      const from = await fundAccount();
                      const to = await depositAccount(c.id);
                      await signAndSend(
                        `/fund/contributions/${c.id}/repayments`,
                        { id, amount_cents: cents },
                        key,
                        (payload) =>
                          isTransfer(payload, {
                            origin: log.origin,
                            id,
                            kind: "repayment",
                            unit: "EUR",
                            from,
                            to,
                            amount: cents,
                            references: { contribution: c.id },
                          }),
                      );
                      repaymentId = crypto.randomUUID();
                    },
                    () =>
                      t("coordjobs.repay.done", { amount: euros(cents), partner: partner.name }),
                  );
                },
              },
              field(t("coordjobs.amount"), amount, t("coordjobs.amountHint")),
              h("div", { class: "actions" }, submit),
            ),
          );
        }),
      ),
    );
  money.append(deposits);
  main.append(money);
  return undefined;
}
