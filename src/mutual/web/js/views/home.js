import { get, query } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatDuration, formatSignedDuration, label, t } from "../i18n.js";
import { deviceKey } from "../keys.js";
import { unseenLine } from "./notifications.js";

const SHOWN = 20;

// The newest lines are the ones a resident wants: one page, newest first.
async function latestLines(accountId) {
  const page = await get(
    `/accounts/${accountId}/postings${query({ limit: SHOWN, order: "newest_first" })}`,
  );
  return page.items;
}

function statementTable(lines) {
  if (lines.length === 0) return h("p", { class: "muted" }, t("statement.empty"));
  return h(
    "table",
    { class: "statement" },
    h("caption", {}, t("statement.caption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("statement.date")),
        h("th", { scope: "col" }, t("statement.kind")),
        h("th", { scope: "col", class: "number" }, t("statement.amount")),
        h("th", { scope: "col", class: "number" }, t("statement.balance")),
      ),
    ),
    h(
      "tbody",
      {},
      lines.map((line) =>
        h(
          "tr",
          {},
          h("td", { class: "date" }, formatDate(line.recorded_at)),
          h("td", {}, label("kind", line.kind)),
          h(
            "td",
            { class: `number ${line.amount < 0 ? "negative" : ""}` },
            formatSignedDuration(line.amount),
          ),
          h("td", { class: "number" }, formatDuration(line.balance_after)),
        ),
      ),
    ),
  );
}

export async function render(main, ctx) {
  const accountId = ctx.member.account_id;
  const [account, pending, key, lines] = await Promise.all([
    get(`/accounts/${accountId}`),
    get(`/proposals${query({ role: "receiver", status: "pending", limit: 100 })}`),
    deviceKey(ctx.me.principal_id),
    latestLines(accountId),
  ]);
  const limits =
    account.balance_min !== null && account.balance_max !== null
      ? h(
          "p",
          { class: "muted" },
          t("home.limits", {
            min: formatDuration(account.balance_min),
            max: formatDuration(account.balance_max),
          }),
        )
      : null;
  main.append(
    h("h1", {}, t("home.title")),
    h("p", {}, t("home.hello", { name: ctx.member.display_name ?? "" })),
    h(
      "section",
      { class: "card", "aria-labelledby": "balance-label" },
      h("h2", { id: "balance-label" }, t("home.balance")),
      h(
        "p",
        { class: `balance ${account.balance < 0 ? "negative" : ""}`, "data-testid": "balance" },
        formatDuration(account.balance),
      ),
      limits,
    ),
  );
  if (pending.items.length > 0) {
    main.append(
      h(
        "p",
        { class: "notice warning" },
        t("home.pending", { count: pending.items.length }),
        " ",
        h("a", { href: "#/confirm" }, t("home.pendingLink")),
      ),
    );
  }
  const unseen = await unseenLine(ctx);
  if (unseen) main.append(unseen);
  if (!key?.registered) {
    main.append(
      h(
        "p",
        { class: "notice" },
        t("home.noKey"),
        " ",
        h("a", { href: "#/key" }, t("home.noKeyLink")),
      ),
    );
  }
  main.append(
    h(
      "section",
      { "aria-labelledby": "statement-title" },
      h("h2", { id: "statement-title" }, t("statement.title")),
      statementTable(lines),
    ),
  );
}
