import { get, query } from "../api.js";
import { field, h } from "../dom.js";
import { formatDay, formatDuration, label, t } from "../i18n.js";

// One's own listings, open or not, each with its state and a way to manage it.
async function mine(ctx) {
  const page = await get(
    `/offers${query({ member_id: ctx.me.principal_id, include_closed: true, limit: 100 })}`,
  );
  const now = new Date();
  const items = page.items.map((offer) => {
    let state;
    if (offer.closed_at) state = t("offer.closed", { date: formatDay(offer.closed_at) });
    else if (new Date(offer.expires_at) <= now)
      state = t("offer.expired", { date: formatDay(offer.expires_at) });
    else state = t("offer.expires", { date: formatDay(offer.expires_at) });
    return h(
      "li",
      { class: "card" },
      h(
        "p",
        { class: "item-title" },
        h("span", { class: "tag" }, t(`offers.tag.${offer.direction}`)),
        " ",
        h(
          "a",
          {
            href: `#/offer${query({ id: offer.id })}`,
            "aria-label": t("offer.openMine", { title: offer.title }),
          },
          offer.title,
        ),
      ),
      h("p", { class: "muted" }, state),
    );
  });
  return h(
    "section",
    { "aria-labelledby": "offers-mine" },
    h("h2", { id: "offers-mine" }, t("offer.mine")),
    items.length
      ? h("ul", { class: "list", "aria-label": t("offer.mine") }, items)
      : h("p", { class: "muted" }, t("offer.mineNone")),
  );
}

async function results(ctx, filters) {
  const page = await get(`/offers${query({ ...filters, limit: 100 })}`);
  if (page.items.length === 0) return h("p", { class: "muted" }, t("offers.none"));
  const items = await Promise.all(
    page.items.map(async (offer) =>
      h(
        "li",
        { class: "card" },
        h(
          "p",
          { class: "item-title" },
          h("span", { class: "tag" }, t(`offers.tag.${offer.direction}`)),
          " ",
          offer.title,
        ),
        offer.description ? h("p", {}, offer.description) : null,
        h(
          "p",
          { class: "muted" },
          t("offers.by", { name: await ctx.nameOf(offer.member_id) }),
          offer.neighbourhood ? ` · ${offer.neighbourhood}` : "",
          " · ",
          t("offers.category", { category: label("category", offer.category) }),
          offer.estimated_minutes
            ? ` · ${t("offers.estimate", { duration: formatDuration(offer.estimated_minutes) })}`
            : "",
          ` · ${formatDay(offer.created_at)}`,
        ),
        // Answering it, recording an exchange from it, or managing one's own: on its page.
        h(
          "p",
          {},
          h(
            "a",
            { href: `#/offer${query({ id: offer.id })}` },
            t(offer.member_id === ctx.me.principal_id ? "offer.openMine" : "offer.open", {
              title: offer.title,
            }),
          ),
        ),
      ),
    ),
  );
  return h("ul", { class: "list", "aria-label": t("offers.title") }, items);
}

export async function render(main, ctx) {
  const direction = h(
    "select",
    { name: "direction" },
    h("option", { value: "" }, t("offers.all")),
    h("option", { value: "offer" }, t("offers.offer")),
    h("option", { value: "request" }, t("offers.request")),
  );
  const search = h("input", { name: "q", type: "search", maxlength: 120 });
  const list = h("div", { "aria-live": "polite" });
  const show = async () =>
    list.replaceChildren(
      await results(ctx, { direction: direction.value, q: search.value.trim() }),
    );
  const form = h(
    "form",
    {
      role: "search",
      onsubmit: async (event) => {
        event.preventDefault();
        await show();
      },
    },
    h(
      "div",
      { class: "field-row" },
      field(t("offers.direction"), direction),
      field(t("offers.search"), search),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "secondary" }, t("offers.submit")),
    ),
  );
  main.append(
    h("h1", {}, t("offers.title")),
    h("p", {}, h("a", { class: "button", href: "#/offer/edit" }, t("offer.post"))),
    h("div", { class: "card" }, form),
  );
  await show();
  main.append(list, await mine(ctx));
}
