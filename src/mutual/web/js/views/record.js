import { ApiError, get, post } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { confirmUnusual, durationInput } from "../duration.js";
import { categoryCodes, formatDuration, label, t } from "../i18n.js";
import { personLabel, personPicker } from "../person_picker.js";

// #/record?member=…&offer=… comes from the directory or an offer: the person (and the
// offer, with its category) are chosen already.
async function preset() {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const [member, offer] = await Promise.all([
    params.get("member") ? get(`/members/${params.get("member")}`).catch(() => null) : null,
    params.get("offer") ? get(`/offers/${params.get("offer")}`).catch(() => null) : null,
  ]);
  return { member: member?.status === "active" ? member : null, offer };
}

export async function render(main, ctx) {
  const { member, offer } = await preset();
  const receiver = personPicker({
    label: t("record.receiver"),
    name: "receiver",
    exclude: ctx.me.principal_id,
  });
  if (member && member.id !== ctx.me.principal_id) receiver.choose(member);
  const category = h(
    "select",
    { name: "category" },
    h("option", { value: "" }, t("record.noCategory")),
    categoryCodes().map((code) =>
      h("option", { value: code, selected: offer?.category === code }, label("category", code)),
    ),
  );
  const duration = durationInput({ hours: 1, maxHours: 24 });
  const memo = h("textarea", { name: "memo", maxlength: 2000, rows: 3 });
  if (offer) memo.value = offer.title;
  const submit = h("button", { type: "submit" }, t("record.submit"));
  const messages = h("div");
  // One id per exchange being written: pressing twice, or again after a lost answer,
  // replays the same proposal instead of making a second one.
  let proposalId = crypto.randomUUID();
  let offerId = offer?.id ?? null;

  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const person = receiver.chosen();
        if (!person) {
          messages.append(notice(t("people.pick"), "error"));
          receiver.input.focus();
          return;
        }
        const total = duration.read(messages);
        if (total === null) return;
        if (!(await confirmUnusual(messages, "exchange", total))) return duration.focus();
        try {
          await busy(submit, () =>
            post("/proposals", {
              id: proposalId,
              receiver: person.id,
              minutes: total,
              memo: memo.value,
              offer_id: offerId,
              category: category.value || null,
            }),
          );
        } catch (error) {
          messages.append(
            notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
          );
          return;
        }
        const done = t("record.done", {
          duration: formatDuration(total),
          name: personLabel(person),
        });
        messages.append(notice(done));
        announce(done);
        proposalId = crypto.randomUUID();
        offerId = null;
        form.reset();
        receiver.reset();
      },
    },
    receiver.element,
    offer
      ? h(
          "p",
          { class: "muted" },
          t("record.fromOffer", {
            title: offer.title,
            category: label("category", offer.category),
          }),
        )
      : null,
    h("fieldset", {}, h("legend", {}, t("record.duration")), duration.row()),
    field(t("record.memo"), memo),
    field(t("record.category"), category),
    h("div", { class: "actions" }, submit),
  );
  main.append(
    h("h1", {}, t("record.title")),
    h("p", {}, t("record.intro")),
    messages,
    h("div", { class: "card" }, form),
  );
}
