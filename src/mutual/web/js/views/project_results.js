// A project followed after funding, in the parts pages share: its results beside its
// money (the partner's page and the lead's), the lead's forms for the project's sheet and
// the quarter's follow-up (the lead's page), and a follow-up's card (which the groups'
// page, views/group_projects.js, shows for the group to co-evaluate). The money and hours
// come summed from the ledger by the service (GET /projects/{id}/results); the words are
// the lead's and the group's.

import { ApiError, call, get } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDuration, formatNumber, t } from "../i18n.js";
import { euros } from "../tally_chart.js";
import { readCents } from "./partner.js";
import { quarterName } from "./pledges.js";

const STATUSES = ["idea", "proposed", "funded", "in_progress", "done", "abandoned"];

// The quarter a day falls in, as the service writes it ("2027-Q1").
export function quarterOf(day = new Date()) {
  return `${day.getFullYear()}-Q${Math.floor(day.getMonth() / 3) + 1}`;
}

export const failure = (error) =>
  error instanceof ApiError ? error.describe() : t("error.generic");

function paragraphs(titleKey, text) {
  if (!text) return [];
  return [h("dt", {}, t(titleKey)), h("dd", {}, text)];
}

export function followupCard(followup, indicators) {
  const byId = new Map(indicators.map((i) => [i.id, i]));
  const values = followup.indicator_values
    .filter((v) => byId.has(v.indicator_id))
    .map((v) => {
      const indicator = byId.get(v.indicator_id);
      return h(
        "li",
        {},
        t("projects.followup.value", {
          name: indicator.name,
          value: formatNumber(v.value),
          target: formatNumber(indicator.target),
          unit: indicator.unit,
        }),
      );
    });
  const judged = followup.evaluation;
  return h(
    "li",
    { class: "card", "data-followup": followup.quarter },
    h("h4", { class: "item-title" }, quarterName(followup.quarter)),
    h(
      "dl",
      {},
      paragraphs("projects.followup.results", followup.results),
      paragraphs("projects.followup.obstacles", followup.obstacles),
      paragraphs("projects.followup.needs", followup.needs),
    ),
    values.length ? h("ul", {}, values) : null,
    judged
      ? h(
          "p",
          { "data-testid": "evaluation" },
          h(
            "strong",
            {},
            t("projects.followup.evaluation", {
              assessment: t(`projects.assessment.${judged.assessment}`),
            }),
          ),
          judged.comment ? ` — ${judged.comment}` : "",
        )
      : h("p", { class: "muted" }, t("projects.followup.notEvaluated")),
  );
}

function indicatorsTable(results) {
  const caption = t("projects.results.indicatorsCaption");
  if (results.indicators.length === 0)
    return h("p", { class: "muted" }, t("projects.results.noIndicator"));
  return h(
    "div",
    { class: "table-wrap", role: "region", tabindex: 0, "aria-label": caption },
    h(
      "table",
      { class: "indicators" },
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("projects.results.indicator")),
          h("th", { scope: "col", class: "number" }, t("projects.results.reached")),
          h("th", { scope: "col", class: "number" }, t("projects.results.target")),
        ),
      ),
      h(
        "tbody",
        {},
        results.indicators.map((row) =>
          h(
            "tr",
            { "data-indicator": row.indicator.id },
            h("th", { scope: "row" }, `${row.indicator.name} (${row.indicator.unit})`),
            h(
              "td",
              { class: "number" },
              row.value === null ? t("projects.results.notReported") : formatNumber(row.value),
            ),
            h("td", { class: "number" }, formatNumber(row.indicator.target)),
          ),
        ),
      ),
    ),
  );
}

// A project's results: what it was given, spent and delivered, then what it achieved.
export function resultsSection(results) {
  const titleId = `results-${results.project_id}`;
  const figures = [
    ["projects.results.granted", euros(results.granted_cents)],
    ["projects.results.spent", euros(results.spent_cents)],
    ["projects.results.balance", euros(results.balance_cents)],
    ["projects.results.delivered", formatDuration(results.delivered_minutes)],
  ];
  return h(
    "section",
    { class: "card", "aria-labelledby": titleId, "data-results": results.project_id },
    h("h3", { id: titleId }, t("projects.results.title", { name: results.name })),
    h(
      "p",
      { class: "muted" },
      t("projects.results.sheet", {
        status: t(`projects.status.${results.sheet.status}`),
        group: results.group_name ?? t("projects.results.noGroup"),
      }),
    ),
    results.sheet.description ? h("p", {}, results.sheet.description) : null,
    h(
      "dl",
      { class: "figures", "data-testid": "results-money" },
      figures.map(([words, value]) => h("div", {}, h("dt", {}, t(words)), h("dd", {}, value))),
    ),
    indicatorsTable(results),
    h("h4", {}, t("projects.results.followups")),
    results.followups.length === 0
      ? h("p", { class: "muted" }, t("projects.results.noFollowup"))
      : h(
          "ul",
          { class: "list" },
          results.followups.map((f) =>
            followupCard(
              f,
              results.indicators.map((i) => i.indicator),
            ),
          ),
        ),
  );
}

// The project's sheet as its lead (or a coordinator) edits it: only what changed is sent.
export function sheetSection(project, groups, rerender) {
  const sheet = project.sheet;
  const select = (name, options, chosen) =>
    h(
      "select",
      { name },
      options.map(([value, words]) => h("option", { value, selected: value === chosen }, words)),
    );
  const status = select(
    "status",
    STATUSES.map((s) => [s, t(`projects.status.${s}`)]),
    sheet.status,
  );
  const group = select(
    "group",
    [["", t("projects.results.noGroup")], ...groups.map((g) => [g.id, g.name])],
    sheet.group_id ?? "",
  );
  const text = (name, value, max) =>
    h("input", { name, type: "text", maxlength: max, value: value ?? "" });
  const description = h(
    "textarea",
    { name: "description", rows: 3, maxlength: 4000 },
    sheet.description ?? "",
  );
  const neighbourhood = text("neighbourhood", sheet.neighbourhood, 120);
  const starts = h("input", { name: "starts_on", type: "date", value: sheet.starts_on ?? "" });
  const ends = h("input", { name: "ends_on", type: "date", value: sheet.ends_on ?? "" });
  const needsEur = text(
    "needs_eur",
    sheet.needs_eur_cents === null ? "" : String(sheet.needs_eur_cents / 100),
    20,
  );
  const needsHours = h("input", {
    name: "needs_hours",
    type: "number",
    min: 0,
    step: 1,
    value: sheet.needs_minutes === null ? "" : Math.round(sheet.needs_minutes / 60),
  });
  const needsGoods = text("needs_goods", sheet.needs_goods, 500);
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("projects.sheet.submit"));
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const cents = needsEur.value.trim() === "" ? null : readCents(needsEur.value);
        if (needsEur.value.trim() !== "" && cents === null) {
          messages.append(notice(t("lead.pay.badAmount"), "error"));
          needsEur.focus();
          return;
        }
        const wanted = {
          status: status.value,
          group_id: group.value || null,
          description: description.value.trim() || null,
          neighbourhood: neighbourhood.value.trim() || null,
          starts_on: starts.value || null,
          ends_on: ends.value || null,
          needs_eur_cents: cents,
          needs_minutes: needsHours.value === "" ? null : Number(needsHours.value) * 60,
          needs_goods: needsGoods.value.trim() || null,
        };
        const changed = Object.fromEntries(
          Object.entries(wanted).filter(([name, value]) => value !== sheet[name]),
        );
        busy(submit, async () => {
          try {
            await call("PATCH", `/projects/${project.id}`, changed);
          } catch (error) {
            messages.append(notice(failure(error), "error"));
            return;
          }
          const done = t("projects.sheet.done");
          announce(done);
          await rerender(done);
        });
      },
    },
    field(t("projects.sheet.status"), status),
    field(t("projects.sheet.group"), group),
    field(t("projects.sheet.description"), description),
    field(t("projects.sheet.neighbourhood"), neighbourhood),
    field(t("projects.sheet.startsOn"), starts),
    field(t("projects.sheet.endsOn"), ends),
    field(t("projects.sheet.needsEur"), needsEur),
    field(t("projects.sheet.needsHours"), needsHours),
    field(t("projects.sheet.needsGoods"), needsGoods),
    messages,
    h("div", { class: "actions" }, submit),
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "sheet-title" },
    h("h2", { id: "sheet-title" }, t("projects.sheet.title")),
    h("p", {}, t("projects.sheet.intro")),
    form,
  );
}

// The lead's form for the quarter's follow-up: filed again, it is rewritten, until the
// group has co-evaluated it.
export function fileSection(project, indicators, followups, rerender) {
  const quarter = quarterOf();
  const filed = followups.find((f) => f.quarter === quarter) ?? null;
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "followup-title" },
    h("h2", { id: "followup-title" }, t("projects.file.title", { quarter: quarterName(quarter) })),
    h("p", {}, t("projects.file.intro")),
  );
  if (!project.sheet.group_id) section.append(notice(t("projects.file.noGroup"), "warning"));
  if (filed?.evaluation) {
    section.append(h("p", { class: "muted" }, t("projects.file.closed")));
    return section;
  }
  const area = (name, value) => h("textarea", { name, rows: 3, maxlength: 4000 }, value ?? "");
  const results = area("results", filed?.results);
  const obstacles = area("obstacles", filed?.obstacles);
  const needs = area("needs", filed?.needs);
  const previous = new Map((filed?.indicator_values ?? []).map((v) => [v.indicator_id, v.value]));
  const values = indicators.map((indicator) => ({
    indicator,
    input: h("input", {
      name: `indicator-${indicator.id}`,
      type: "number",
      min: 0,
      step: 1,
      inputmode: "numeric",
      value: previous.get(indicator.id) ?? "",
    }),
  }));
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("projects.file.submit"));
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const body = {
          results: results.value.trim(),
          obstacles: obstacles.value.trim(),
          needs: needs.value.trim(),
          indicator_values: values
            .filter(({ input }) => input.value !== "")
            .map(({ indicator, input }) => ({
              indicator_id: indicator.id,
              value: Number(input.value),
            })),
        };
        busy(submit, async () => {
          try {
            await call("PUT", `/projects/${project.id}/followups/${quarter}`, body);
          } catch (error) {
            messages.append(notice(failure(error), "error"));
            return;
          }
          const text = t("projects.file.done", { quarter: quarterName(quarter) });
          announce(text);
          await rerender(text);
        });
      },
    },
    field(t("projects.followup.results"), results),
    field(t("projects.followup.obstacles"), obstacles),
    field(t("projects.followup.needs"), needs),
    values.map(({ indicator, input }) =>
      field(
        t("projects.file.value", {
          name: indicator.name,
          unit: indicator.unit,
          target: formatNumber(indicator.target),
        }),
        input,
      ),
    ),
    messages,
    h("div", { class: "actions" }, submit),
  );
  section.append(form);
  return section;
}

// The results of these projects, each read once (a partner funds a project through
// several contributions).
export async function resultsOf(projectIds) {
  return Promise.all([...new Set(projectIds)].map((id) => get(`/projects/${id}/results`)));
}
