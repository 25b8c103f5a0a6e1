import { ApiError, get, query } from "../api.js";
import { announce, busy, h, notice } from "../dom.js";
import { formatDate, formatDay, formatDuration, formatSignedDuration, label, t } from "../i18n.js";
import { personLabel } from "../person_picker.js";
import { deviceKey } from "../keys.js";
import { unseenLine } from "./notifications.js";

// A phone screen of lines; older ones a press away.
const SHOWN = 10;

function statementPage(cursor) {
  return get(`/members/me/statement${query({ limit: SHOWN, cursor })}`);
}

// Who was on the other side, as far as this reader may see them: a member's name and
// number while they are a member, a shared account by its kind.
function otherParty(party) {
  if (!party) return "";
  if (party.association) {
    const { name, acting } = party.association;
    if (!acting?.display_name) return name;
    return t("associations.actedFor", { name: acting.display_name, association: name });
  }
  if (party.owner_kind !== "member") return label("owner", party.owner_kind);
  if (!party.display_name) return t("people.former");
  return [
    `${party.display_name} `,
    h("span", { class: "nowrap" }, `(${t("people.number", { number: party.number })})`),
  ];
}

function statementRow(line) {
  return h(
    "tr",
    {},
    h("td", { class: "date" }, formatDate(line.recorded_at)),
    h("td", {}, otherParty(line.other_party)),
    // Without a memo (erased, or none given) the kind of movement says what it was.
    h("td", {}, line.description ?? label("kind", line.kind)),
    h("td", {}, line.category ? label("category", line.category) : ""),
    h(
      "td",
      { class: `number ${line.amount < 0 ? "negative" : ""}` },
      formatSignedDuration(line.amount),
    ),
    h("td", { class: "number" }, formatDuration(line.balance_after)),
  );
}

function statementSection(first, member) {
  const section = h(
    "section",
    { class: "statement-section", "aria-labelledby": "statement-title" },
    h("h2", { id: "statement-title" }, t("statement.title")),
  );
  if (first.items.length === 0) {
    section.append(h("p", { class: "muted" }, t("statement.empty")));
    return section;
  }
  const body = h("tbody", {}, first.items.map(statementRow));
  let cursor = first.next_cursor;
  const failed = h("div");
  const older = h("button", { type: "button", class: "secondary" }, t("statement.older"));
  older.hidden = cursor === null;
  older.addEventListener("click", () =>
    busy(older, async () => {
      failed.replaceChildren();
      let page;
      try {
        page = await statementPage(cursor);
      } catch (error) {
        failed.append(
          notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
        );
        return;
      }
      const rows = page.items.map(statementRow);
      body.append(...rows);
      cursor = page.next_cursor;
      older.hidden = cursor === null;
      announce(
        cursor === null
          ? t("statement.allLoaded", { count: rows.length })
          : t("statement.loaded", { count: rows.length }),
      );
    }),
  );
  section.append(
    h(
      "p",
      { class: "print-only" },
      t("statement.printedFor", { name: personLabel(member), date: formatDay(new Date()) }),
    ),
    h(
      "div",
      {
        class: "table-scroll",
        tabindex: "0",
        role: "region",
        "aria-labelledby": "statement-caption",
      },
      h(
        "table",
        { class: "statement" },
        h("caption", { id: "statement-caption" }, t("statement.caption")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("statement.date")),
            h("th", { scope: "col" }, t("statement.party")),
            h("th", { scope: "col" }, t("statement.description")),
            h("th", { scope: "col" }, t("statement.category")),
            h("th", { scope: "col", class: "number" }, t("statement.amount")),
            h("th", { scope: "col", class: "number" }, t("statement.balance")),
          ),
        ),
        body,
      ),
    ),
    failed,
    h(
      "div",
      { class: "actions no-print" },
      older,
      h(
        "a",
        {
          class: "button secondary",
          href: "/api/v1/members/me/statement.csv",
          download: "statement.csv",
        },
        t("statement.csv"),
      ),
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => window.print() },
        t("statement.print"),
      ),
    ),
  );
  return section;
}

export async function render(main, ctx) {
  const accountId = ctx.member.account_id;
  const [account, pending, key, first] = await Promise.all([
    get(`/accounts/${accountId}`),
    get(`/proposals${query({ role: "receiver", status: "pending", limit: 100 })}`),
    deviceKey(ctx.me.principal_id),
    statementPage(null),
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
  main.append(statementSection(first, ctx.member));
}
