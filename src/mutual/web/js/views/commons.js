// The commons pot for a resident: what it holds, and a gift of their own hours to it.
// The service composes the gift; the page signs it only if it is exactly the gift shown:
// from the resident's own time account to the pot (whose id the page derives itself),
// of the duration chosen, with the word written (its salted digest recomputed here).

import { ApiError, get } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { confirmUnusual, durationInput } from "../duration.js";
import { Mismatch, derive, isTransfer, signAndSend } from "../flows.js";
import { base64, deviceKey } from "../keys.js";
import { formatDuration, formatSignedDuration, t } from "../i18n.js";

export const potAccount = () => derive("commons_account", { unit: "TIME" });

// A fresh salt for a description: the payload signs SHA-256(salt || memo), never the memo.
export function newSalt() {
  return base64(crypto.getRandomValues(new Uint8Array(16)));
}

async function memoDigest(memo, salt) {
  if (!memo) return null;
  const saltBytes = Uint8Array.from(atob(salt), (c) => c.charCodeAt(0));
  const memoBytes = new TextEncoder().encode(memo);
  const input = new Uint8Array(saltBytes.length + memoBytes.length);
  input.set(saltBytes);
  input.set(memoBytes, saltBytes.length);
  return base64(new Uint8Array(await crypto.subtle.digest("SHA-256", input)));
}

// True when `payload` moves exactly `amount` minutes from `from` to `to` as this `kind`,
// with this description (or none) and nothing else.
export async function isPotTransfer(payload, { origin, id, kind, from, to, amount, memo, salt }) {
  if (payload?.memo_sha256 !== (await memoDigest(memo, salt))) return false;
  return isTransfer(
    { ...payload, memo_sha256: null },
    { origin, id, kind, unit: "TIME", from, to, amount, references: {} },
  );
}

export function failureText(error) {
  if (error instanceof Mismatch) return t("flows.mismatch");
  return error instanceof ApiError ? error.describe() : t("error.generic");
}

export async function render(main, ctx, done = null) {
  const member = ctx.me.principal_id;
  const [pot, account, key, log, to] = await Promise.all([
    get("/commons/pot"),
    get(`/accounts/${ctx.member.account_id}`),
    deviceKey(member),
    get("/log"),
    potAccount(),
  ]);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  const duration = durationInput({ hours: 1, maxHours: 24 });
  const word = h("input", { name: "memo", maxlength: 200, autocomplete: "off" });
  const submit = h("button", { type: "submit" }, t("commons.submit"));
  const messages = h("div");
  // One id per gift being written: a second press, or a resend after a lost answer, is
  // answered as the same gift.
  let giftId = crypto.randomUUID();
  let salt = newSalt();

  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const total = duration.read(messages);
        if (total === null) return;
        if (!(await confirmUnusual(messages, "exchange", total))) return duration.focus();
        if (!key?.registered) {
          messages.append(
            notice(t("confirm.needKey"), "error"),
            h("a", { href: "#/key" }, t("nav.key")),
          );
          return;
        }
        const id = giftId;
        const memo = word.value.trim();
        const body = { id, minutes: total, memo, memo_salt: memo ? salt : null };
        await busy(submit, async () => {
          try {
            await signAndSend("/commons/pot/gifts", body, key, (payload) =>
              isPotTransfer(payload, {
                origin: log.origin,
                id,
                kind: "commons_gift",
                from: ctx.member.account_id,
                to,
                amount: total,
                memo,
                salt,
              }),
            );
          } catch (error) {
            messages.append(notice(failureText(error), "error"));
            return;
          }
          giftId = crypto.randomUUID();
          salt = newSalt();
          const text = t("commons.done", { duration: formatDuration(total) });
          announce(text);
          await rerender(text);
        });
      },
    },
    h("fieldset", {}, h("legend", {}, t("commons.duration")), duration.row()),
    field(t("commons.word"), word),
    h("div", { class: "actions" }, submit),
  );

  main.append(
    h("h1", { tabindex: "-1" }, t("commons.title")),
    h("p", {}, t("commons.intro")),
    h(
      "p",
      { class: "notice", "data-testid": "pot-balance" },
      t("commons.holds", { duration: formatDuration(pot.balance) }),
    ),
  );
  if (done) main.append(notice(done));
  main.append(
    h(
      "p",
      { "data-testid": "my-balance" },
      t("commons.yourBalance", { duration: formatSignedDuration(account.balance) }),
    ),
  );
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
      { "aria-labelledby": "commons-give" },
      h("h2", { id: "commons-give" }, t("commons.give")),
      messages,
      h("div", { class: "card" }, form),
    ),
  );
}
