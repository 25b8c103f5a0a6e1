import { ApiError, get, getAll, query } from "../api.js";
import { busy, field, h, notice } from "../dom.js";
import { formatDate, formatDuration, formatSignedDuration, label, t } from "../i18n.js";
import { personLabel } from "../person_picker.js";
import { isCoordinator } from "./coordinator.js";

const PAGE = 20;

// One person found: name, number and neighbourhood (what tells namesakes apart), what
// they offer or ask for, and the way to record an exchange with them or about one of those.
// What a coordinator reads of a member, on demand: balance, bounds, where it stands, and
// the latest movements (GET /members/{id}/standing).
const STATES = {
  within: "ok",
  near_min: "near",
  near_max: "near",
  past_min: "over",
  past_max: "over",
};

function bound(minutes) {
  return minutes === null ? t("coordjobs.directory.noBound") : formatDuration(minutes);
}

function standingOf(person) {
  const region = h("div", { class: "standing", "data-testid": "standing", hidden: true });
  const toggle = h(
    "button",
    { type: "button", class: "secondary", "aria-expanded": "false" },
    t("coordjobs.directory.show"),
  );
  toggle.setAttribute("aria-label", `${t("coordjobs.directory.show")} · ${personLabel(person)}`);
  let loaded = false;
  toggle.addEventListener("click", () =>
    busy(toggle, async () => {
      if (!loaded) {
        let standing;
        try {
          standing = await get(`/members/${person.id}/standing`);
        } catch (error) {
          region.replaceChildren(
            notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
          );
          region.hidden = false;
          return;
        }
        const state = STATES[standing.state] ?? "ok";
        region.append(
          h(
            "dl",
            { class: "figures" },
            h(
              "div",
              {},
              h("dt", {}, t("coordjobs.directory.standing")),
              h(
                "dd",
                { "data-testid": "standing-balance" },
                t("coordjobs.directory.balance", { balance: formatDuration(standing.balance) }),
                " ",
                h("span", { class: `tag state-${state}` }, t(`coordjobs.directory.state.${state}`)),
              ),
            ),
            h(
              "div",
              {},
              h("dt", {}, t("coordjobs.directory.limits")),
              h(
                "dd",
                { "data-testid": "standing-limits" },
                t("coordjobs.directory.range", {
                  min: bound(standing.balance_min),
                  max: bound(standing.balance_max),
                }),
              ),
            ),
          ),
          h("h3", { class: "item-title" }, t("coordjobs.directory.history")),
          standing.recent.length === 0
            ? h("p", { class: "muted" }, t("coordjobs.directory.noHistory"))
            : h(
                "ul",
                { class: "movements", "data-testid": "standing-history" },
                standing.recent.map((m) =>
                  h(
                    "li",
                    {},
                    `${formatDate(m.recorded_at)} · ${label("kind", m.kind)} · `,
                    h("strong", {}, formatSignedDuration(m.amount)),
                    ` → ${formatDuration(m.balance_after)}`,
                  ),
                ),
              ),
        );
        loaded = true;
      }
      region.hidden = !region.hidden;
      toggle.setAttribute("aria-expanded", String(!region.hidden));
    }),
  );
  return [h("div", { class: "actions" }, toggle), region];
}

function entry(person, me, coordinator = false) {
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
    coordinator ? standingOf(person) : null,
  );
}

export async function render(main, ctx) {
  const me = ctx.me.principal_id;
  const coordinator = isCoordinator(ctx);
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
    const items = page.items.map((person) => entry(person, me, coordinator));
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
    coordinator ? h("p", { class: "muted" }, t("coordjobs.directory.title")) : null,
    h("div", { class: "card" }, form),
    summary,
    list,
    h("div", { class: "actions" }, more),
  );
  await load(true);
}
