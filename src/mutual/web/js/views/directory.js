import { get, getAll, query } from "../api.js";
import { busy, field, h } from "../dom.js";
import { label, t } from "../i18n.js";
import { personLabel } from "../person_picker.js";

const PAGE = 20;

// One person found: name, number and neighbourhood (what tells namesakes apart), what
// they offer or ask for, and the way to record an exchange with them or about one of those.
function entry(person, me) {
  const mine = person.id === me;
  const offers = person.offers.map((o) =>
    h(
      "li",
      {},
      h("span", { class: "tag" }, t(`offers.tag.${o.direction}`)),
      " ",
      o.title,
      h("span", { class: "muted" }, ` · ${label("category", o.category)}`),
      mine
        ? null
        : [
            " · ",
            // Its page: its author's contact, a message to them, the exchange from it.
            h("a", { href: `#/offer?id=${o.id}` }, t("offer.open", { title: o.title })),
          ],
    ),
  );
  return h(
    "li",
    { class: "card" },
    h("p", { class: "item-title" }, person.display_name),
    h(
      "p",
      { class: "muted" },
      t("people.number", { number: person.number }),
      person.neighbourhood ? ` · ${person.neighbourhood}` : "",
    ),
    offers.length > 0
      ? h("ul", { class: "offers-of", "aria-label": t("directory.offers") }, offers)
      : h("p", { class: "muted" }, t("directory.noOffers")),
    mine
      ? null
      : h(
          "p",
          {},
          h(
            "a",
            {
              href: `#/record?member=${person.id}`,
              "aria-label": t("directory.recordWith", { name: personLabel(person) }),
            },
            t("directory.record"),
          ),
        ),
  );
}

export async function render(main, ctx) {
  const me = ctx.me.principal_id;
  const neighbourhoods = await getAll("/directory/neighbourhoods");
  const name = h("input", { name: "q", type: "search", maxlength: 120 });
  const neighbourhood = h(
    "select",
    { name: "neighbourhood" },
    h("option", { value: "" }, t("directory.anywhere")),
    neighbourhoods.map((n) => h("option", { value: n }, n)),
  );
  const offers = h("input", { name: "offers", type: "search", maxlength: 120 });
  const submit = h("button", { type: "submit", class: "secondary" }, t("directory.submit"));
  const list = h("ul", { class: "list", "aria-label": t("directory.results") });
  const more = h("button", { type: "button", class: "secondary" }, t("directory.more"));
  const summary = h("p", { class: "muted", "aria-live": "polite" });
  let cursor = null;
  let filters = {};

  const load = async (fresh) => {
    if (fresh) {
      cursor = null;
      filters = {
        q: name.value.trim(),
        neighbourhood: neighbourhood.value,
        offers: offers.value.trim(),
      };
    }
    const page = await get(`/directory${query({ ...filters, cursor, limit: PAGE })}`);
    const items = page.items.map((person) => entry(person, me));
    if (fresh) list.replaceChildren(...items);
    else list.append(...items);
    cursor = page.next_cursor;
    more.hidden = cursor === null;
    summary.textContent =
      list.children.length === 0
        ? t("directory.none")
        : t("directory.shown", { count: list.children.length });
  };
  more.addEventListener("click", () =>
    busy(more, async () => {
      const before = list.children.length;
      await load(false);
      // The first new person takes the focus, so a keyboard user goes on from there.
      list.children[before]?.querySelector("a")?.focus();
    }),
  );

  const form = h(
    "form",
    {
      role: "search",
      "aria-label": t("directory.title"),
      onsubmit: async (event) => {
        event.preventDefault();
        await busy(submit, () => load(true));
      },
    },
    field(t("directory.name"), name, t("directory.nameHint")),
    h(
      "div",
      { class: "field-row" },
      field(t("directory.neighbourhood"), neighbourhood),
      field(t("directory.offersField"), offers),
    ),
    h("div", { class: "actions" }, submit),
  );
  main.append(
    h("h1", {}, t("directory.title")),
    h("p", {}, t("directory.intro")),
    h("div", { class: "card" }, form),
    summary,
    list,
    h("div", { class: "actions" }, more),
  );
  await load(true);
}
