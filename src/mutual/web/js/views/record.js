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

// "I gave": a proposal the receiver confirms by signing it. `acting()` is the association
// the resident records it for (its account receives the hours), or null.
function gaveForm(ctx, member, common, acting) {
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
              ...(acting() ? { on_behalf_of: acting().id } : {}),
            }),
          );
        } catch (error) {
          messages.append(
            notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
          );
          return;
        }
        const association = acting();
        const done = t(association ? "associations.gaveDone" : "record.done", {
          duration: formatDuration(total),
          name: personLabel(person),
          association: association?.name,
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

// "Act for": the associations the resident was appointed to act for, if any; "I gave"
// and "I received" then go on the chosen one's account.
function actingChoice(associations) {
  if (associations.length === 0) return { element: null, chosen: () => null };
  const select = h(
    "select",
    { name: "acting_for" },
    h("option", { value: "" }, t("associations.myself")),
    associations.map((a) => h("option", { value: a.id }, a.name)),
  );
  return {
    element: h(
      "div",
      {},
      field(t("associations.actFor"), select),
      h("p", { class: "muted" }, t("associations.actForHint")),
    ),
    chosen: () => associations.find((a) => a.id === select.value) ?? null,
  };
}

export async function render(main, ctx) {
  const [{ member, offer, mode }, associations] = await Promise.all([
    preset(),
    get(`/associations?acting_member=${ctx.me.principal_id}`)
      .then((page) => page.items)
      .catch(() => []),
  ]);
  const acting = actingChoice(associations);
  const card = h("div", { class: "card" });
  const show = (which) => {
    const common = commonFields(offer);
    const view =
      which === "received"
        ? receivedForm(ctx, common, member, acting.chosen)
        : which === "group"
          ? groupForm(ctx, common)
          : gaveForm(ctx, member, common, acting.chosen);
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
    acting.element,
    card,
  );
  show(mode);
}
