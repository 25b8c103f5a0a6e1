// The territory's public page, for anyone, signed in or not: the fund's figures, each
// quarterly round's decision and tally, the projects and what they were granted, the
// log's latest checkpoint; only what the territory chose to publish (GET /public).

import { get } from "../api.js";
import { h, notice } from "../dom.js";
import { formatAmount, formatDay, formatNumber, label, t } from "../i18n.js";

const euros = (cents) => formatAmount(cents, "EUR");
const hours = (minutes) => formatAmount(minutes, "TIME");

function figures(rows, testid) {
  return h(
    "dl",
    { class: "figures", "data-testid": testid },
    rows.map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))),
  );
}

// A table that scrolls sideways in its own box on a phone rather than widen the page;
// ``headings`` are [text, isNumber], which aligns the column's figures to the right.
function table(caption, headings, rows, testid) {
  const align = (i) => (headings[i][1] ? "number" : null);
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "group", "aria-label": caption },
    h(
      "table",
      { "data-testid": testid },
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headings.map(([text], i) => h("th", { scope: "col", class: align(i) }, text)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map(([first, ...rest]) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, first),
            rest.map((cell, i) => h("td", { class: align(i + 1) }, cell)),
          ),
        ),
      ),
    ),
  );
}

function fundSection(fund) {
  return h(
    "section",
    { "aria-labelledby": "public-fund" },
    h("h2", { id: "public-fund" }, t("public.fund")),
    figures(
      [
        [t("public.fund.available"), euros(fund.available)],
        [t("public.fund.received"), euros(fund.received)],
        [t("public.fund.granted"), euros(fund.granted)],
        [t("public.fund.repaid"), euros(fund.repaid)],
        [t("public.fund.owed"), euros(fund.owed)],
      ],
      "public-fund",
    ),
    h("p", { class: "muted" }, t("public.fund.asOf", { date: formatDay(fund.as_of) })),
  );
}

function roundArticle(round, n) {
  // A label often names its quarter already ("2026-Q3 (démo)"); else it is added.
  const name = round.label.includes(round.quarter)
    ? round.label
    : t("public.round", { label: round.label, quarter: round.quarter });
  const id = `public-round-${n}`;
  const article = h(
    "article",
    { class: "card", "aria-labelledby": id, "data-testid": "public-round" },
    h("h3", { id }, name),
    h("p", {}, t("public.phase", { phase: label("round.phase", round.phase) })),
  );
  if (round.voters !== null)
    article.append(
      h(
        "p",
        {},
        t("public.tally", {
          voters: formatNumber(round.voters),
          ballots: formatNumber(round.ballots_cast),
        }),
      ),
    );
  if (round.consent)
    article.append(
      h(
        "p",
        {},
        t("public.consent", {
          participants: formatNumber(round.consent.participants),
          result: t(`public.consent.${round.consent.result}`),
        }),
      ),
    );
  if (round.decision.length === 0)
    article.append(h("p", { class: "muted" }, t("public.noDecision")));
  else
    article.append(
      table(
        t("public.decision", { label: round.label }),
        [
          [t("public.project"), false],
          [t("public.euros"), true],
          [t("public.hours"), true],
        ],
        round.decision.map((line) => [line.project, euros(line.eur), hours(line.hours)]),
        "public-decision",
      ),
    );
  if (round.approvals.length > 0)
    article.append(
      table(
        t("public.approvals", { label: round.label }),
        [
          [t("public.project"), false],
          [t("public.approvalCount"), true],
        ],
        round.approvals.map((a) => [a.project, formatNumber(a.count)]),
        "public-approvals",
      ),
    );
  return article;
}

function roundsSection(rounds) {
  return h(
    "section",
    { "aria-labelledby": "public-rounds" },
    h("h2", { id: "public-rounds" }, t("public.rounds")),
    rounds.length === 0
      ? h("p", { class: "muted" }, t("public.noRounds"))
      : rounds.map((round, n) => roundArticle(round, n)),
  );
}

// The group's co-evaluation of the latest follow-up, and each agreed indicator against
// its target: figures only, as the page names nobody.
function followUp(report) {
  if (!report) return t("public.noFollowUp");
  const indicators = report.indicators.map((i) =>
    t("public.indicator", {
      name: i.name,
      value: i.value === null ? "–" : formatNumber(i.value),
      target: formatNumber(i.target),
      unit: i.unit,
    }),
  );
  const head = t("public.followUpHead", {
    quarter: report.quarter,
    assessment: t(`projects.assessment.${report.assessment}`),
  });
  return [head, ...indicators].join(" · ");
}

function projectsSection(projects) {
  return h(
    "section",
    { "aria-labelledby": "public-projects" },
    h("h2", { id: "public-projects" }, t("public.projects")),
    table(
      t("public.projectsTable"),
      [
        [t("public.project"), false],
        [t("public.neighbourhood"), false],
        [t("public.category"), false],
        [t("public.granted"), true],
        [t("public.status"), false],
        [t("public.followUp"), false],
      ],
      projects.map((p) => [
        p.name,
        p.neighbourhood ?? t("public.wholeTerritory"),
        label("category", p.category),
        euros(p.granted_eur),
        t(`projects.status.${p.status}`),
        followUp(p.follow_up),
      ]),
      "public-projects",
    ),
  );
}

function checkpointSection(checkpoint) {
  return h(
    "section",
    { "aria-labelledby": "public-checkpoint" },
    h("h2", { id: "public-checkpoint" }, t("public.checkpoint")),
    h("p", {}, t("public.checkpointIntro")),
    figures([[t("public.treeSize"), formatNumber(checkpoint.tree_size)]], "public-tree-size"),
    h("pre", { class: "note", tabindex: "0" }, checkpoint.note),
  );
}

// How many signed the territorial pact (counted, never named); its words are the pact's.
function pactSection(pact) {
  const rows = [[t("pact.publicSignatories"), formatNumber(pact.signatories)]];
  if (pact.version !== null) {
    rows.push([
      t("pact.publicCurrent", { number: pact.version }),
      formatNumber(pact.signatories_current),
    ]);
  }
  return h(
    "section",
    { "aria-labelledby": "public-pact" },
    h("h2", { id: "public-pact" }, t("pact.title")),
    pact.title ? h("p", {}, pact.title) : null,
    figures(rows, "public-pact"),
  );
}

export async function render(main) {
  const page = await get("/public");
  main.append(h("h1", {}, t("public.title")), h("p", {}, t("public.intro")));
  if (page.shown.length === 0) main.append(notice(t("public.nothing")));
  if (page.fund) main.append(fundSection(page.fund));
  if (page.rounds) main.append(roundsSection(page.rounds));
  if (page.projects) main.append(projectsSection(page.projects));
  if (page.pact) main.append(pactSection(page.pact));
  if (page.checkpoint) main.append(checkpointSection(page.checkpoint));
  main.append(h("p", {}, h("a", { href: "#/" }, t("public.signIn"))));
}
