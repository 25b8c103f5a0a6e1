import { get, getAll, nextPath, query } from "../api.js";
import { h } from "../dom.js";
import { formatDay, formatNumber, label, t } from "../i18n.js";
import { loanAccount, localDay } from "../flows.js";

const SHOWN = 10;
const HISTORY_PAGES = 20;

// The catalogue's names by slug, and a point's stock as a table people can read.
export async function catalogue() {
  const kinds = await getAll("/goods/kinds");
  return { kinds, nameOf: (slug) => kinds.find((k) => k.slug === slug)?.name ?? slug };
}

export function stockTable(point, nameOf) {
  if (point.stock.length === 0) return h("p", { class: "muted" }, t("goods.noStock"));
  return h(
    "table",
    { class: "stock", "data-point": point.id },
    h("caption", {}, t("goods.stockOf", { point: point.name })),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("goods.kind")),
        h("th", { scope: "col", class: "number" }, t("goods.onShelf")),
        h("th", { scope: "col", class: "number" }, t("goods.onLoan")),
      ),
    ),
    h(
      "tbody",
      {},
      point.stock.map((line) =>
        h(
          "tr",
          { "data-kind": line.kind },
          h("th", { scope: "row" }, nameOf(line.kind)),
          h("td", { class: "number" }, formatNumber(line.on_shelf)),
          h("td", { class: "number" }, formatNumber(line.on_loan)),
        ),
      ),
    ),
  );
}

// When the point is open, as its keepers wrote it (their words, shown as text).
export function openingHours(point) {
  if (!point.opening_hours) return null;
  return h(
    "p",
    { class: "opening-hours", "data-testid": "opening-hours" },
    h("strong", {}, t("keeperjobs.hours.shown")),
    " ",
    point.opening_hours,
  );
}

export function dueText(loan) {
  const date = formatDay(localDay(loan.due_on));
  return loan.overdue ? t("goods.overdueSince", { date }) : t("goods.dueOn", { date });
}

function myLoan(loan, nameOf, pointName) {
  return h(
    "li",
    { class: "card", "data-loan": loan.id },
    h(
      "p",
      { class: "item-title" },
      t("goods.loanLine", { count: formatNumber(loan.outstanding), kind: nameOf(loan.kind) }),
    ),
    h(
      "p",
      { class: loan.overdue ? "" : "muted" },
      t("goods.from", { point: pointName(loan.point) }),
      " · ",
      dueText(loan),
      loan.overdue ? [" ", h("span", { class: "tag overdue" }, t("goods.overdue"))] : null,
    ),
  );
}

// Loans and returns are the ledger's, not only the open-loans table's: the member's
// loan accounts are derived from the member, the point and the kind, so the page finds
// its own movements, returned loans included, in each kind's history.
async function movements(kinds, points, member) {
  const mine = new Map();
  for (const point of points) {
    for (const kind of kinds) mine.set(await loanAccount(member, point.id, kind.slug), point);
  }
  const found = [];
  await Promise.all(
    kinds.map(async (kind) => {
      let path = `/goods/kinds/${encodeURIComponent(kind.slug)}/history${query({ limit: 500 })}`;
      for (let page = 0; page < HISTORY_PAGES && path; page += 1) {
        const answer = await get(path);
        for (const row of answer.items) {
          if (mine.has(row.account_id))
            found.push({ ...row, slug: kind.slug, point: mine.get(row.account_id) });
        }
        path = nextPath(answer);
      }
    }),
  );
  return found.sort((a, b) => b.log_index - a.log_index).slice(0, SHOWN);
}

function movementLine(row, nameOf) {
  return h(
    "li",
    { "data-move": row.kind },
    h("span", { class: "tag" }, label("goods.move", row.kind)),
    " ",
    t("goods.moveLine", {
      kind: nameOf(row.slug),
      count: formatNumber(Math.abs(row.amount)),
      point: row.point.name,
      date: formatDay(row.recorded_at),
    }),
  );
}

export async function render(main, ctx) {
  const [{ kinds, nameOf }, summaries, loans] = await Promise.all([
    catalogue(),
    getAll("/collection-points"),
    getAll("/members/me/loans"),
  ]);
  const points = await Promise.all(summaries.map((p) => get(`/collection-points/${p.id}`)));
  const pointName = (id) => points.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  const moves = await movements(kinds, points, ctx.me.principal_id);
  const keeps = points.some((p) => p.keepers.includes(ctx.me.principal_id));

  main.append(h("h1", {}, t("goods.title")), h("p", {}, t("goods.intro")));
  if (keeps)
    main.append(
      h(
        "p",
        { class: "notice" },
        t("goods.youKeep"),
        " ",
        h("a", { href: "#/keeper" }, t("goods.keeperLink")),
      ),
    );

  const mine = h(
    "section",
    { "aria-labelledby": "goods-loans" },
    h("h2", { id: "goods-loans" }, t("goods.myLoans")),
  );
  if (loans.length === 0)
    mine.append(h("p", { class: "muted", "data-testid": "no-loans" }, t("goods.noLoans")));
  else
    mine.append(
      h(
        "ul",
        { class: "list", "aria-labelledby": "goods-loans" },
        loans.map((loan) => myLoan(loan, nameOf, pointName)),
      ),
    );
  if (moves.length > 0) {
    mine.append(
      h("h3", { id: "goods-moves" }, t("goods.moves")),
      h(
        "ul",
        { class: "moves", "aria-labelledby": "goods-moves" },
        moves.map((row) => movementLine(row, nameOf)),
      ),
    );
  }
  main.append(mine);

  const where = h(
    "section",
    { "aria-labelledby": "goods-points" },
    h("h2", { id: "goods-points" }, t("goods.points")),
  );
  if (points.length === 0) where.append(h("p", { class: "muted" }, t("goods.noPoints")));
  for (const point of points) {
    where.append(
      h(
        "section",
        { class: "card", "aria-labelledby": `point-${point.id}` },
        h("h3", { id: `point-${point.id}`, class: "item-title" }, point.name),
        h("p", { class: "muted" }, point.neighbourhood),
        openingHours(point),
        stockTable(point, nameOf),
      ),
    );
  }
  main.append(where);

  const shelf = h(
    "section",
    { "aria-labelledby": "goods-catalogue" },
    h("h2", { id: "goods-catalogue" }, t("goods.catalogue")),
  );
  if (kinds.length === 0) shelf.append(h("p", { class: "muted" }, t("goods.noKinds")));
  else {
    shelf.append(
      h(
        "ul",
        { class: "list", "aria-labelledby": "goods-catalogue" },
        kinds.map((k) =>
          h(
            "li",
            { class: "card" },
            h("p", { class: "item-title" }, k.name),
            k.description ? h("p", {}, k.description) : null,
          ),
        ),
      ),
    );
  }
  main.append(shelf);
}
