// A project's lead at work: the project's sheet, its volunteers per quarter with what
// each delivered, confirming the hours they gave, recording a payment with its payee and
// receipt, and the project's balance in euros and hours. Each write is signed on the
// project's behalf with this device's key (the lead is the project's custodian), after
// the page checked that the composed transaction is the one it shows. Coordinators may
// open any project here.

import { ApiError, get, getAll, query } from "../api.js";
import { announce, busy, field, h, notice, pickOne } from "../dom.js";
import { durationInput } from "../duration.js";
import { formatDay, formatDuration, label, t } from "../i18n.js";
import { Mismatch, derive, isTransfer, signAndSend } from "../flows.js";
import { deviceKey } from "../keys.js";
import { euros } from "../tally_chart.js";
import { readCents } from "./partner.js";
import { quarterName } from "./pledges.js";
import { fileSection, resultsSection, sheetSection } from "./project_results.js";

let chosen = null;

async function projectsOf(ctx) {
  const mine = ctx.me.roles.some((r) => r === "coordination_member" || r === "operator")
    ? {}
    : { lead: ctx.me.principal_id };
  const found = [];
  let cursor = null;
  do {
    const page = await get(`/projects${query({ ...mine, limit: 500, cursor })}`);
    found.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

const balanceOf = (project, unit) => project.accounts.find((a) => a.unit === unit) ?? null;

function failure(error) {
  if (error instanceof Mismatch) return t("flows.mismatch");
  if (error instanceof ApiError) return error.describe();
  return t("error.generic");
}

// A delivery moves the minutes from what was allocated to this member for this project
// and quarter to the project's PLEDGE account; both are derived, not taken from the
// answer.
async function deliveryExpected(payload, origin, id, projectId, row, minutes) {
  return isTransfer(payload, {
    origin,
    id,
    kind: "delivery",
    unit: "PLEDGE",
    from: await derive("allocated_account", {
      member: row.member_id,
      project: projectId,
      quarter: row.quarter,
    }),
    to: await derive("project_account", { project: projectId, unit: "PLEDGE" }),
    amount: minutes,
    references: { quarter: row.quarter, member: row.member_id },
  });
}

// A payment leaves the project's EUR account for the payees' account; who was paid and
// the receipt stay beside the log, so they are not in what is signed.
async function paymentExpected(payload, origin, id, projectId, cents) {
  return isTransfer(payload, {
    origin,
    id,
    kind: "disbursement",
    unit: "EUR",
    from: await derive("project_account", { project: projectId, unit: "EUR" }),
    to: await derive("payees_account", {}),
    amount: cents,
    references: { project: projectId },
  });
}

function tableWrap(caption, table) {
  return h(
    "div",
    { class: "table-wrap", role: "region", tabindex: 0, "aria-label": caption },
    table,
  );
}

function volunteersTable(rows, names) {
  const caption = t("lead.volunteersCaption");
  const head = [
    "lead.volunteer",
    "lead.quarter",
    "lead.allocated",
    "lead.delivered",
    "lead.remaining",
  ];
  return tableWrap(
    caption,
    h(
      "table",
      { class: "volunteers" },
      h("caption", {}, caption),
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
        rows.map((v) =>
          h(
            "tr",
            { "data-volunteer": v.member_id, "data-quarter": v.quarter },
            h("th", { scope: "row" }, names.get(v.member_id)),
            h("td", {}, quarterName(v.quarter)),
            h("td", { class: "number" }, formatDuration(v.allocated)),
            h("td", { class: "number" }, formatDuration(v.delivered)),
            h("td", { class: "number" }, formatDuration(v.allocated - v.delivered)),
          ),
        ),
      ),
    ),
  );
}

function paymentsTable(payments) {
  const caption = t("lead.paymentsCaption");
  return tableWrap(
    caption,
    h(
      "table",
      { class: "payments" },
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("lead.date")),
          h("th", { scope: "col" }, t("lead.payee")),
          h("th", { scope: "col" }, t("lead.receipt")),
          h("th", { scope: "col", class: "number" }, t("lead.amount")),
        ),
      ),
      h(
        "tbody",
        {},
        payments.map((p) =>
          h(
            "tr",
            { "data-payment": p.id },
            h("th", { scope: "row" }, formatDay(p.recorded_at)),
            h("td", {}, p.payee),
            h("td", {}, p.receipt_ref),
            h("td", { class: "number" }, euros(p.amount_cents)),
          ),
        ),
      ),
    ),
  );
}

function confirmSection(project, open, names, key, origin, rerender) {
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "confirm-title" },
    h("h2", { id: "confirm-title" }, t("lead.confirm.title")),
    h("p", {}, t("lead.confirm.intro")),
  );
  if (open.length === 0) {
    section.append(h("p", { class: "muted" }, t("lead.confirm.nothing")));
    return section;
  }
  // Grouped by quarter, so that each choice stays short enough for a phone's width.
  const quarters = [...new Set(open.map((v) => v.quarter))];
  const who = h(
    "select",
    { name: "volunteer" },
    quarters.map((quarter) =>
      h(
        "optgroup",
        { label: quarterName(quarter) },
        open
          .filter((v) => v.quarter === quarter)
          .map((v) =>
            h(
              "option",
              { value: `${v.member_id}/${v.quarter}` },
              t("lead.confirm.option", {
                name: names.get(v.member_id),
                remaining: formatDuration(v.allocated - v.delivered),
              }),
            ),
          ),
      ),
    ),
  );
  const duration = durationInput({ hours: 1, maxHours: 999 });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("lead.confirm.submit"));
  let deliveryId = crypto.randomUUID();
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const minutes = duration.read(messages);
        if (minutes === null) return;
        const row = open.find((v) => `${v.member_id}/${v.quarter}` === who.value);
        const name = names.get(row.member_id);
        const remaining = row.allocated - row.delivered;
        if (minutes > remaining) {
          messages.append(
            notice(
              t("lead.confirm.tooMuch", { remaining: formatDuration(remaining), name }),
              "error",
            ),
          );
          duration.focus();
          return;
        }
        const id = deliveryId;
        const body = { id, quarter: row.quarter, member_id: row.member_id, minutes };
        busy(submit, async () => {
          try {
            await signAndSend(
              `/projects/${project.id}/deliveries`,
              body,
              key,
              (payload) => deliveryExpected(payload, origin, id, project.id, row, minutes),
              project.id,
            );
          } catch (error) {
            messages.append(notice(failure(error), "error"));
            return;
          }
          deliveryId = crypto.randomUUID();
          const text = t("lead.confirm.done", {
            duration: formatDuration(minutes),
            name,
            quarter: quarterName(row.quarter),
          });
          announce(text);
          await rerender(text);
        });
      },
    },
    field(t("lead.confirm.who"), who),
    h("fieldset", {}, h("legend", {}, t("lead.confirm.duration")), duration.row()),
    messages,
    h("div", { class: "actions" }, submit),
  );
  section.append(form);
  return section;
}

function paySection(project, key, origin, rerender) {
  const eur = balanceOf(project, "EUR")?.balance ?? 0;
  const amount = h("input", { name: "amount", type: "text", inputmode: "decimal", required: true });
  const payee = h("input", { name: "payee", type: "text", maxlength: 200, required: true });
  const receipt = h("input", { name: "receipt_ref", type: "text", maxlength: 200, required: true });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("lead.pay.submit"));
  let paymentId = crypto.randomUUID();
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const cents = readCents(amount.value);
        if (cents === null) {
          messages.append(notice(t("lead.pay.badAmount"), "error"));
          amount.focus();
          return;
        }
        if (cents > eur) {
          messages.append(notice(t("lead.pay.tooMuch", { balance: euros(eur) }), "error"));
          amount.focus();
          return;
        }
        const words = { payee: payee.value.trim(), receipt_ref: receipt.value.trim() };
        if (!words.payee || !words.receipt_ref) {
          messages.append(notice(t("lead.pay.needWords"), "error"));
          (words.payee ? receipt : payee).focus();
          return;
        }
        const id = paymentId;
        busy(submit, async () => {
          try {
            await signAndSend(
              `/projects/${project.id}/disbursements`,
              { id, amount_cents: cents, ...words },
              key,
              (payload) => paymentExpected(payload, origin, id, project.id, cents),
              project.id,
            );
          } catch (error) {
            messages.append(notice(failure(error), "error"));
            return;
          }
          paymentId = crypto.randomUUID();
          const text = t("lead.pay.done", { amount: euros(cents), payee: words.payee });
          announce(text);
          await rerender(text);
        });
      },
    },
    field(t("lead.pay.amount"), amount, t("lead.pay.amountHint")),
    field(t("lead.pay.payee"), payee),
    field(t("lead.pay.receipt"), receipt, t("lead.pay.receiptHint")),
    messages,
    h("div", { class: "actions" }, submit),
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "pay-title" },
    h("h2", { id: "pay-title" }, t("lead.pay.title")),
    h("p", {}, t("lead.pay.intro")),
    form,
  );
}

export async function render(main, ctx, done = null) {
  const [projects, key, log] = await Promise.all([
    projectsOf(ctx),
    deviceKey(ctx.me.principal_id),
    get("/log"),
  ]);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  main.append(h("h1", { tabindex: "-1" }, t("lead.title")), h("p", {}, t("lead.intro")));
  if (done) main.append(notice(done));
  if (projects.length === 0) {
    main.append(h("p", { class: "muted" }, t("lead.none")));
    return;
  }
  const summary = pickOne(main, projects, {
    chosen,
    mine: (p) => p.lead === ctx.me.principal_id,
    name: "project",
    labelText: t("lead.pick"),
    onChoose: async (id) => {
      chosen = id;
      await rerender(null);
    },
  });
  chosen = summary.id;
  const [project, volunteers, payments, results, indicators, followups, groups] = await Promise.all(
    [
      get(`/projects/${summary.id}`),
      getAll(`/projects/${summary.id}/volunteers`),
      getAll(`/projects/${summary.id}/disbursements`),
      get(`/projects/${summary.id}/results`),
      getAll(`/projects/${summary.id}/indicators`),
      getAll(`/projects/${summary.id}/followups`),
      getAll("/groups"),
    ],
  );
  const names = new Map();
  await Promise.all(
    volunteers.map(async (v) => names.set(v.member_id, await ctx.nameOf(v.member_id))),
  );
  const rows = [...volunteers].sort(
    (a, b) =>
      b.quarter.localeCompare(a.quarter) ||
      names.get(a.member_id).localeCompare(names.get(b.member_id)),
  );
  const figures = [
    ["lead.eur", euros(balanceOf(project, "EUR")?.balance ?? 0)],
    ["lead.hours", formatDuration(balanceOf(project, "PLEDGE")?.balance ?? 0)],
  ];
  const time = balanceOf(project, "TIME");
  if (time) figures.push(["lead.time", formatDuration(time.balance)]);
  main.append(
    h(
      "section",
      { "aria-labelledby": "project-title" },
      h("h2", { id: "project-title" }, project.name),
      h(
        "p",
        {},
        t("lead.sheet", {
          category: label("category", project.category),
          group: project.group.name,
        }),
      ),
      h("p", { class: "muted" }, t("lead.since", { date: formatDay(project.created_at) })),
      h("h3", {}, t("lead.balance")),
      h(
        "dl",
        { class: "figures", "data-testid": "project-balance" },
        figures.map(([words, value]) => h("div", {}, h("dt", {}, t(words)), h("dd", {}, value))),
      ),
    ),
  );
  // Only the lead signs for the project (a coordinator reads the sheet), and only the
  // lead files its quarterly follow-up, which needs no key: it is words, not money.
  const leads = project.lead === ctx.me.principal_id;
  const coordinates = ctx.me.roles.some((r) => r === "coordination_member" || r === "operator");
  if (leads) main.append(fileSection(project, indicators, followups, rerender));
  if (leads || coordinates) main.append(sheetSection(project, groups, rerender));
  main.append(resultsSection(results));
  if (leads && !key?.registered) {
    main.append(
      notice(t("lead.needKey"), "warning"),
      h("p", {}, h("a", { href: "#/key" }, t("lead.keyLink"))),
    );
  }
  const volunteersSection = h(
    "section",
    { "aria-labelledby": "volunteers-title" },
    h("h2", { id: "volunteers-title" }, t("lead.volunteers")),
    rows.length === 0
      ? h("p", { class: "muted" }, t("lead.noVolunteer"))
      : volunteersTable(rows, names),
  );
  main.append(volunteersSection);
  if (leads && key?.registered) {
    const open = rows.filter((v) => v.allocated > v.delivered);
    main.append(confirmSection(project, open, names, key, log.origin, rerender));
  }
  main.append(
    h(
      "section",
      { "aria-labelledby": "payments-title" },
      h("h2", { id: "payments-title" }, t("lead.payments")),
      payments.length === 0
        ? h("p", { class: "muted" }, t("lead.noPayment"))
        : paymentsTable(payments),
    ),
  );
  if (leads && key?.registered) main.append(paySection(project, key, log.origin, rerender));
}
