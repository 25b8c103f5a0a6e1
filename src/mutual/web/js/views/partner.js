// A partner's contributions to the co-responsibility fund and where the money went: the
// grants each one paid into (in proportion, as the service traces them), what was repaid
// and what is still in the fund, with a receipt to download for each. The partner itself
// records a gift or a refundable deposit here, signed with this device's key. A
// coordinator may look at any partner.

import { ApiError, get, query } from "../api.js";
import { announce, busy, field, h, notice, pickOne } from "../dom.js";
import { formatDay, label, language, t } from "../i18n.js";
import { Mismatch, derive, isTransfer, isoDay, localDay, signAndSend } from "../flows.js";
import { deviceKey } from "../keys.js";
import { euros, projectNames } from "../tally_chart.js";
import { resultsOf, resultsSection } from "./project_results.js";

const SVG = "http://www.w3.org/2000/svg";

let chosen = null;

async function allPartners() {
  const found = [];
  let cursor = null;
  do {
    const page = await get(`/partners${query({ limit: 500, cursor })}`);
    found.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

function svg(tag, attributes = {}) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

// Days in tables, short enough for seven columns to fit a computer's screen.
const shortDay = (iso) =>
  new Intl.DateTimeFormat(language() === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium" }).format(
    new Date(iso),
  );

const granted = (c) => c.grants.reduce((sum, g) => sum + g.amount_cents, 0);

// Euros as typed ("1500", "1 500,50", "1500.5") in cents, or null when it is not an
// amount to the cent above zero. Shared with the lead's payments (views/lead.js).
export function readCents(text) {
  const plain = String(text)
    .replace(/[\s\u00a0\u202f]/g, "")
    .replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(plain)) return null;
  const [whole, part = ""] = plain.split(".");
  const cents = Number(whole) * 100 + Number(part.padEnd(2, "0"));
  return cents > 0 && Number.isSafeInteger(cents) ? cents : null;
}

// A receipt as a text file: plain text prints anywhere and keeps in any archive, and the
// page needs no PDF library for it. Its reference is the transaction's id in the log,
// which anyone holding the fund's export can look up.
function receiptText(partner, c, asOf, names) {
  const lines = [
    t("partner.receiptFile.title"),
    "",
    t("partner.receiptFile.partner", { name: partner.name }),
    t("partner.receiptFile.kind", { kind: label("partner.use", c.kind) }),
    t("partner.receiptFile.amount", { amount: euros(c.amount_cents) }),
    t("partner.receiptFile.date", { date: formatDay(c.recorded_at) }),
  ];
  if (c.repayment_due)
    lines.push(t("partner.receiptFile.due", { date: formatDay(localDay(c.repayment_due)) }));
  lines.push(
    t("partner.receiptFile.reference", { id: c.id }),
    "",
    t("partner.receiptFile.asOf", { date: formatDay(asOf) }),
    `- ${t("partner.receiptFile.granted", { amount: euros(granted(c)) })}`,
    ...c.grants.map((g) =>
      t("partner.receiptFile.grant", {
        project: names.get(g.project_id) ?? "—",
        amount: euros(g.amount_cents),
        decision: g.decision ?? "—",
      }),
    ),
    `- ${t("partner.receiptFile.repaid", { amount: euros(c.repaid_cents) })}`,
    `- ${t("partner.receiptFile.inFund", { amount: euros(c.in_fund_cents) })}`,
  );
  if (c.kind === "deposit")
    lines.push(`- ${t("partner.receiptFile.owed", { amount: euros(c.owed_cents) })}`);
  if (c.rounding_cents > 0)
    lines.push(`- ${t("partner.receiptFile.rounding", { amount: euros(c.rounding_cents) })}`);
  return `${lines.join("\r\n")}\r\n`;
}

function receiptButton(partner, c, asOf, names) {
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
      "data-receipt": c.id,
      onclick: () => {
        const file = new Blob([receiptText(partner, c, asOf, names)], {
          type: "text/plain;charset=utf-8",
        });
        const link = h("a", {
          href: URL.createObjectURL(file),
          download: t("partner.receiptFile.name", {
            date: c.recorded_at.slice(0, 10),
            ref: c.id.slice(0, 8),
          }),
        });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      },
    },
    t("partner.receiptLink"),
    h("span", { class: "visually-hidden" }, ` (${formatDay(c.recorded_at)})`),
  );
}

// A contribution's shares of grants, summed by project (a project granted twice is
// named once).
function byProject(grants) {
  const sums = new Map();
  for (const g of grants) sums.set(g.project_id, (sums.get(g.project_id) ?? 0) + g.amount_cents);
  return sums;
}

// What one contribution funded, and for a deposit what is still owed and when.
function fundedSentences(c, names) {
  const found = [
    h(
      "p",
      {},
      c.grants.length === 0
        ? t("partner.fundedNone")
        : t("partner.funded", {
            list: [...byProject(c.grants)]
              .map(([project, cents]) =>
                t("partner.fundedOne", {
                  project: names.get(project) ?? "—",
                  amount: euros(cents),
                }),
              )
              .join(", "),
          }),
    ),
  ];
  if (c.kind === "deposit" && c.owed_cents > 0)
    found.push(
      h(
        "p",
        {},
        c.repayment_due
          ? t("partner.owedSentence", {
              amount: euros(c.owed_cents),
              date: formatDay(localDay(c.repayment_due)),
            })
          : t("partner.owedNoDate", { amount: euros(c.owed_cents) }),
      ),
    );
  if (c.rounding_cents > 0)
    found.push(
      h("p", { class: "muted" }, t("partner.roundingOne", { amount: euros(c.rounding_cents) })),
    );
  return found;
}

// A gift leaves the partner's own account, a deposit its own deposit account (derived
// from the contribution's id, so the page can recompute it); both go to the fund, with
// the partner (and a deposit's repayment date) as references.
async function contributionExpected(payload, origin, id, partnerId, kind, cents, due) {
  const references = { partner: partnerId };
  if (kind === "deposit") references.repayment_due = due;
  return isTransfer(payload, {
    origin,
    id,
    kind: kind === "gift" ? "contribution" : "deposit",
    unit: "EUR",
    from:
      kind === "gift"
        ? await derive("partner_account", { partner: partnerId })
        : await derive("deposit_account", { contribution: id }),
    to: await derive("fund_account", {}),
    amount: cents,
    references,
  });
}

// The partner's own form: a gift or a refundable deposit, signed with this device's key.
function giveSection(partner, key, origin, rerender) {
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "give-title" },
    h("h2", { id: "give-title" }, t("partner.give.title")),
    h("p", {}, t("partner.give.intro")),
  );
  if (!key?.registered) {
    section.append(
      notice(t("partner.give.needKey"), "warning"),
      h("p", {}, h("a", { href: "#/key" }, t("partner.give.keyLink"))),
    );
    return section;
  }
  const kind = h(
    "select",
    { name: "kind" },
    ["gift", "deposit"].map((k) => h("option", { value: k }, label("partner.use", k))),
  );
  const amount = h("input", { name: "amount", type: "text", inputmode: "decimal", required: true });
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  const due = h("input", { name: "repayment_due", type: "date", min: isoDay(tomorrow) });
  const dueField = field(t("partner.give.due"), due, t("partner.give.dueHint"));
  dueField.hidden = true;
  kind.addEventListener("change", () => {
    dueField.hidden = kind.value !== "deposit";
    due.required = kind.value === "deposit";
  });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("partner.give.submit"));
  // One id per contribution being written: a second press, or a resend after a lost
  // answer, is answered as the same contribution.
  let contributionId = crypto.randomUUID();
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const cents = readCents(amount.value);
        if (cents === null) {
          messages.append(notice(t("partner.give.badAmount"), "error"));
          amount.focus();
          return;
        }
        const chosen = kind.value;
        if (chosen === "deposit" && !(due.value && due.value >= due.min)) {
          messages.append(notice(t("partner.give.needDue"), "error"));
          due.focus();
          return;
        }
        const id = contributionId;
        const body = { id, partner_id: partner.id, kind: chosen, amount_cents: cents };
        if (chosen === "deposit") body.repayment_due = due.value;
        busy(submit, async () => {
          try {
            await signAndSend("/fund/contributions", body, key, (payload) =>
              contributionExpected(
                payload,
                origin,
                id,
                partner.id,
                chosen,
                cents,
                body.repayment_due,
              ),
            );
          } catch (error) {
            const text =
              error instanceof Mismatch
                ? t("flows.mismatch")
                : error instanceof ApiError
                  ? error.describe()
                  : t("error.generic");
            messages.append(notice(text, "error"));
            return;
          }
          contributionId = crypto.randomUUID();
          const text = t("partner.give.done", {
            kind: label("partner.use", chosen),
            amount: euros(cents),
          });
          announce(text);
          await rerender(text);
        });
      },
    },
    field(t("partner.give.kind"), kind),
    field(t("partner.give.amount"), amount, t("partner.give.amountHint")),
    dueField,
    messages,
    h("div", { class: "actions" }, submit),
  );
  section.append(form);
  return section;
}

// Where one contribution is now, as one bar: granted to projects, repaid, still in the
// fund, and the rest (corrections, rounding). The sentence beside it says the same.
function contributionPicture(c) {
  const parts = [
    ["granted", granted(c)],
    ["repaid", c.repaid_cents],
    ["in-fund", c.in_fund_cents],
    ["other", c.other_cents + c.rounding_cents],
  ];
  const picture = svg("svg", {
    class: "use-chart",
    viewBox: "0 0 100 6",
    preserveAspectRatio: "none",
    "aria-hidden": "true",
    focusable: "false",
  });
  let x = 0;
  for (const [kind, amount] of parts) {
    if (amount <= 0 || c.amount_cents <= 0) continue;
    const width = (100 * amount) / c.amount_cents;
    picture.append(svg("rect", { class: `use-${kind}`, x, y: 0, width, height: 6 }));
    x += width;
  }
  return picture;
}

function contributionsTable(trace) {
  const head = [
    "partner.date",
    "partner.kind",
    "partner.amount",
    "partner.granted",
    "partner.repaid",
    "partner.inFund",
    "partner.owed",
  ];
  return h(
    "div",
    {
      class: "table-wrap",
      role: "region",
      tabindex: 0,
      "aria-label": t("partner.contributionsCaption"),
    },
    h(
      "table",
      { class: "contributions" },
      h("caption", {}, t("partner.contributionsCaption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          head.map((key, i) => h("th", { scope: "col", class: i > 1 ? "number" : null }, t(key))),
        ),
      ),
      h(
        "tbody",
        {},
        trace.contributions.map((c) =>
          h(
            "tr",
            { "data-contribution": c.id },
            h("th", { scope: "row" }, shortDay(c.recorded_at)),
            h("td", {}, label("partner.use", c.kind)),
            h("td", { class: "number" }, euros(c.amount_cents)),
            h("td", { class: "number" }, euros(granted(c))),
            h("td", { class: "number" }, euros(c.repaid_cents)),
            h("td", { class: "number" }, euros(c.in_fund_cents)),
            // What a deposit still owes, and below it when (a column of its own would
            // not leave the table room to fit a computer's screen).
            h(
              "td",
              { class: "number" },
              c.kind === "deposit" ? euros(c.owed_cents) : "—",
              c.repayment_due
                ? h(
                    "span",
                    { class: "due" },
                    t("partner.dueOn", { date: shortDay(localDay(c.repayment_due)) }),
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

// The projects the partner's money reached, summed over its contributions.
function projectsTable(trace, names) {
  const byProject = new Map();
  for (const c of trace.contributions) {
    for (const g of c.grants) {
      const row = byProject.get(g.project_id) ?? { granted: 0, paid: 0 };
      row.granted += g.amount_cents;
      byProject.set(g.project_id, row);
    }
    for (const d of c.disbursements) {
      const row = byProject.get(d.project_id) ?? { granted: 0, paid: 0 };
      row.paid += d.amount_cents;
      byProject.set(d.project_id, row);
    }
  }
  if (byProject.size === 0) return h("p", { class: "muted" }, t("partner.noGrant"));
  const most = Math.max(...[...byProject.values()].map((r) => r.granted));
  return h(
    "div",
    {
      class: "table-wrap",
      role: "region",
      tabindex: 0,
      "aria-label": t("partner.projectsCaption"),
    },
    h(
      "table",
      { class: "projects" },
      h("caption", {}, t("partner.projectsCaption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("partner.project")),
          h("th", { scope: "col", class: "number" }, t("partner.granted")),
          h("th", { scope: "col", class: "number" }, t("partner.paidOut")),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("partner.picture"))),
        ),
      ),
      h(
        "tbody",
        {},
        [...byProject].map(([id, row]) => {
          const picture = svg("svg", {
            class: "project-chart",
            viewBox: "0 0 100 6",
            preserveAspectRatio: "none",
            "aria-hidden": "true",
            focusable: "false",
          });
          picture.append(
            svg("rect", {
              class: "use-granted",
              x: 0,
              y: 0,
              width: most ? (100 * row.granted) / most : 0,
              height: 6,
            }),
          );
          return h(
            "tr",
            { "data-project": id },
            h("th", { scope: "row" }, names.get(id) ?? id.slice(0, 8)),
            h("td", { class: "number" }, euros(row.granted)),
            h("td", { class: "number" }, euros(row.paid)),
            h("td", { class: "chart-cell" }, picture),
          );
        }),
      ),
    ),
  );
}

export async function render(main, ctx, done = null) {
  const [partners, fund, names, key, log] = await Promise.all([
    allPartners(),
    get("/fund"),
    projectNames(),
    deviceKey(ctx.me.principal_id),
    get("/log"),
  ]);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  main.append(h("h1", { tabindex: "-1" }, t("partner.title")), h("p", {}, t("partner.intro")));
  if (done) main.append(notice(done));
  main.append(
    h(
      "section",
      { "aria-labelledby": "fund-title" },
      h("h2", { id: "fund-title" }, t("partner.fund", { date: formatDay(fund.as_of) })),
      h(
        "dl",
        { class: "figures", "data-testid": "fund" },
        [
          ["partner.received", fund.received],
          ["partner.granted", fund.granted],
          ["partner.repaid", fund.repaid],
          ["partner.balance", fund.balance],
          ["partner.owedAll", fund.owed],
          ["partner.available", fund.available],
        ].map(([key, cents]) => h("div", {}, h("dt", {}, t(key)), h("dd", {}, euros(cents)))),
      ),
    ),
  );
  if (partners.length === 0) {
    main.append(h("p", { class: "muted" }, t("partner.none")));
    return;
  }
  // A partner's own principal first, else the first listed.
  const partner = pickOne(main, partners, {
    chosen,
    mine: (p) => p.principal_id === ctx.me.principal_id,
    name: "partner",
    labelText: t("partner.pick"),
    onChoose: async (id) => {
      chosen = id;
      await rerender(null);
    },
  });
  chosen = partner.id;
  const trace = await get(`/partners/${partner.id}/trace`);
  const total = trace.contributions.reduce((sum, c) => sum + c.amount_cents, 0);
  const totalGranted = trace.contributions.reduce((sum, c) => sum + granted(c), 0);
  main.append(
    h(
      "section",
      { "aria-labelledby": "partner-title" },
      h("h2", { id: "partner-title" }, partner.name),
      h("p", { class: "muted" }, label("partner.kindName", partner.kind)),
      h(
        "p",
        { "data-testid": "partner-summary" },
        t("partner.summary", {
          count: trace.contributions.length,
          total: euros(total),
          granted: euros(totalGranted),
        }),
      ),
    ),
  );
  // Only the partner itself gives: its own key signs for its own account.
  if (partner.principal_id === ctx.me.principal_id)
    main.append(giveSection(partner, key, log.origin, rerender));
  if (trace.contributions.length === 0) {
    main.append(h("p", { class: "muted" }, t("partner.noContribution")));
    return;
  }
  const rounding = trace.contributions.reduce((sum, c) => sum + c.rounding_cents, 0);
  main.append(
    h(
      "section",
      { "aria-labelledby": "uses-title" },
      h("h2", { id: "uses-title" }, t("partner.uses")),
      h("p", {}, t("partner.receiptIntro")),
      h(
        "ul",
        { class: "list", "aria-label": t("partner.uses") },
        trace.contributions.map((c) =>
          h(
            "li",
            { class: "card", "data-contribution": c.id },
            h(
              "p",
              { class: "item-title" },
              t("partner.contributionLine", {
                kind: label("partner.use", c.kind),
                amount: euros(c.amount_cents),
                date: formatDay(c.recorded_at),
              }),
            ),
            contributionPicture(c),
            h(
              "p",
              {},
              t("partner.useSentence", {
                granted: euros(granted(c)),
                repaid: euros(c.repaid_cents),
                inFund: euros(c.in_fund_cents),
              }),
            ),
            fundedSentences(c, names),
            h("div", { class: "actions" }, receiptButton(partner, c, trace.as_of, names)),
          ),
        ),
      ),
      h(
        "ul",
        { class: "legend" },
        ["granted", "repaid", "in-fund"].map((kind) =>
          h(
            "li",
            {},
            h("span", { class: `swatch use-${kind}`, "aria-hidden": "true" }),
            t(`partner.legend.${kind}`),
          ),
        ),
      ),
      h(
        "p",
        { "data-testid": "rounding" },
        rounding > 0
          ? t("partner.rounding", { amount: euros(rounding) })
          : t("partner.roundingNone"),
      ),
      contributionsTable(trace),
    ),
    h(
      "section",
      { "aria-labelledby": "projects-title" },
      h("h2", { id: "projects-title" }, t("partner.projects")),
      projectsTable(trace, names),
    ),
  );
  // What each funded project achieved, beside its money: its group's indicators, its
  // lead's latest follow-ups and the group's co-evaluation.
  const funded = trace.contributions.flatMap((c) => c.grants.map((g) => g.project_id));
  if (funded.length > 0) {
    const results = await resultsOf(funded);
    main.append(
      h(
        "section",
        { "aria-labelledby": "results-title" },
        h("h2", { id: "results-title" }, t("partner.results")),
        h("p", {}, t("partner.resultsIntro")),
        results.map(resultsSection),
      ),
    );
  }
}
