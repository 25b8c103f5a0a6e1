// The coordination pays a member from the commons pot for work done for the territory.
// The ledger accepts the payment only signed on the commons' behalf by a coordinator the
// log appointed for it: this device's key signs with `on_behalf_of` the commons, after
// checking the composed transaction is exactly the payment shown (from the pot, whose
// id the page derives, to the chosen person's time account, with the description).

import { get } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { confirmUnusual, durationInput } from "../duration.js";
import { signAndSend } from "../flows.js";
import { deviceKey } from "../keys.js";
import { formatDuration, t } from "../i18n.js";
import { personLabel, personPicker } from "../person_picker.js";
import { failureText, isPotTransfer, newSalt, potAccount } from "./commons.js";

export async function render(main, ctx, done = null) {
  const me = ctx.me.principal_id;
  const [pot, key, log, from] = await Promise.all([
    get("/commons/pot"),
    deviceKey(me),
    get("/log"),
    potAccount(),
  ]);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  const appointed = pot.coordinators.some((c) => c.member_id === me);
  const picker = personPicker({ label: t("commons.pay.member"), name: "member" });
  const duration = durationInput({ hours: 1, maxHours: 24 });
  const memo = h("textarea", { name: "memo", required: true, maxlength: 2000, rows: 3 });
  const submit = h("button", { type: "submit" }, t("commons.pay.submit"));
  const messages = h("div");
  let paymentId = crypto.randomUUID();
  let salt = newSalt();

  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const person = picker.chosen();
        if (!person) {
          messages.append(notice(t("people.pick"), "error"));
          picker.input.focus();
          return;
        }
        const total = duration.read(messages);
        if (total === null) return;
        if (total > pot.balance) {
          messages.append(
            notice(t("commons.pay.tooMuch", { duration: formatDuration(pot.balance) }), "error"),
          );
          return duration.focus();
        }
        if (!(await confirmUnusual(messages, "exchange", total))) return duration.focus();
        if (!key?.registered) {
          messages.append(
            notice(t("confirm.needKey"), "error"),
            h("a", { href: "#/key" }, t("nav.key")),
          );
          return;
        }
        const text = memo.value.trim();
        const id = paymentId;
        await busy(submit, async () => {
          try {
            const paid = await get(`/members/${person.id}`);
            const body = { id, member_id: person.id, minutes: total, memo: text, memo_salt: salt };
            await signAndSend(
              "/commons/pot/payments",
              body,
              key,
              (payload) =>
                isPotTransfer(payload, {
                  origin: log.origin,
                  id,
                  kind: "commons_payment",
                  from,
                  to: paid.account_id,
                  amount: total,
                  memo: text,
                  salt,
                }),
              pot.commons_principal,
            );
          } catch (error) {
            messages.append(notice(failureText(error), "error"));
            return;
          }
          paymentId = crypto.randomUUID();
          salt = newSalt();
          const said = t("commons.pay.done", {
            name: personLabel(person),
            duration: formatDuration(total),
          });
          announce(said);
          await rerender(said);
        });
      },
    },
    picker.element,
    h("fieldset", {}, h("legend", {}, t("commons.pay.duration")), duration.row()),
    field(t("commons.pay.memo"), memo),
    h("div", { class: "actions" }, submit),
  );

  const names = pot.coordinators.map((c) => c.display_name ?? t("people.former"));
  main.append(
    h("h1", { tabindex: "-1" }, t("commons.pay.title")),
    h("p", {}, t("commons.pay.intro")),
    h(
      "p",
      { class: "notice", "data-testid": "pot-balance" },
      t("commons.holds", { duration: formatDuration(pot.balance) }),
    ),
    h(
      "p",
      { class: "muted" },
      names.length ? t("commons.pay.who", { names: names.join(", ") }) : t("commons.pay.nobody"),
    ),
  );
  if (done) main.append(notice(done));
  if (!appointed) {
    main.append(notice(t("commons.pay.notAppointed"), "warning"));
    return;
  }
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
  main.append(messages, h("div", { class: "card" }, form));
}
