// The time bank's report for coordinators: hours exchanged per month and per category,
// drawn as inline SVG (no chart library), each chart followed by a table of the same
// figures for whoever does not see it; and the CSV exports, fetched with the session
// (a plain link would not carry it) and offered as a file.

import { get } from "../api.js";
import { announce, busy, h, notice, svg } from "../dom.js";
import { formatDuration, formatNumber, label, language, t } from "../i18n.js";
import { failure, isCoordinator, notCoordinator, raw } from "./coordinator.js";
import { territorySection } from "./coordinator_territory.js";

const s = svg;

function locale() {
  return language() === "fr" ? "fr-FR" : "en-GB";
}

export function formatMonth(code, style = "long") {
  const [year, month] = code.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { month: style, year: "numeric" }).format(
    new Date(year, month - 1, 15),
  );
}

// Every month from the first to the last with exchanges: a month without any is a zero
// in the chart, not a gap that hides it.
export function monthsBetween(byMonth) {
  const codes = Object.keys(byMonth).sort();
  if (codes.length === 0) return [];
  const [first, last] = [codes[0], codes[codes.length - 1]];
  let [year, month] = first.split("-").map(Number);
  const months = [];
  for (;;) {
    const code = `${year}-${String(month).padStart(2, "0")}`;
    months.push([code, byMonth[code] ?? 0]);
    if (code >= last) return months;
    month += 1;
    if (month > 12) [month, year] = [1, year + 1];
  }
}

function categoryName(code) {
  return code === "uncategorised" ? t("coord.uncategorised") : label("category", code);
}

// A rounded top of the scale, in whole hours, so the axis reads 0, 5, 10… not 7.3.
function scaleTop(maxMinutes) {
  const hours = Math.max(1, Math.ceil(maxMinutes / 60));
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((n) => hours / n <= 5) ?? 1000;
  return Math.ceil(hours / step) * step * 60;
}

function monthChart(months, titleId) {
  const slot = 64;
  const [left, top, plot] = [44, 16, 160];
  const width = left + Math.max(months.length, 1) * slot + 8;
  const height = top + plot + 40;
  const max = scaleTop(Math.max(...months.map(([, m]) => m)));
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-labelledby": titleId,
    class: "chart",
    "data-testid": "chart-months",
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plot - fraction * plot;
    svg.append(
      s("line", { x1: left, x2: width - 4, y1: y, y2: y, class: "chart-grid" }),
      s(
        "text",
        { x: left - 6, y: y + 4, "text-anchor": "end", class: "chart-axis" },
        formatNumber((max * fraction) / 60),
      ),
    );
  }
  months.forEach(([code, minutes], i) => {
    const barHeight = (minutes / max) * plot;
    const x = left + i * slot + 10;
    svg.append(
      s("rect", {
        x,
        y: top + plot - barHeight,
        width: slot - 20,
        height: barHeight,
        class: "chart-bar",
        "data-month": code,
      }),
      s(
        "text",
        {
          x: x + (slot - 20) / 2,
          y: top + plot + 16,
          "text-anchor": "middle",
          class: "chart-axis",
        },
        formatMonth(code, "short").split(" ")[0],
      ),
      s(
        "text",
        {
          x: x + (slot - 20) / 2,
          y: top + plot + 30,
          "text-anchor": "middle",
          class: "chart-axis",
        },
        code.slice(0, 4),
      ),
    );
  });
  return svg;
}

// One bar a category, its name above it, so that a long name ("Apprendre tout au long de
// la vie") never pushes the bars out of a phone's width.
function categoryChart(lines, titleId) {
  const row = 44;
  const [width, valueRoom] = [320, 80];
  const height = Math.max(lines.length, 1) * row + 4;
  const max = Math.max(...lines.map(([, m]) => m), 1);
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-labelledby": titleId,
    class: "chart",
    "data-testid": "chart-categories",
  });
  lines.forEach(([code, minutes], i) => {
    const y = 4 + i * row;
    const barWidth = (minutes / max) * (width - valueRoom);
    svg.append(
      s("text", { x: 0, y: y + 14, class: "chart-axis" }, categoryName(code)),
      s("rect", {
        x: 0,
        y: y + 20,
        width: Math.max(barWidth, 1),
        height: 16,
        class: "chart-bar",
        "data-category": code,
      }),
      s("text", { x: barWidth + 6, y: y + 33, class: "chart-axis" }, formatDuration(minutes)),
    );
  });
  return svg;
}

function figuresTable(caption, heading, rows, testid) {
  return h(
    "table",
    { "data-testid": testid },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, heading),
        h("th", { scope: "col", class: "number" }, t("coord.hours")),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map(([name, minutes]) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, name),
          h("td", { class: "number" }, formatDuration(minutes)),
        ),
      ),
    ),
  );
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// The service names the file; the day it was made is added, so that two downloads
// of the report on different days do not overwrite each other.
export function fileName(disposition, fallback) {
  const named = /filename="?([^";]+)"?/.exec(disposition ?? "")?.[1] ?? fallback;
  const dot = named.lastIndexOf(".");
  return dot > 0 ? `${named.slice(0, dot)}-${today()}${named.slice(dot)}` : `${named}-${today()}`;
}

function download(path, fallback, prepareText, testid) {
  const messages = h("div");
  const slot = h("p", { "data-testid": testid });
  const prepare = h("button", { type: "button", class: "secondary" }, prepareText);
  let url = null;
  prepare.addEventListener("click", () =>
    busy(prepare, async () => {
      messages.replaceChildren();
      let answer;
      try {
        answer = await raw("GET", path);
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      const blob = new Blob([await answer.text()], { type: "text/csv;charset=utf-8" });
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(blob);
      const name = fileName(answer.headers.get("content-disposition"), fallback);
      const link = h(
        "a",
        { href: url, download: name, class: "button" },
        t("coord.save", { name }),
      );
      slot.replaceChildren(
        link,
        " ",
        h(
          "span",
          { class: "muted" },
          t("coord.size", { size: formatNumber(Math.max(1, Math.round(blob.size / 1024))) }),
        ),
      );
      announce(t("coord.ready", { name }));
      link.focus();
    }),
  );
  return h("div", { class: "card" }, messages, h("div", { class: "actions" }, prepare), slot);
}

export async function render(main, ctx) {
  if (!isCoordinator(ctx)) return notCoordinator(main);
  const report = await get("/reports/time-bank");
  main.append(
    h("h1", { tabindex: "-1" }, t("coord.reportTitle")),
    h("p", {}, t("coord.reportIntro")),
  );

  const total = Object.values(report.minutes_by_month).reduce((a, b) => a + b, 0);
  const proposals = Object.entries(report.proposals);
  main.append(
    h(
      "dl",
      { class: "figures", "data-testid": "report-figures" },
      [
        [t("coord.totalExchanged"), formatDuration(total)],
        [t("coord.activeMembers"), formatNumber(report.active_members.length)],
        [t("coord.inactiveMembers"), formatNumber(report.inactive_members.length)],
        [t("coord.withoutOffers"), formatNumber(report.members_without_offers.length)],
        ...proposals.map(([status, count]) => [
          t("coord.proposalsStatus", { status: label("status", status) }),
          formatNumber(count),
        ]),
      ].map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))),
    ),
  );

  const months = monthsBetween(report.minutes_by_month);
  const byMonth = h(
    "section",
    { "aria-labelledby": "coord-months" },
    h("h2", { id: "coord-months" }, t("coord.byMonth")),
  );
  if (months.length === 0) byMonth.append(h("p", { class: "muted" }, t("coord.noExchanges")));
  else {
    const summary = months
      .map(([code, m]) => t("coord.pair", { name: formatMonth(code), value: formatDuration(m) }))
      .join(", ");
    byMonth.append(
      h(
        "p",
        { id: "coord-months-chart", class: "visually-hidden" },
        t("coord.monthChartLabel", { summary }),
      ),
      h(
        "figure",
        { class: "chart-frame" },
        monthChart(months, "coord-months-chart"),
        h("figcaption", { class: "muted" }, t("coord.hoursAxis")),
      ),
      figuresTable(
        t("coord.byMonthTable"),
        t("coord.month"),
        months.map(([code, m]) => [formatMonth(code), m]),
        "table-months",
      ),
    );
  }
  main.append(byMonth);

  const categories = Object.entries(report.minutes_by_category).sort((a, b) => b[1] - a[1]);
  const byCategory = h(
    "section",
    { "aria-labelledby": "coord-categories" },
    h("h2", { id: "coord-categories" }, t("coord.byCategory")),
  );
  if (categories.length === 0)
    byCategory.append(h("p", { class: "muted" }, t("coord.noExchanges")));
  else {
    const summary = categories
      .map(([code, m]) => t("coord.pair", { name: categoryName(code), value: formatDuration(m) }))
      .join(", ");
    byCategory.append(
      h(
        "p",
        { id: "coord-categories-chart", class: "visually-hidden" },
        t("coord.categoryChartLabel", { summary }),
      ),
      h("figure", { class: "chart-frame" }, categoryChart(categories, "coord-categories-chart")),
      figuresTable(
        t("coord.byCategoryTable"),
        t("coord.category"),
        categories.map(([code, m]) => [categoryName(code), m]),
        "table-categories",
      ),
    );
  }
  main.append(byCategory);

  main.append(
    territorySection(
      await get("/reports/territory"),
      download(
        "/reports/territory.csv",
        "territory-report.csv",
        t("coord.prepareTerritory"),
        "territory-csv",
      ),
    ),
  );

  main.append(
    h(
      "section",
      { "aria-labelledby": "coord-exports" },
      h("h2", { id: "coord-exports" }, t("coord.exports")),
      h("p", { class: "muted" }, t("coord.exportsIntro")),
      h("h3", {}, t("coord.reportCsv")),
      download(
        "/reports/time-bank.csv",
        "time-bank-report.csv",
        t("coord.prepareReport"),
        "report-csv",
      ),
      // One's own statement is a member's export: shown to a coordinator who is one.
      ctx.member
        ? [
            h("h3", {}, t("coord.statementCsv")),
            download(
              "/members/me/statement.csv",
              "statement.csv",
              t("coord.prepareStatement"),
              "statement-csv",
            ),
          ]
        : null,
    ),
  );
  return undefined;
}
