import { get, query } from "../api.js";
import { field, h } from "../dom.js";
import { formatDay, formatDuration, label, t } from "../i18n.js";

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
        // Recording is the provider's: from someone else's request, I helped them; from
        // their offer, they may record it, or I find them to agree on it.
        offer.member_id === ctx.me.principal_id
          ? null
          : h(
              "p",
              {},
              h(
                "a",
                { href: `#/record?member=${offer.member_id}&offer=${offer.id}` },
                t("offers.record", { title: offer.title }),
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
  main.append(h("h1", {}, t("offers.title")), h("div", { class: "card" }, form));
  await show();
  main.append(list);
}
