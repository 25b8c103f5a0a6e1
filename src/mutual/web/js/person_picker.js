// Choosing a person by typing part of their name (or their member number): a combobox
// with a listbox, after the ARIA Authoring Practices' "editable combobox with list
// autocomplete". The list comes from the member directory a few letters at a time, so a
// territory of thousands never loads whole; each option says the neighbourhood and the
// member number, which tell two people of the same name apart.

import { get, query } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const SHOWN = 8;
const PAUSE_MS = 200;

let pickers = 0;

// How a person is named wherever one is chosen or listed.
export function personLabel(person) {
  const parts = [person.display_name ?? t("people.former")];
  if (person.number !== null && person.number !== undefined) {
    parts.push(t("people.number", { number: person.number }));
  }
  if (person.neighbourhood) parts.push(person.neighbourhood);
  return parts.join(" · ");
}

// { element, input, chosen(), choose(person), reset() }; ``exclude`` is an id never
// offered (oneself). The input is required: text that names nobody chosen is refused by
// the form's own validation, with a message saying to pick from the list.
export function personPicker({ label, name, exclude = null, onChoose = () => {} }) {
  pickers += 1;
  const id = `person-${pickers}`;
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  let chosen = null;
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const input = h("input", {
    id,
    name,
    type: "text",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    maxlength: 120,
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    "aria-describedby": hintId,
  });
  const list = h("ul", { id: listId, role: "listbox", class: "picker-list", "aria-label": label });
  list.hidden = true;
  const status = h("span", { class: "visually-hidden", role: "status", "aria-live": "polite" });

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    for (const [n, option] of [...list.children].entries()) {
      option.setAttribute("aria-selected", String(n === index));
    }
    if (index >= 0) {
      const option = list.children[index];
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };

  const choose = (person) => {
    chosen = person;
    input.value = personLabel(person);
    input.setCustomValidity("");
    close();
    onChoose(person);
  };

  const show = (found, more) => {
    options = found;
    list.replaceChildren(
      ...found.map((person, n) =>
        h(
          "li",
          {
            id: `${listId}-${n}`,
            role: "option",
            "aria-selected": "false",
            // Pressing keeps the focus in the input, so the choice is not lost to a blur.
            onmousedown: (event) => event.preventDefault(),
            onclick: () => choose(person),
          },
          h("span", { class: "picker-name" }, person.display_name ?? t("people.former")),
          h(
            "span",
            { class: "muted" },
            ` · ${t("people.number", { number: person.number })}`,
            person.neighbourhood ? ` · ${person.neighbourhood}` : "",
          ),
        ),
      ),
    );
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(found.length > 0));
    active = -1;
    status.textContent =
      found.length === 0
        ? t("people.noMatch")
        : t(more ? "people.manyMatches" : "people.matches", { count: found.length });
  };

  const search = async () => {
    const text = input.value.trim();
    const mine = ++asked;
    if (!text) {
      show([], false);
      return;
    }
    const page = await get(`/directory${query({ q: text, limit: SHOWN + 1 })}`).catch(() => null);
    // An answer to an older question arriving late is dropped.
    if (mine !== asked || page === null) return;
    const found = page.items.filter((person) => person.id !== exclude);
    show(found.slice(0, SHOWN), found.length > SHOWN || page.next_cursor !== null);
  };

  input.addEventListener("input", () => {
    chosen = null;
    input.setCustomValidity(input.value.trim() ? t("people.pick") : "");
    clearTimeout(timer);
    timer = setTimeout(search, PAUSE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden && options.length > 0) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      if (options.length > 0) highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (options.length > 0) highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(options[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);

  const element = h(
    "div",
    { class: "field picker" },
    h("label", { for: id }, label),
    h("span", { id: hintId, class: "muted" }, t("people.hint")),
    input,
    list,
    status,
  );
  return {
    element,
    input,
    chosen: () => chosen,
    choose,
    reset() {
      chosen = null;
      input.value = "";
      input.setCustomValidity("");
      show([], false);
      status.textContent = "";
    },
  };
}
