import { ApiError, get, post, query } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDay, formatDuration, t } from "../i18n.js";
import { deviceKey, signTransaction } from "../keys.js";

// The page signs only what it shows: an exchange of exactly these minutes, out of the
// resident's own account into one other account, on this territory's log. A payload
// that says anything else is not signed, whatever the service sent.
export function matches(payload, proposal, accountId, origin) {
  if (payload.log !== origin || payload.kind !== "exchange" || payload.id !== proposal.id)
    return false;
  if (payload.reverses !== null || payload.references?.proposal !== proposal.id) return false;
  if (payload.postings.length !== 2) return false;
  const [debits, credits] = [
    payload.postings.filter((p) => p.amount < 0),
    payload.postings.filter((p) => p.amount > 0),
  ];
  if (debits.length !== 1 || credits.length !== 1) return false;
  return (
    debits[0].account_id === accountId &&
    debits[0].amount === -proposal.minutes &&
    credits[0].amount === proposal.minutes &&
    credits[0].account_id !== accountId &&
    payload.postings.every((p) => p.unit === "TIME")
  );
}

async function proposalCard(proposal, ctx, key, origin, refresh) {
  const messages = h("div");
  const name = await ctx.nameOf(proposal.provider);
  const confirmButton = h("button", { type: "button" }, t("confirm.sign"));
  const rejectButton = h(
    "button",
    { type: "button", class: "danger", "aria-expanded": "false" },
    t("confirm.reject"),
  );
  const reason = h("input", { name: "reason", required: true, maxlength: 500 });
  const rejectSubmit = h("button", { type: "submit", class: "danger" }, t("confirm.rejectSubmit"));
  const rejectForm = h(
    "form",
    { hidden: true },
    field(t("confirm.reason"), reason),
    h("div", { class: "actions" }, rejectSubmit),
  );
  const fail = (error) =>
    messages.replaceChildren(
      notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
    );

  confirmButton.addEventListener("click", () =>
    busy(confirmButton, async () => {
      messages.replaceChildren();
      if (!key?.registered)
        return messages.append(
          notice(t("confirm.needKey"), "error"),
          h("a", { href: "#/key" }, t("nav.key")),
        );
      if (!matches(proposal.signing_payload, proposal, ctx.member.account_id, origin)) {
        return messages.append(notice(t("confirm.mismatch"), "error"));
      }
      try {
        const signature = await signTransaction(key, proposal.signing_payload);
        const result = await post(`/proposals/${proposal.id}/confirm`, { signatures: [signature] });
        const mine = result.balances.find((b) => b.account_id === ctx.member.account_id);
        const text = t("confirm.confirmed", { balance: formatDuration(mine.balance) });
        announce(text);
        await refresh(text);
      } catch (error) {
        fail(error);
      }
      return undefined;
    }),
  );
  rejectButton.addEventListener("click", () => {
    rejectForm.hidden = !rejectForm.hidden;
    rejectButton.setAttribute("aria-expanded", String(!rejectForm.hidden));
    if (!rejectForm.hidden) reason.focus();
  });
  rejectForm.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(rejectSubmit, async () => {
      try {
        await post(`/proposals/${proposal.id}/reject`, { reason: reason.value });
        announce(t("confirm.rejected"));
        await refresh(t("confirm.rejected"));
      } catch (error) {
        fail(error);
      }
    });
  });
  return h(
    "li",
    { class: "card", "data-proposal": proposal.id },
    h(
      "p",
      { class: "item-title" },
      t("confirm.from", { name, duration: formatDuration(proposal.minutes) }),
    ),
    proposal.memo ? h("p", {}, proposal.memo) : null,
    proposal.group ? h("p", { class: "muted" }, t("exchanges.shareOf")) : null,
    h("p", { class: "muted" }, t("confirm.expires", { date: formatDay(proposal.expires_at) })),
    messages,
    h("div", { class: "actions" }, confirmButton, rejectButton),
    rejectForm,
  );
}

export async function render(main, ctx, done = null) {
  const [received, sent, key, log] = await Promise.all([
    get(`/proposals${query({ role: "receiver", status: "pending", limit: 100 })}`),
    get(`/proposals${query({ role: "provider", status: "pending", limit: 100 })}`),
    deviceKey(ctx.me.principal_id),
    get("/log"),
  ]);
  const refresh = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  main.append(h("h1", { tabindex: "-1" }, t("confirm.title")), h("p", {}, t("confirm.intro")));
  if (done) main.append(notice(done));
  if (received.items.length === 0) main.append(h("p", { class: "muted" }, t("confirm.none")));
  else {
    const cards = await Promise.all(
      received.items.map((p) => proposalCard(p, ctx, key, log.origin, refresh)),
    );
    main.append(h("ul", { class: "list", "aria-label": t("confirm.title") }, cards));
  }
  if (sent.items.length > 0) {
    const lines = await Promise.all(
      sent.items.map(async (p) =>
        h(
          "li",
          { class: "card" },
          t("sent.to", { duration: formatDuration(p.minutes), name: await ctx.nameOf(p.receiver) }),
          " ",
          h("span", { class: "tag" }, t(`status.${p.status}`)),
        ),
      ),
    );
    main.append(
      h(
        "section",
        { "aria-labelledby": "sent-title" },
        h("h2", { id: "sent-title" }, t("sent.title")),
        h("ul", { class: "list" }, lines),
      ),
    );
  }
}
