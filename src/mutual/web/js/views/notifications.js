import { get, query } from "../api.js";
import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";

const SHOWN = 200;
const PAGE = 500;
// A one-time sign-in code is a credential for the gateway to deliver, not news: the page
// neither shows nor counts it.
const HIDDEN_KINDS = new Set(["sign_in_link"]);

// Kept per principal: two people may share a browser, each with their own feed.
const seenKey = (principalId) => `mutual.notifications.seen.${principalId}`;
const fromKey = (principalId) => `mutual.notifications.from.${principalId}`;

function stored(key) {
  const value = Number.parseInt(localStorage.getItem(key) ?? "", 10);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

const shown = (items) => items.filter((n) => !HIDDEN_KINDS.has(n.kind));

// The feed only reads forward from a cursor, so the latest ones are found by reading to
// its end. The window of the latest only ever moves forward: where it began last time is
// kept, and the next visit reads from there instead of from the very first notification.
async function latest(principalId) {
  let after = stored(fromKey(principalId));
  let kept = [];
  for (;;) {
    const page = await get(`/notifications${query({ after, limit: PAGE })}`);
    kept = kept.concat(shown(page.items)).slice(-SHOWN);
    if (page.items.length < PAGE) break;
    after = page.items[page.items.length - 1].seq;
  }
  if (kept.length === SHOWN) localStorage.setItem(fromKey(principalId), String(kept[0].seq - 1));
  return kept.reverse();
}

// For the home page: how many arrived since the last visit, as a link to them (null when
// none did).
export async function unseenLine(ctx) {
  const after = stored(seenKey(ctx.me.principal_id));
  const page = await get(`/notifications${query({ after, limit: SHOWN + 1 })}`);
  const count = shown(page.items).length;
  if (count === 0) return null;
  const text = t("notif.unseen", { count: count > SHOWN ? `${SHOWN}+` : count });
  return h(
    "p",
    { class: "notice", "data-testid": "unseen-notifications" },
    h("a", { href: "#/notifications" }, text),
  );
}

function item(notification, isNew, pending) {
  const toConfirm =
    notification.kind === "proposal_received" && pending.has(notification.data.proposal_id);
  return h(
    "li",
    { class: `card notification${isNew ? " new" : ""}`, "data-seq": notification.seq },
    isNew ? h("span", { class: "tag new-tag" }, t("notif.new")) : null,
    h("p", { class: "notification-message" }, notification.message),
    h(
      "p",
      { class: "muted" },
      h("time", { datetime: notification.created_at }, formatDate(notification.created_at)),
    ),
    toConfirm ? h("p", {}, h("a", { href: "#/confirm" }, t("notif.toConfirm"))) : null,
    // A message about one's listing: its page lists every message, with their senders.
    notification.kind === "offer_message"
      ? h(
          "p",
          {},
          h("a", { href: `#/offer?id=${notification.data.offer_id}` }, t("offer.fromNotice")),
        )
      : null,
  );
}

export async function render(main, ctx) {
  const principalId = ctx.me.principal_id;
  const [items, pending] = await Promise.all([
    latest(principalId),
    get(`/proposals${query({ role: "receiver", status: "pending", limit: 100 })}`),
  ]);
  const lastSeen = stored(seenKey(principalId));
  // Only proposals still waiting get a link: a confirmed or rejected one has nothing left to do.
  const pendingIds = new Set(pending.items.map((p) => p.id));
  main.append(h("h1", {}, t("notif.title")));
  if (items.length === 0) {
    main.append(h("p", { class: "muted" }, t("notif.empty")));
    return;
  }
  main.append(
    h("p", { class: "muted" }, t("notif.intro", { count: SHOWN })),
    h(
      "ul",
      { class: "list", "aria-label": t("notif.title") },
      items.map((n) => item(n, n.seq > lastSeen, pendingIds)),
    ),
  );
  // Seen once shown: the next visit (or the home page) counts only what came after.
  localStorage.setItem(seenKey(principalId), String(Math.max(lastSeen, items[0].seq)));
}
