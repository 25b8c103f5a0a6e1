// The territory's report in the coordinators' report page: per measure (hours exchanged,
// hours pledged, the fund's grants, goods lent), a chart of each quarter's total and,
// for each way of counting (neighbourhood, category, age band), a table of the figures
// per quarter. A figure too few people make up is withheld by the service and says so.

import { h, svg } from "../dom.js";
import { formatAmount, formatDuration, formatNumber, label, t } from "../i18n.js";

const MEASURES = ["hours_exchanged", "hours_pledged", "fund_granted", "goods_lent"];

function formatted(value, unit) {
  if (value === null) return t("coord.withheldCell");
  if (unit === "minutes") return formatDuration(value);
  if (unit === "cents") return formatAmount(value, "EUR");
  return formatNumber(value);
}

function keyName(dimension, key) {
  if (key === "unknown") return t("coord.keyUnknown");
  if (key === "territory") return t("coord.keyTerritory");
  if (dimension === "age_band") return t(`band.${key}`);
  if (dimension === "category")
    return key === "uncategorised" ? t("coord.uncategorised") : label("category", key);
  return key;
}

// One bar a quarter, its name and figure beside it; a withheld total draws no bar.
function quarterChart(totals, unit, titleId, testid) {
  const row = 28;
  const [width, left, valueRoom] = [320, 72, 96];
  const height = Math.max(totals.length, 1) * row + 4;
  const max = Math.max(...totals.map(([, v]) => v ?? 0), 1);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-labelledby": titleId,
    class: "chart",
    "data-testid": testid,
  });
  totals.forEach(([quarter, value], i) => {
    const y = 4 + i * row;
    const barWidth = ((value ?? 0) / max) * (width - left - valueRoom);
    chart.append(
      svg("text", { x: 0, y: y + 16, class: "chart-axis" }, quarter),
      svg("rect", {
        x: left,
        y: y + 4,
        width: Math.max(barWidth, 1),
        height: 16,
        class: "chart-bar",
      }),
      svg(
        "text",
        { x: left + barWidth + 6, y: y + 16, class: "chart-axis" },
        formatted(value, unit),
      ),
    );
  });
  return chart;
}

function breakdownTable(caption, dimension, rows, quarters, unit, testid) {
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  const value = new Map(rows.map((r) => [`${r.quarter}|${r.key}`, r.value]));
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
          h("th", { scope: "col" }, t(`coord.dimension.${dimension}`)),
          quarters.map((q) => h("th", { scope: "col", class: "number" }, q)),
        ),
      ),
      h(
        "tbody",
        {},
        keys.map((key) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, keyName(dimension, key)),
            quarters.map((q) => {
              const cell = `${q}|${key}`;
              return h(
                "td",
                { class: "number" },
                value.has(cell) ? formatted(value.get(cell), unit) : "",
              );
            }),
          ),
        ),
      ),
    ),
  );
}

function measureSection(measure, rows) {
  const mine = rows.filter((r) => r.measure === measure);
  const id = `territory-${measure}`;
  const section = h(
    "section",
    { "aria-labelledby": id },
    h("h3", { id }, t(`coord.measure.${measure}`)),
  );
  if (mine.length === 0) {
    section.append(h("p", { class: "muted" }, t("coord.territoryNone")));
    return section;
  }
  const unit = mine[0].unit;
  const totals = mine.filter((r) => r.dimension === "total").map((r) => [r.quarter, r.value]);
  const quarters = totals.map(([q]) => q);
  const summary = totals
    .map(([q, v]) => t("coord.pair", { name: q, value: formatted(v, unit) }))
    .join(", ");
  section.append(
    h(
      "p",
      { id: `${id}-chart`, class: "visually-hidden" },
      t("coord.quarterChartLabel", { summary }),
    ),
    h(
      "figure",
      { class: "chart-frame" },
      quarterChart(totals, unit, `${id}-chart`, `chart-${measure}`),
    ),
  );
  for (const dimension of ["neighbourhood", "category", "age_band"]) {
    const cells = mine.filter((r) => r.dimension === dimension);
    if (cells.length === 0) continue;
    section.append(
      breakdownTable(
        t(`coord.by.${dimension}`, { measure: t(`coord.measure.${measure}`) }),
        dimension,
        cells,
        quarters,
        unit,
        `table-${measure}-${dimension}`,
      ),
    );
  }
  return section;
}

export function territorySection(report, csvDownload) {
  return h(
    "section",
    { "aria-labelledby": "coord-territory" },
    h("h2", { id: "coord-territory" }, t("coord.territoryTitle")),
    h("p", {}, t("coord.territoryIntro")),
    h("p", { class: "muted" }, t("coord.withheldNote", { count: formatNumber(report.people_min) })),
    MEASURES.map((measure) => measureSection(measure, report.rows)),
    h("h3", {}, t("coord.territoryCsv")),
    csvDownload,
  );
}
