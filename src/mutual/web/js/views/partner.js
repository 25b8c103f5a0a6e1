// A partner's contributions to the co-responsibility fund and where the money went: the
// grants each one paid into (in proportion, as the service traces them), what was repaid
// and what is still in the fund. A coordinator may look at any partner.

import { get, query } from "../api.js";
import { field, h } from "../dom.js";
import { formatDay, label, t } from "../i18n.js";
import { euros, projectNames } from "../tally_chart.js";

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

const granted = (c) => c.grants.reduce((sum, g) => sum + g.amount_cents, 0);

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
            h("th", { scope: "row" }, formatDay(c.recorded_at)),
            h("td", {}, label("partner.use", c.kind)),
            h("td", { class: "number" }, euros(c.amount_cents)),
            h("td", { class: "number" }, euros(granted(c))),
            h("td", { class: "number" }, euros(c.repaid_cents)),
            h("td", { class: "number" }, euros(c.in_fund_cents)),
            h("td", { class: "number" }, c.kind === "deposit" ? euros(c.owed_cents) : "—"),
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

export async function render(main, ctx) {
  const [partners, fund, names] = await Promise.all([allPartners(), get("/fund"), projectNames()]);
  main.append(h("h1", { tabindex: "-1" }, t("partner.title")), h("p", {}, t("partner.intro")));
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
  const partner =
    partners.find((p) => p.id === chosen) ??
    partners.find((p) => p.principal_id === ctx.me.principal_id) ??
    partners[0];
  chosen = partner.id;
  if (partners.length > 1) {
    const picker = h(
      "select",
      {
        name: "partner",
        onchange: async (event) => {
          chosen = event.currentTarget.value;
          main.replaceChildren();
          await render(main, ctx);
          main.querySelector("h1").focus();
        },
      },
      partners.map((p) => h("option", { value: p.id, selected: p.id === partner.id }, p.name)),
    );
    main.append(field(t("partner.pick"), picker));
  }
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
  if (trace.contributions.length === 0) {
    main.append(h("p", { class: "muted" }, t("partner.noContribution")));
    return;
  }
  main.append(
    h(
      "section",
      { "aria-labelledby": "uses-title" },
      h("h2", { id: "uses-title" }, t("partner.uses")),
      h(
        "ul",
        { class: "list", "aria-label": t("partner.uses") },
        trace.contributions.map((c) =>
          h(
            "li",
            { class: "card" },
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
      contributionsTable(trace),
    ),
    h(
      "section",
      { "aria-labelledby": "projects-title" },
      h("h2", { id: "projects-title" }, t("partner.projects")),
      projectsTable(trace, names),
    ),
  );
}
