// The coordination group's work on its projects, on the groups' page: for the groups the
// reader sits in (a member or its facilitator), the indicators agreed for each of their
// projects, with a form to agree one more, and the follow-ups waiting for the group's
// co-evaluation, each with its form (a lead's own project without one: the rest of the
// group co-evaluates it). The co-evaluation closes the follow-up.

import { getAll, post } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatNumber, t } from "../i18n.js";
import { quarterName } from "./pledges.js";
import { failure, followupCard } from "./project_results.js";

const sitsIn = (group, me) => group.members.includes(me) || group.facilitator === me;

function evaluationForm(project, followup, rerender) {
  const assessments = ["on_track", "partly", "off_track"];
  const name = `assessment-${project.id}-${followup.quarter}`;
  const choices = h(
    "fieldset",
    {},
    h("legend", {}, t("projects.evaluate.assessment")),
    assessments.map((a) =>
      h(
        "label",
        { class: "choice" },
        h("input", { type: "radio", name, value: a, required: true }),
        ` ${t(`projects.assessment.${a}`)}`,
      ),
    ),
  );
  const comment = h("textarea", { name: "comment", rows: 3, maxlength: 4000 });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("projects.evaluate.submit"));
  return h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const assessment = choices.querySelector("input:checked").value;
        busy(submit, async () => {
          try {
            await post(`/projects/${project.id}/followups/${followup.quarter}/evaluation`, {
              assessment,
              comment: comment.value.trim(),
            });
          } catch (error) {
            messages.append(notice(failure(error), "error"));
            return;
          }
          const text = t("projects.evaluate.done", { name: project.name });
          announce(text);
          await rerender(text);
        });
      },
    },
    choices,
    field(t("projects.evaluate.comment"), comment),
    messages,
    h("div", { class: "actions" }, submit),
  );
}

// Each project of the groups the reader sits in, with its indicators and follow-ups.
async function groupProjects(groups, me) {
  const found = [];
  for (const group of groups.filter((g) => sitsIn(g, me))) {
    for (const project of await getAll(`/projects?group=${group.id}`)) {
      const [followups, indicators] = await Promise.all([
        getAll(`/projects/${project.id}/followups`),
        getAll(`/projects/${project.id}/indicators`),
      ]);
      found.push({ group, project, followups, indicators });
    }
  }
  return found;
}

function evaluateSection(projects, me, rerender) {
  const section = h(
    "section",
    { "aria-labelledby": "evaluate-title" },
    h("h2", { id: "evaluate-title" }, t("projects.evaluate.title")),
    h("p", {}, t("projects.evaluate.intro")),
  );
  const waiting = projects.flatMap(({ project, followups, indicators }) =>
    followups.filter((f) => !f.evaluation).map((followup) => ({ project, followup, indicators })),
  );
  if (waiting.length === 0) {
    section.append(h("p", { class: "muted" }, t("projects.evaluate.none")));
    return section;
  }
  section.append(
    h(
      "ul",
      { class: "list", "aria-label": t("projects.evaluate.title") },
      waiting.map(({ project, followup, indicators }) => {
        const card = followupCard(followup, indicators);
        card.setAttribute("data-project", project.id);
        card.prepend(
          h(
            "h3",
            { class: "item-title" },
            t("projects.evaluate.project", {
              name: project.name,
              quarter: quarterName(followup.quarter),
            }),
          ),
        );
        card.append(
          project.lead === me
            ? h("p", { class: "muted" }, t("projects.evaluate.ownProject"))
            : evaluationForm(project, followup, rerender),
        );
        return card;
      }),
    ),
  );
  return section;
}

function indicatorForm(project, rerender) {
  const name = h("input", { name: "name", type: "text", maxlength: 120, required: true });
  const unit = h("input", { name: "unit", type: "text", maxlength: 40, required: true });
  const target = h("input", { name: "target", type: "number", min: 0, step: 1, required: true });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("projects.indicators.submit"));
  return h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const body = {
          name: name.value.trim(),
          unit: unit.value.trim(),
          target: Number(target.value),
        };
        busy(submit, async () => {
          try {
            await post(`/projects/${project.id}/indicators`, body);
          } catch (error) {
            messages.append(notice(failure(error), "error"));
            return;
          }
          const text = t("projects.indicators.done", { name: body.name, project: project.name });
          announce(text);
          await rerender(text);
        });
      },
    },
    field(t("projects.indicators.name"), name),
    field(t("projects.indicators.unit"), unit, t("projects.indicators.unitHint")),
    field(t("projects.indicators.target"), target),
    messages,
    h("div", { class: "actions" }, submit),
  );
}

// The indicators each project of the reader's groups is measured by, agreed by the group.
function indicatorsSection(projects, rerender) {
  return h(
    "section",
    { "aria-labelledby": "indicators-title" },
    h("h2", { id: "indicators-title" }, t("projects.indicators.title")),
    h("p", {}, t("projects.indicators.intro")),
    h(
      "ul",
      { class: "list", "aria-label": t("projects.indicators.title") },
      projects.map(({ group, project, indicators }) =>
        h(
          "li",
          { class: "card", "data-indicators": project.id },
          h("h3", { class: "item-title" }, project.name),
          h("p", { class: "muted" }, group.name),
          indicators.length === 0
            ? h("p", { class: "muted" }, t("projects.results.noIndicator"))
            : h(
                "ul",
                {},
                indicators.map((i) =>
                  h(
                    "li",
                    {},
                    t("projects.indicators.line", {
                      name: i.name,
                      target: formatNumber(i.target),
                      unit: i.unit,
                    }),
                  ),
                ),
              ),
          indicatorForm(project, rerender),
        ),
      ),
    ),
  );
}

// The groups' page's part on projects, for someone sitting in at least one group.
export async function groupWorkSections(groups, me, rerender) {
  const projects = await groupProjects(groups, me);
  const sections = [evaluateSection(projects, me, rerender)];
  if (projects.length > 0) sections.push(indicatorsSection(projects, rerender));
  return sections;
}
