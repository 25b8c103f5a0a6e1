// A round's result as a picture and in words: shared by the resident's page (round.js)
// and the facilitator's (views/facilitator.js). The bars are decoration, hidden from
// screen readers; the sentences beside them carry the same facts.

import { get, query } from "./api.js";
import { h } from "./dom.js";
import { formatDuration, formatNumber, has, language, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";

// Euros are kept in cents and time in minutes, as the service counts them.
export function euros(cents) {
  const whole = cents % 100 === 0;
  return new Intl.NumberFormat(language() === "fr" ? "fr-FR" : "en-GB", {
    style: "currency",
    currency: "EUR",
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: whole ? 0 : 2,
  }).format(cents / 100);
}

export function amounts(eur, minutes) {
  if (eur && minutes) return t("round.both", { eur: euros(eur), hours: formatDuration(minutes) });
  if (minutes) return formatDuration(minutes);
  return euros(eur);
}

export async function projectNames() {
  const names = new Map();
  let cursor = null;
  do {
    const page = await get(`/projects${query({ limit: 500, cursor })}`);
    for (const p of page.items) names.set(p.id, p.name);
    cursor = page.next_cursor;
  } while (cursor);
  return names;
}

function reasonText(item) {
  const key = `round.reason.${item.reason}`;
  const numbers = {
    cost: amounts(item.cost_eur, item.cost_hours),
    left: amounts(item.left_eur, item.left_hours),
  };
  return has(key) ? t(key, numbers) : item.reason;
}

function svg(tag, attributes = {}) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

const share = (part, whole) => (whole > 0 ? Math.min(100, (100 * part) / whole) : 0);

// Two rows, euros then hours: the outline is what the project asked, the fill what it
// got, both against the whole budget of that resource.
function askPicture(ask, got, budget) {
  const picture = svg("svg", {
    class: "ask-chart",
    viewBox: "0 0 100 14",
    preserveAspectRatio: "none",
    "aria-hidden": "true",
    focusable: "false",
  });
  [
    [ask.eur, got.eur, budget.eur],
    [ask.hours, got.hours, budget.hours],
  ].forEach(([asked, funded, whole], row) => {
    const y = row * 8;
    picture.append(svg("rect", { class: "ask-track", x: 0, y, width: 100, height: 6 }));
    if (funded > 0)
      picture.append(
        svg("rect", { class: "ask-funded", x: 0, y, width: share(funded, whole), height: 6 }),
      );
    if (asked > 0)
      picture.append(
        svg("rect", { class: "ask-asked", x: 0, y, width: share(asked, whole), height: 6 }),
      );
  });
  return picture;
}

// Why a funded project was chosen: by consent, in a step of the method of equal shares,
// or in the completion that spends what the shares left.
function chosenBecause(id, transcript) {
  const steps = transcript?.mes?.steps ?? [];
  const step = steps.findIndex((s) => s.project === id);
  if (step >= 0) {
    const payers = new Set(steps[step].payments.flatMap((p) => p.voters)).size;
    return t("facil.why.mes", { step: formatNumber(step + 1), payers: formatNumber(payers) });
  }
  if ((transcript?.greedy ?? []).some((g) => g.project === id)) return t("facil.why.greedy");
  return null;
}

// One line per project: a bar for the share of voters who approved it, and the outcome
// in words. With `detail` (the facilitator's transcript), also what it asked against what
// it got, and why it was chosen.
export function resultList(round, names, transcript, { detail = false } = {}) {
  const voters = round.manifest.voters.length;
  const approvals = new Map();
  for (const reveal of round.reveals) {
    for (const id of reveal.approvals) approvals.set(id, (approvals.get(id) ?? 0) + 1);
  }
  const kept = new Map(round.consent.kept.map((line) => [line.project_id, line]));
  const funded = new Map((transcript?.selected ?? []).map((p) => [p.project, p]));
  const unfunded = new Map((transcript?.unfunded ?? []).map((u) => [u.project, u]));
  const asks = new Map(round.submissions.map((s) => [s.project_id, s]));
  const budget = { eur: round.manifest.budget_eur, hours: round.manifest.budget_hours };
  const ids = [...kept.keys(), ...round.consent.ballot_projects];
  const items = ids.map((id) => {
    const count = approvals.get(id) ?? 0;
    let outcome;
    let state;
    let got = { eur: 0, hours: 0 };
    let because = null;
    if (kept.has(id)) {
      const line = kept.get(id);
      outcome = t("round.keptByConsent", { amount: amounts(line.eur, line.hours) });
      state = "funded";
      got = { eur: line.eur, hours: line.hours };
    } else if (funded.has(id)) {
      const p = funded.get(id);
      outcome = t("round.funded", { amount: amounts(p.eur, p.hours) });
      state = "funded";
      got = { eur: p.eur, hours: p.hours };
      because = chosenBecause(id, transcript);
    } else {
      outcome = t("round.notFunded", {
        reason: unfunded.has(id) ? reasonText(unfunded.get(id)) : "",
      });
      state = "unfunded";
    }
    const fill = h("span", { class: `bar-fill ${state}` });
    fill.style.width = `${voters ? Math.round((100 * count) / voters) : 0}%`;
    const ask = asks.get(id);
    const asked = { eur: ask?.ask_eur ?? 0, hours: ask?.ask_hours ?? 0 };
    return h(
      "li",
      { class: `card result ${state}`, "data-project": id },
      h("p", { class: "item-title" }, names.get(id) ?? id.slice(0, 8)),
      kept.has(id) ? null : h("span", { class: "bar", "aria-hidden": "true" }, fill),
      kept.has(id) ? null : h("p", { class: "muted" }, t("round.approvals", { count, voters })),
      detail ? askPicture(asked, got, budget) : null,
      detail
        ? h(
            "p",
            { class: "muted" },
            t("facil.askedGot", {
              asked: amounts(asked.eur, asked.hours),
              got: amounts(got.eur, got.hours),
            }),
          )
        : null,
      h("p", { class: `outcome ${state}` }, outcome),
      detail && because ? h("p", {}, because) : null,
    );
  });
  return h("ul", { class: "list", "aria-label": t("round.resultTitle") }, items);
}

// The budget of one resource as one bar cut into what each project got, and what is
// left; the list below it names the same parts.
export function budgetPicture(title, decision, names, whole, format, pick) {
  const lines = decision.filter((line) => pick(line) > 0);
  const picture = svg("svg", {
    class: "budget-chart",
    viewBox: "0 0 100 8",
    preserveAspectRatio: "none",
    "aria-hidden": "true",
    focusable: "false",
  });
  picture.append(svg("rect", { class: "budget-track", x: 0, y: 0, width: 100, height: 8 }));
  let x = 0;
  lines.forEach((line, index) => {
    const width = share(pick(line), whole);
    picture.append(
      svg("rect", { class: `budget-part part-${index % 3}`, x, y: 0, width, height: 8 }),
    );
    x += width;
  });
  const used = lines.reduce((sum, line) => sum + pick(line), 0);
  return h(
    "figure",
    { class: "budget" },
    h(
      "figcaption",
      {},
      t("facil.budgetUsed", { what: title, used: format(used), whole: format(whole) }),
    ),
    picture,
    h(
      "ul",
      { class: "legend" },
      lines.map((line, index) =>
        h(
          "li",
          {},
          h("span", { class: `swatch part-${index % 3}`, "aria-hidden": "true" }),
          `${names.get(line.project_id) ?? line.project_id.slice(0, 8)} : ${format(pick(line))}`,
        ),
      ),
      h(
        "li",
        {},
        h("span", { class: "swatch left", "aria-hidden": "true" }),
        t("facil.budgetLeft", { left: format(Math.max(0, whole - used)) }),
      ),
    ),
  );
}
