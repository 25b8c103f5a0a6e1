import { ApiError, get, post } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { confirmUnusual, durationInput } from "../duration.js";
import { categoryCodes, formatDuration, label, t } from "../i18n.js";
import { personLabel, personPicker } from "../person_picker.js";
import { groupForm, receivedForm } from "./record_modes.js";

// #/record?member=…&offer=…&mode=… comes from the directory or an offer: the person (and
// the offer, with its category) are chosen already; `mode` is gave, received or group.
async function preset() {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const [member, offer] = await Promise.all([
    params.get("member") ? get(`/members/${params.get("member")}`).catch(() => null) : null,
    params.get("offer") ? get(`/offers/${params.get("offer")}`).catch(() => null) : null,
  ]);
  const mode = ["gave", "received", "group"].includes(params.get("mode"))
    ? params.get("mode")
    : "gave";
  return { member: member?.status === "active" ? member : null, offer, mode };
}

// The description and the category every way of recording asks for, and the offer the
// exchange comes from (kept for the first exchange recorded only).
function commonFields(offer) {
  const category = h(
    "select",
    { name: "category" },
    h("option", { value: "" }, t("record.noCategory")),
    categoryCodes().map((code) =>
      h("option", { value: code, selected: offer?.category === code }, label("category", code)),
    ),
  );
  const memo = h("textarea", { name: "memo", maxlength: 2000, rows: 3 });
  if (offer) memo.value = offer.title;
  let offerId = offer?.id ?? null;
  return {
    element: h(
      "div",
      {},
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
      field(t("record.memo"), memo),
      field(t("record.category"), category),
    ),
    values: () => ({ memo: memo.value, category: category.value || null, offerId }),
    reset() {
      memo.value = "";
      category.value = "";
      offerId = null;
    },
  };
}

// "I gave": a proposal the receiver confirms by signing it.
function gaveForm(ctx, member, common) {
  const receiver = personPicker({
    label: t("record.receiver"),
    name: "receiver",
    exclude: ctx.me.principal_id,
  });
  if (member && member.id !== ctx.me.principal_id) receiver.choose(member);
  const duration = durationInput({ hours: 1, maxHours: 24 });
  const submit = h("button", { type: "submit" }, t("record.submit"));
  const messages = h("div");
  // One id per exchange being written: pressing twice, or again after a lost answer,
  // replays the same proposal instead of making a second one.
  let proposalId = crypto.randomUUID();

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
        const { memo, category, offerId } = common.values();
        try {
          await busy(submit, () =>
            post("/proposals", {
              id: proposalId,
              receiver: person.id,
              minutes: total,
              memo,
              offer_id: offerId,
              category,
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
        form.reset();
        receiver.reset();
        common.reset();
      },
    },
    h("p", {}, t("record.intro")),
    receiver.element,
    h("fieldset", {}, h("legend", {}, t("record.duration")), duration.row()),
    common.element,
    h("div", { class: "actions" }, submit),
  );
  return { element: h("div", {}, messages, form) };
}

export async function render(main, ctx) {
  const { member, offer, mode } = await preset();
  const card = h("div", { class: "card" });
  const show = (which) => {
    const common = commonFields(offer);
    const view =
      which === "received"
        ? receivedForm(ctx, common, member)
        : which === "group"
          ? groupForm(ctx, common)
          : gaveForm(ctx, member, common);
    card.replaceChildren(view.element);
  };
  const choice = (value) =>
    h(
      "label",
      { class: "choice" },
      h("input", {
        type: "radio",
        name: "mode",
        value,
        checked: value === mode,
        onchange: () => show(value),
      }),
      " ",
      t(`exchanges.${value}`),
    );
  main.append(
    h("h1", {}, t("record.title")),
    h(
      "fieldset",
      { class: "modes" },
      h("legend", {}, t("exchanges.what")),
      choice("gave"),
      choice("received"),
      choice("group"),
    ),
    card,
  );
  show(mode);
}
