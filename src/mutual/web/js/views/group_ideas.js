// Residents' project ideas on the groups' page: any member submits one to a group; the
// groups one sits in show all their ideas (another member sees the ones they submitted);
// the group's facilitator (or a coordinator) takes one up, led by its author, or
// declines it with a reason. Taken up, it is a project of the group with its accounts
// and lead in the ledger, and its lead finds it on their project's page.

import { ApiError, getAll, post } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { categoryCodes, formatDay, label, t } from "../i18n.js";

const failure = (error) => (error instanceof ApiError ? error.describe() : t("error.generic"));

function submitSection(groups, rerender) {
  const group = h(
    "select",
    { name: "group" },
    groups.map((g) => h("option", { value: g.id }, g.name)),
  );
  const title = h("input", { name: "title", type: "text", maxlength: 200, required: true });
  const description = h("textarea", { name: "description", rows: 3, maxlength: 4000 });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("ideas.submit"));
  let ideaId = crypto.randomUUID();
  return h(
    "section",
    { class: "card", "aria-labelledby": "idea-title" },
    h("h2", { id: "idea-title" }, t("ideas.title")),
    h("p", {}, t("ideas.intro")),
    h(
      "form",
      {
        onsubmit: (event) => {
          event.preventDefault();
          messages.replaceChildren();
          const body = {
            id: ideaId,
            title: title.value.trim(),
            description: description.value.trim(),
          };
          if (!body.title || !body.description) {
            messages.append(notice(t("ideas.needWords"), "error"));
            (body.title ? description : title).focus();
            return;
          }
          busy(submit, async () => {
            try {
              await post(`/groups/${group.value}/ideas`, body);
            } catch (error) {
              messages.append(notice(failure(error), "error"));
              return;
            }
            ideaId = crypto.randomUUID();
            const text = t("ideas.done", { title: body.title });
            announce(text);
            await rerender(text);
          });
        },
      },
      field(t("ideas.group"), group),
      field(t("ideas.ideaTitle"), title),
      field(t("ideas.description"), description),
      messages,
      h("div", { class: "actions" }, submit),
    ),
  );
}

function decisionForm(group, idea, rerender) {
  const category = h(
    "select",
    { name: "category" },
    categoryCodes().map((code) => h("option", { value: code }, label("category", code))),
  );
  const reason = h("textarea", { name: "reason", rows: 2, maxlength: 4000 });
  const messages = h("div");
  const decide = (decision, button) =>
    busy(button, async () => {
      messages.replaceChildren();
      const body =
        decision === "accepted"
          ? { decision, lead: idea.author_id, category: category.value }
          : { decision, reason: reason.value.trim() };
      if (decision === "declined" && !body.reason) {
        messages.append(notice(t("ideas.needReason"), "error"));
        reason.focus();
        return;
      }
      try {
        await post(`/groups/${group.id}/ideas/${idea.id}/decision`, body);
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      const text = t(`ideas.${decision}`, { title: idea.title });
      announce(text);
      await rerender(text);
    });
  const accept = h(
    "button",
    { type: "button", onclick: () => decide("accepted", accept) },
    t("ideas.accept"),
  );
  const decline = h(
    "button",
    { type: "button", class: "secondary", onclick: () => decide("declined", decline) },
    t("ideas.decline"),
  );
  return h(
    "div",
    { class: "decision" },
    field(t("ideas.category"), category, t("ideas.acceptHint")),
    h("div", { class: "actions" }, accept),
    field(t("ideas.reason"), reason),
    messages,
    h("div", { class: "actions" }, decline),
  );
}

function ideaCard(group, idea, decides, rerender) {
  const status = t(`ideas.status.${idea.status}`);
  return h(
    "li",
    { class: "card", "data-idea": idea.id },
    h("h3", { class: "item-title" }, idea.title),
    h("p", { class: "muted" }, `${group.name} · ${formatDay(idea.created_at)} · ${status}`),
    h("p", {}, idea.description),
    idea.reason ? h("p", {}, t("ideas.because", { reason: idea.reason })) : null,
    decides && idea.status === "submitted" ? decisionForm(group, idea, rerender) : null,
  );
}

// Ideas of every group the reader sits in, and theirs submitted elsewhere.
export async function ideasSection(groups, me, coordinates, rerender) {
  const lists = await Promise.all(groups.map((g) => getAll(`/groups/${g.id}/ideas`)));
  const cards = groups.flatMap((group, i) =>
    lists[i].map((idea) =>
      ideaCard(group, idea, coordinates || group.facilitator === me, rerender),
    ),
  );
  return [
    submitSection(groups, rerender),
    h(
      "section",
      { "aria-labelledby": "ideas-title" },
      h("h2", { id: "ideas-title" }, t("ideas.listTitle")),
      cards.length === 0
        ? h("p", { class: "muted" }, t("ideas.none"))
        : h("ul", { class: "list", "aria-label": t("ideas.listTitle") }, cards),
    ),
  ];
}
