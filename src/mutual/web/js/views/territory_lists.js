// The territory's own lists, edited by its coordinators: categories (of offers,
// exchanges and projects), neighbourhoods, well-being criteria. An entry's code is what
// rows hold, so it never changes; its French and English labels do; a retired entry
// stays on the rows that hold it and is no longer offered for new ones.

import { ApiError, call, getAll, post } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDay, t } from "../i18n.js";

const LISTS = ["categories", "neighbourhoods", "wellbeing-criteria"];

function failed(messages, error) {
  messages.replaceChildren(
    notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
  );
}

function entryRow(list, entry, refresh) {
  const fr = h("input", { value: entry.label_fr, maxlength: 200, required: true });
  const en = h("input", { value: entry.label_en, maxlength: 200, required: true });
  const messages = h("div");
  const change = async (button, body, said) => {
    try {
      await busy(button, () =>
        call("PATCH", `/territory/${list}/${encodeURIComponent(entry.code)}`, body),
      );
    } catch (error) {
      failed(messages, error);
      return;
    }
    announce(said);
    await refresh();
  };
  const save = h("button", { type: "submit" }, t("lists.save"));
  const retired = entry.retired_at !== null;
  const toggle = h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: () =>
        change(
          toggle,
          { retired: !retired },
          t(retired ? "lists.restored" : "lists.retiredNow", { code: entry.code }),
        ),
    },
    t(retired ? "lists.restore" : "lists.retire"),
  );
  return h(
    "li",
    { class: "card", "data-code": entry.code },
    h(
      "form",
      {
        "aria-label": entry.code,
        onsubmit: (event) => {
          event.preventDefault();
          change(
            save,
            { label_fr: fr.value.trim(), label_en: en.value.trim() },
            t("lists.renamed", { code: entry.code }),
          );
        },
      },
      h("h3", { class: "item-title" }, entry.code),
      h(
        "p",
        { class: "muted" },
        retired ? t("lists.retiredOn", { date: formatDay(entry.retired_at) }) : t("lists.offered"),
      ),
      h(
        "div",
        { class: "field-row" },
        field(t("lists.labelFr"), fr),
        field(t("lists.labelEn"), en),
      ),
      h("div", { class: "actions" }, save, toggle),
      messages,
    ),
  );
}

function addForm(list, refresh) {
  const code = h("input", { name: "code", maxlength: 120, required: true });
  const fr = h("input", { name: "label_fr", maxlength: 200, required: true });
  const en = h("input", { name: "label_en", maxlength: 200, required: true });
  const submit = h("button", { type: "submit" }, t("lists.add"));
  const messages = h("div");
  return h(
    "form",
    {
      "aria-label": t(`lists.add.${list}`),
      onsubmit: async (event) => {
        event.preventDefault();
        const body = {
          code: code.value.trim(),
          label_fr: fr.value.trim(),
          label_en: en.value.trim(),
        };
        try {
          await busy(submit, () => post(`/territory/${list}`, body));
        } catch (error) {
          failed(messages, error);
          return;
        }
        announce(t("lists.added", { code: body.code }));
        await refresh();
      },
    },
    h("h3", {}, t(`lists.add.${list}`)),
    field(t("lists.code"), code, t(`lists.codeHint.${list}`)),
    h("div", { class: "field-row" }, field(t("lists.labelFr"), fr), field(t("lists.labelEn"), en)),
    h("div", { class: "actions" }, submit),
    messages,
  );
}

async function listSection(list) {
  const id = `list-${list}`;
  const section = h("section", { "aria-labelledby": id, "data-list": list });
  const refresh = async () => {
    const entries = await getAll(`/territory/${list}`);
    section.replaceChildren(
      h("h2", { id }, t(`lists.title.${list}`)),
      h(
        "ul",
        { class: "list", "aria-label": t(`lists.title.${list}`) },
        entries.map((entry) => entryRow(list, entry, refresh)),
      ),
      addForm(list, refresh),
    );
  };
  await refresh();
  return section;
}

export async function render(main) {
  const sections = await Promise.all(LISTS.map(listSection));
  main.append(
    h("h1", { tabindex: "-1" }, t("lists.heading")),
    h("p", {}, t("lists.intro")),
    ...sections,
  );
}
