// Posting an offer or a request (#/offer/edit), or editing one's own (#/offer/edit?id=…):
// what it is, its title and words, its category (which the exchanges recorded from it
// carry to the reports), where, and about how long.

import { ApiError, call, get, post, query } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { categoryCodes, formatDay, formatDuration, label, t } from "../i18n.js";
import { placeInput } from "../places.js";

// The estimates offered: whole steps of a quarter of an hour, as the service counts them.
const ESTIMATES = [30, 60, 90, 120, 180, 240, 360, 480];

export async function render(main, ctx) {
  const id = new URLSearchParams(location.hash.split("?")[1] ?? "").get("id");
  const offer = id ? await get(`/offers/${id}`) : null;
  if (offer && offer.member_id !== ctx.me.principal_id) {
    main.append(h("h1", {}, t("offer.editTitle")), notice(t("offer.notYours"), "error"));
    return;
  }
  const direction = h(
    "select",
    { name: "direction" },
    h("option", { value: "offer" }, t("offer.isOffer")),
    h("option", { value: "request" }, t("offer.isRequest")),
  );
  const title = h("input", {
    name: "title",
    type: "text",
    maxlength: 200,
    required: true,
    value: offer?.title ?? "",
  });
  const description = h("textarea", { name: "description", maxlength: 4000, rows: 4 });
  description.value = offer?.description ?? "";
  const category = h(
    "select",
    { name: "category", required: true },
    categoryCodes(offer?.category).map((code) =>
      h("option", { value: code, selected: offer?.category === code }, label("category", code)),
    ),
  );
  const [neighbourhood, places] = placeInput(
    {
      name: "neighbourhood",
      type: "text",
      maxlength: 120,
      value: offer ? (offer.neighbourhood ?? "") : (ctx.member?.neighbourhood ?? ""),
    },
    offer?.neighbourhood,
  );
  const estimate = h(
    "select",
    { name: "estimated_minutes" },
    h("option", { value: "" }, t("offer.noEstimate")),
    ESTIMATES.map((m) =>
      h("option", { value: m, selected: offer?.estimated_minutes === m }, formatDuration(m)),
    ),
  );
  const submit = h("button", { type: "submit" }, t(offer ? "offer.save" : "offer.publish"));
  const messages = h("div");

  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const body = {
          title: title.value.trim(),
          description: description.value.trim(),
          category: category.value,
          neighbourhood: neighbourhood.value.trim() || null,
          estimated_minutes: estimate.value ? Number(estimate.value) : null,
        };
        let saved;
        try {
          saved = await busy(submit, () =>
            offer
              ? call("PATCH", `/offers/${offer.id}`, body)
              : post("/offers", { ...body, direction: direction.value }),
          );
        } catch (error) {
          messages.append(
            notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
          );
          return;
        }
        announce(
          offer
            ? t("offer.saved")
            : t("offer.published", { title: saved.title, date: formatDay(saved.expires_at) }),
        );
        location.hash = `#/offer${query({ id: saved.id })}`;
      },
    },
    offer ? null : field(t("offer.direction"), direction),
    field(t("offer.titleField"), title, t("offer.titleHint")),
    field(t("offer.description"), description),
    field(t("offer.category"), category),
    h(
      "div",
      { class: "field-row" },
      field(t("offer.neighbourhood"), neighbourhood),
      places,
      field(t("offer.estimate"), estimate),
    ),
    h("div", { class: "actions" }, submit),
  );
  main.append(
    offer
      ? h("p", {}, h("a", { href: `#/offer${query({ id: offer.id })}` }, offer.title))
      : h("p", {}, h("a", { href: "#/offers" }, t("offer.back"))),
    h("h1", {}, t(offer ? "offer.editTitle" : "offer.newTitle")),
    messages,
    h("div", { class: "card" }, form),
  );
}
