import { ApiError, post } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { confirmUnusual, durationInput } from "../duration.js";
import { formatDuration, t } from "../i18n.js";

export async function render(main, ctx) {
  const members = [...(await ctx.members()).values()]
    .filter((m) => m.id !== ctx.me.principal_id)
    .sort((a, b) => (a.display_name ?? "").localeCompare(b.display_name ?? ""));
  const receiver = h(
    "select",
    { name: "receiver", required: true },
    h("option", { value: "" }, t("record.choose")),
    members.map((m) =>
      h(
        "option",
        { value: m.id },
        m.neighbourhood ? `${m.display_name} (${m.neighbourhood})` : m.display_name,
      ),
    ),
  );
  const duration = durationInput({ hours: 1, maxHours: 24 });
  const memo = h("textarea", { name: "memo", maxlength: 2000, rows: 3 });
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
        const total = duration.read(messages);
        if (total === null) return;
        if (!(await confirmUnusual(messages, "exchange", total))) return duration.focus();
        try {
          await busy(submit, () =>
            post("/proposals", {
              id: proposalId,
              receiver: receiver.value,
              minutes: total,
              memo: memo.value,
            }),
          );
        } catch (error) {
          messages.append(
            notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
          );
          return;
        }
        const name = receiver.selectedOptions[0].textContent;
        const done = t("record.done", { duration: formatDuration(total), name });
        messages.append(notice(done));
        announce(done);
        proposalId = crypto.randomUUID();
        form.reset();
      },
    },
    field(t("record.receiver"), receiver),
    h("fieldset", {}, h("legend", {}, t("record.duration")), duration.row()),
    field(t("record.memo"), memo),
    h("div", { class: "actions" }, submit),
  );
  main.append(
    h("h1", {}, t("record.title")),
    h("p", {}, t("record.intro")),
    messages,
    h("div", { class: "card" }, form),
  );
}
