// "I received" and a group exchange, beside "I gave" (views/record.js).
//
// "I received" is signed at once: the service composes the transaction (views'
// flows.signAndSend), and the page signs it only if it is exactly what it shows: these
// minutes out of the resident's own account into the chosen person's, marked as the
// resident's own record, with the description's salted hash. A group exchange is a
// proposal per share; when the resident is the receiver of every share, the page signs
// each at once with the same check as a confirmation (views/confirm.js `matches`).

import { ApiError, get, post } from "../api.js";
import { announce, busy, h, notice } from "../dom.js";
import { confirmUnusual, durationInput } from "../duration.js";
import { Mismatch, signAndSend } from "../flows.js";
import { formatDuration, t } from "../i18n.js";
import { base64, deviceKey, signTransaction } from "../keys.js";
import { personLabel, personPicker } from "../person_picker.js";
import { matches } from "./confirm.js";

export async function memoDigest(salt, memo) {
  if (!memo) return null;
  const text = new TextEncoder().encode(memo);
  const input = new Uint8Array(salt.length + text.length);
  input.set(salt);
  input.set(text, salt.length);
  return base64(new Uint8Array(await crypto.subtle.digest("SHA-256", input)));
}

// True when `payload` is the "I received" the page shows: `minutes` from `mine` to
// `theirs`, this id, this log, marked as `me`'s record, with this memo's digest.
export function isReceived(payload, { origin, id, me, mine, theirs, minutes, digest, extra }) {
  if (payload?.log !== origin || payload.id !== id || payload.kind !== "exchange") return false;
  if (payload.reverses !== null || payload.memo_sha256 !== digest) return false;
  const references = { received: me, ...extra };
  const keys = Object.keys(references);
  if (Object.keys(payload.references ?? {}).length !== keys.length) return false;
  if (!keys.every((k) => payload.references[k] === references[k])) return false;
  const [debit, credit] = payload.postings ?? [];
  return (
    payload.postings.length === 2 &&
    debit.account_id === mine &&
    debit.unit === "TIME" &&
    debit.amount === -minutes &&
    credit.account_id === theirs &&
    credit.unit === "TIME" &&
    credit.amount === minutes
  );
}

const failure = (error) =>
  notice(
    error instanceof Mismatch
      ? t("flows.mismatch")
      : error instanceof ApiError
        ? error.describe()
        : t("error.generic"),
    "error",
  );

const balanceOf = (result, accountId) =>
  formatDuration(result.balances.find((b) => b.account_id === accountId).balance);

async function signingKey(ctx, messages) {
  const key = await deviceKey(ctx.me.principal_id);
  if (key?.registered) return key;
  messages.append(notice(t("exchanges.needKey"), "error"), h("a", { href: "#/key" }, t("nav.key")));
  return null;
}

// The form for "I received"; `common` holds the description and category fields;
// `acting()` is the association the resident records it for (its account pays, and the
// resident signs on its behalf), or null.
export function receivedForm(ctx, common, member = null, acting = () => null) {
  const provider = personPicker({
    label: t("exchanges.provider"),
    name: "provider",
    exclude: ctx.me.principal_id,
  });
  if (member && member.id !== ctx.me.principal_id) provider.choose(member);
  const duration = durationInput({ hours: 1, maxHours: 24 });
  const submit = h("button", { type: "submit" }, t("exchanges.receivedSubmit"));
  const messages = h("div");
  let txId = crypto.randomUUID();
  let salt = crypto.getRandomValues(new Uint8Array(16));

  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const person = provider.chosen();
        if (!person) {
          messages.append(notice(t("people.pick"), "error"));
          provider.input.focus();
          return;
        }
        const total = duration.read(messages);
        if (total === null) return;
        if (!(await confirmUnusual(messages, "exchange", total))) return duration.focus();
        const key = await signingKey(ctx, messages);
        if (!key) return undefined;
        const { memo, category, offerId } = common.values();
        const association = acting();
        const body = {
          id: txId,
          provider: person.id,
          minutes: total,
          memo,
          memo_salt: memo ? base64(salt) : null,
          offer_id: offerId,
          category,
          ...(association ? { on_behalf_of: association.id } : {}),
        };
        const paying = association ? association.account_id : ctx.member.account_id;
        try {
          const [them, log, digest] = await Promise.all([
            get(`/members/${person.id}`),
            get("/log"),
            memoDigest(salt, memo),
          ]);
          const extra = {};
          if (offerId) extra.offer = offerId;
          if (category) extra.category = category;
          const expected = {
            origin: log.origin,
            id: txId,
            me: association ? association.id : ctx.me.principal_id,
            mine: paying,
            theirs: them.account_id,
            minutes: total,
            digest,
            extra,
          };
          const result = await busy(submit, () =>
            signAndSend(
              "/exchanges/received",
              body,
              key,
              (p) => isReceived(p, expected),
              association?.id,
            ),
          );
          const done = t(association ? "associations.receivedDone" : "exchanges.receivedDone", {
            duration: formatDuration(total),
            name: personLabel(person),
            balance: balanceOf(result, paying),
            association: association?.name,
          });
          messages.append(notice(done));
          announce(done);
          txId = crypto.randomUUID();
          salt = crypto.getRandomValues(new Uint8Array(16));
          form.reset();
          provider.reset();
          common.reset();
        } catch (error) {
          messages.append(failure(error));
        }
        return undefined;
      },
    },
    h("p", {}, t("exchanges.receivedIntro")),
    provider.element,
    h("fieldset", {}, h("legend", {}, t("record.duration")), duration.row()),
    common.element,
    h("div", { class: "actions" }, submit),
  );
  return { element: h("div", {}, messages, form) };
}

// The form for a group exchange: the resident's side, the people (one picker, a list),
// one duration for each share.
export function groupForm(ctx, common) {
  const picker = personPicker({
    label: t("exchanges.person"),
    name: "person",
    exclude: ctx.me.principal_id,
  });
  picker.input.required = false;
  const chosen = [];
  const list = h("ul", { class: "list", "aria-label": t("exchanges.person") });
  const count = h("p", { class: "muted", "aria-live": "polite" });
  const messages = h("div");
  const side = (value, checked) =>
    h(
      "label",
      { class: "choice" },
      h("input", { type: "radio", name: "side", value, checked }),
      " ",
      t(value === "provider" ? "exchanges.sideProvider" : "exchanges.sideReceiver"),
    );
  const sides = h(
    "fieldset",
    {},
    h("legend", {}, t("exchanges.side")),
    side("provider", true),
    side("receiver", false),
  );
  const duration = durationInput({ hours: 1, maxHours: 24 });
  const submit = h("button", { type: "submit" }, t("exchanges.groupSubmit"));
  let groupId = crypto.randomUUID();

  const showList = () => {
    list.replaceChildren(
      ...chosen.map((person) =>
        h(
          "li",
          { class: "card", "data-member": person.id },
          personLabel(person),
          " ",
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                chosen.splice(chosen.indexOf(person), 1);
                showList();
                picker.input.focus();
              },
            },
            t("exchanges.remove", { name: person.display_name ?? t("people.former") }),
          ),
        ),
      ),
    );
    count.textContent =
      chosen.length === 0 ? t("exchanges.noPeople") : t("exchanges.people", { n: chosen.length });
  };
  const add = h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: () => {
        messages.replaceChildren();
        const person = picker.chosen();
        if (!person) {
          messages.append(notice(t("people.pick"), "error"));
          picker.input.focus();
          return;
        }
        if (chosen.some((p) => p.id === person.id))
          messages.append(notice(t("exchanges.already", { name: personLabel(person) }), "error"));
        else chosen.push(person);
        picker.reset();
        showList();
        picker.input.focus();
      },
    },
    t("exchanges.add"),
  );
  showList();

  const signShares = async (group) => {
    const key = await signingKey(ctx, messages);
    if (!key) return null;
    const log = await get("/log");
    let last = null;
    for (const share of group.shares) {
      if (!matches(share.signing_payload, share, ctx.member.account_id, log.origin))
        throw new Mismatch("a share is not the one shown");
      const signature = await signTransaction(key, share.signing_payload);
      last = await post(`/proposals/${share.id}/confirm`, { signatures: [signature] });
    }
    return last;
  };

  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        if (chosen.length < 2) {
          messages.append(notice(t("exchanges.needPeople"), "error"));
          picker.input.focus();
          return;
        }
        const total = duration.read(messages);
        if (total === null) return;
        if (!(await confirmUnusual(messages, "exchange", total))) return duration.focus();
        const which = form.querySelector("input[name=side]:checked").value;
        if (which === "receiver" && !(await signingKey(ctx, messages))) return undefined;
        const { memo, category, offerId } = common.values();
        try {
          const done = await busy(submit, async () => {
            const group = await post("/exchange-groups", {
              id: groupId,
              side: which,
              shares: chosen.map((p) => ({ member: p.id, minutes: total })),
              memo,
              offer_id: offerId,
              category,
            });
            if (which === "provider")
              return t("exchanges.groupDoneProvider", {
                n: group.shares.length,
                duration: formatDuration(total),
              });
            const result = await signShares(group);
            return t("exchanges.groupDoneReceiver", {
              n: group.shares.length,
              duration: formatDuration(total),
              balance: balanceOf(result, ctx.member.account_id),
            });
          });
          messages.append(notice(done));
          announce(done);
          groupId = crypto.randomUUID();
          chosen.splice(0);
          showList();
          form.reset();
          common.reset();
        } catch (error) {
          messages.append(failure(error));
        }
        return undefined;
      },
    },
    h("p", {}, t("exchanges.groupIntro")),
    sides,
    picker.element,
    h("div", { class: "actions" }, add),
    count,
    list,
    h("fieldset", {}, h("legend", {}, t("exchanges.share")), duration.row()),
    common.element,
    h("div", { class: "actions" }, submit),
  );
  return { element: h("div", {}, messages, form) };
}
