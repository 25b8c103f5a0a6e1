// The coordination group's page for a round, from the projects put forward to the
// execution: the facilitator's steps, each member's stance, every objection with its
// reason, and the tally's transcript as a picture and in words.

import { ApiError, get, getAll, post, query } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDate, formatDuration, formatNumber, label, t } from "../i18n.js";
import { openQuarters } from "../flows.js";
import { capacityOf, createDeviceKey, deviceKey } from "../keys.js";
import { amounts, budgetPicture, euros, resultList } from "../tally_chart.js";
import { Mismatch, execute } from "./facilitator_sign.js";

const RUNS = ["facilitator", "coordination_member", "operator"];
const RULES = ["mes-add1-greedy", "mes-add1", "mes", "greedy"];
const DAY = 24 * 60 * 60 * 1000;

// The round shown, kept across the page's own re-renders.
let chosen = null;

// Every project, with its lead: a lead may put forward only the projects it leads.
async function allProjects() {
  const found = [];
  let cursor = null;
  do {
    const page = await get(`/projects${query({ limit: 500, cursor })}`);
    found.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

function failure(error) {
  if (error instanceof Mismatch) return t("facil.mismatch");
  return error instanceof ApiError ? error.describe() : t("error.generic");
}

// A datetime-local value for the browser's time zone, `days` from now.
function localInput(days) {
  const date = new Date(Date.now() + days * DAY);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const number = (name, attributes = {}) =>
  h("input", { name, type: "number", min: 0, inputmode: "decimal", ...attributes });
const cents = (input) => Math.round(Number(input.value || 0) * 100);
const minutes = (input) => Math.round(Number(input.value || 0) * 60);

function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(Boolean).flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

function section(id, title, ...children) {
  return h(
    "section",
    { class: "round-step", "aria-labelledby": id },
    h("h2", { id }, title),
    ...children,
  );
}

export async function render(main, ctx, done = null) {
  const me = ctx.me.principal_id;
  const runs = ctx.me.roles.some((role) => RUNS.includes(role));
  const [rounds, projects, key, log, people] = await Promise.all([
    getAll("/rounds"),
    allProjects(),
    deviceKey(me),
    get("/log"),
    // Someone who does not coordinate may read only some members: the others are shown by
    // a short id.
    ctx.members().catch(() => new Map()),
  ]);
  const names = new Map(projects.map((p) => [p.id, p.name]));
  const coordinates = ctx.me.roles.some(
    (role) => role === "coordination_member" || role === "operator",
  );
  // What this person may put forward: any project for a coordinator or the facilitator
  // (for its lead), else those it leads.
  const forLeads = coordinates || ctx.me.roles.includes("facilitator");
  const submittable = projects.filter((p) => forLeads || (ctx.member && p.lead === me));
  const who = (id) => people.get(id)?.display_name ?? t("facil.someone", { id: id.slice(0, 8) });
  const project = (id) => names.get(id) ?? id.slice(0, 8);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  // One step of the round: its messages, the call, then the page as the step left it.
  const act = (button, messages, work, text) =>
    busy(button, async () => {
      messages.replaceChildren();
      let answer;
      try {
        answer = await work();
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      if (answer === false) return;
      announce(text);
      await rerender(text);
    });

  main.append(h("h1", { tabindex: "-1" }, t("facil.title")), h("p", {}, t("facil.intro")));
  if (done) main.append(notice(done));
  if (runs) main.append(createForm(act, (id) => (chosen = id)));
  if (rounds.length === 0) {
    main.append(h("p", { class: "muted" }, t("facil.none")));
    return;
  }
  const round =
    rounds.find((r) => r.id === chosen) ??
    rounds.find((r) => !["executed", "undecided", "cancelled"].includes(r.phase)) ??
    rounds[0];
  chosen = round.id;
  const picker = h(
    "select",
    {
      name: "round",
      onchange: (event) => {
        chosen = event.currentTarget.value;
        rerender(null);
      },
    },
    rounds.map((r) =>
      h(
        "option",
        { value: r.id, selected: r.id === round.id },
        `${r.label} (${r.quarter}) · ${t(`round.phase.${r.phase}`)}`,
      ),
    ),
  );
  if (rounds.length > 1) main.append(field(t("facil.pick"), picker));

  const leads = new Map(projects.map((p) => [p.id, p.lead]));
  const view = { round, runs, me, who, project, names, leads, submittable, key, log, act, ctx };
  main.append(
    h(
      "h2",
      { id: "round-title" },
      t("round.label", { label: round.label, quarter: round.quarter }),
    ),
    h(
      "p",
      {},
      h("span", { class: "tag", "data-testid": "round-phase" }, t(`round.phase.${round.phase}`)),
    ),
    facts([
      [t("facil.rule"), label("rounds.rule", round.rule)],
      [t("facil.quorum"), formatNumber(round.quorum)],
      [t("facil.proposalsClose"), formatDate(round.proposals_close)],
      [t("facil.consentClose"), formatDate(round.consent_close)],
      [t("facil.ballotClose"), formatDate(round.ballot_close)],
      round.manifest && [t("facil.voters"), formatNumber(round.manifest.voters.length)],
      round.manifest && [
        t("facil.budget"),
        t("round.both", {
          eur: euros(round.manifest.budget_eur),
          hours: formatDuration(round.manifest.budget_hours),
        }),
      ],
    ]),
    submissionsSection(view),
  );
  if (round.manifest) main.append(proposalSection(view));
  if (round.proposal_version > 0) main.append(stancesSection(view));
  if (round.phase === "ballot") main.append(ballotSection(view));
  if (["decided", "executed", "undecided"].includes(round.phase))
    main.append(await resultSection(view));
  if (["decided", "executed"].includes(round.phase)) main.append(await executionSection(view));
}

function createForm(act, select) {
  const messages = h("div");
  const quarters = openQuarters();
  const quarter = h(
    "select",
    { name: "quarter", required: true },
    quarters.map((q, i) => h("option", { value: q, selected: i === 1 }, q)),
  );
  // The tally rules, named in words; the service's default first.
  const rule = h(
    "select",
    { name: "rule", required: true },
    RULES.map((code) => h("option", { value: code }, label("rounds.rule", code))),
  );
  const labelInput = h("input", {
    name: "label",
    required: true,
    maxlength: 64,
    value: quarters[1],
  });
  const quorum = number("quorum", {
    min: 1,
    step: 1,
    value: 3,
    required: true,
    inputmode: "numeric",
  });
  const deadlines = [7, 14, 21].map((days, i) =>
    h("input", {
      name: `close-${i}`,
      type: "datetime-local",
      required: true,
      value: localInput(days),
    }),
  );
  const submit = h("button", { type: "submit" }, t("facil.create"));
  let roundId = crypto.randomUUID();
  const form = h(
    "form",
    {
      "aria-labelledby": "create-title",
      onsubmit: (event) => {
        event.preventDefault();
        const [proposals, consent, ballot] = deadlines.map((input) =>
          new Date(input.value).toISOString(),
        );
        const body = {
          id: roundId,
          label: labelInput.value.trim(),
          quarter: quarter.value,
          rule: rule.value,
          quorum: Number(quorum.value),
          proposals_close: proposals,
          consent_close: consent,
          ballot_close: ballot,
        };
        act(
          submit,
          messages,
          async () => {
            const created = await post("/rounds", body);
            select(created.id);
            roundId = crypto.randomUUID();
          },
          t("facil.created", { label: body.label }),
        );
      },
    },
    h(
      "div",
      { class: "field-row" },
      field(t("facil.label"), labelInput),
      field(t("facil.quarter"), quarter),
      field(t("facil.quorum"), quorum),
      field(t("facil.rule"), rule),
    ),
    h(
      "div",
      { class: "field-row" },
      field(t("facil.proposalsClose"), deadlines[0]),
      field(t("facil.consentClose"), deadlines[1]),
      field(t("facil.ballotClose"), deadlines[2]),
    ),
    messages,
    h("div", { class: "actions" }, submit),
  );
  return h(
    "details",
    { class: "card" },
    h("summary", { id: "create-title" }, t("facil.createTitle")),
    form,
  );
}

// A button that takes one step of the round (snapshot, closes), replayable by its id.
function stepButton(view, path, text, done, kind = "") {
  const messages = h("div");
  const stepId = crypto.randomUUID();
  const button = h("button", { type: "button", class: kind || null }, text);
  button.addEventListener("click", () =>
    view.act(
      button,
      messages,
      () => post(`/rounds/${view.round.id}/${path}`, { id: stepId }),
      done,
    ),
  );
  return h("div", { class: "step" }, messages, h("div", { class: "actions" }, button));
}

function submissionsSection(view) {
  const { round, runs, project } = view;
  const rows = round.submissions.map((s) =>
    h(
      "tr",
      { "data-project": s.project_id },
      h("th", { scope: "row" }, project(s.project_id)),
      h("td", {}, s.group),
      h("td", { class: "number" }, amounts(s.ask_eur, s.ask_hours)),
      h(
        "td",
        { class: "number" },
        s.min_eur === null && s.min_hours === null
          ? "—"
          : amounts(s.min_eur ?? 0, s.min_hours ?? 0),
      ),
    ),
  );
  const part = section(
    "submissions-title",
    t("facil.submissions"),
    round.submissions.length
      ? h(
          "div",
          {
            class: "table-wrap",
            role: "region",
            tabindex: 0,
            "aria-label": t("facil.submissionsCaption"),
          },
          h(
            "table",
            {},
            h("caption", {}, t("facil.submissionsCaption")),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [t("facil.project"), t("facil.group"), t("facil.asks"), t("facil.minimum")].map(
                  (text, i) => h("th", { scope: "col", class: i > 1 ? "number" : null }, text),
                ),
              ),
            ),
            h("tbody", {}, rows),
          ),
        )
      : h("p", { class: "muted" }, t("facil.noSubmissions")),
  );
  if (round.phase !== "proposals") return part;
  if (view.submittable.length) part.append(submitForm(view));
  if (runs) {
    part.append(
      h("p", {}, t("facil.snapshotIntro")),
      stepButton(view, "snapshot", t("facil.snapshot"), t("facil.snapshotDone")),
    );
  }
  return part;
}

function submitForm(view) {
  const messages = h("div");
  const chosenProject = h(
    "select",
    { name: "project", required: true },
    h("option", { value: "" }, t("record.choose")),
    view.submittable.map((p) => h("option", { value: p.id }, p.name)),
  );
  // Someone who runs rounds puts a project forward for its lead: the page says whose.
  const forLead = h("p", { class: "muted", "aria-live": "polite" });
  chosenProject.addEventListener("change", () => {
    const lead = view.leads.get(chosenProject.value);
    forLead.textContent =
      lead && lead !== view.me ? t("rounds.forLead", { name: view.who(lead) }) : "";
  });
  const askEur = number("ask_eur", { step: "0.01", value: 0 });
  const askHours = number("ask_hours", { step: "0.25", value: 0 });
  const minEur = number("min_eur", { step: "0.01" });
  const minHours = number("min_hours", { step: "0.25" });
  const submit = h("button", { type: "submit", class: "secondary" }, t("facil.submit"));
  return h(
    "form",
    {
      class: "card",
      "aria-labelledby": "submit-title",
      onsubmit: (event) => {
        event.preventDefault();
        const body = {
          id: crypto.randomUUID(),
          project_id: chosenProject.value,
          ask_eur: cents(askEur),
          ask_hours: minutes(askHours),
          min_eur: minEur.value === "" ? null : cents(minEur),
          min_hours: minHours.value === "" ? null : minutes(minHours),
        };
        view.act(
          submit,
          messages,
          () => post(`/rounds/${view.round.id}/submissions`, body),
          t("facil.submitted", { project: view.project(body.project_id) }),
        );
      },
    },
    h("h3", { id: "submit-title" }, t("facil.submitTitle")),
    field(t("facil.project"), chosenProject),
    forLead,
    h(
      "div",
      { class: "field-row" },
      field(t("facil.askEur"), askEur),
      field(t("facil.askHours"), askHours),
    ),
    h(
      "div",
      { class: "field-row" },
      field(t("facil.minEur"), minEur),
      field(t("facil.minHours"), minHours),
    ),
    messages,
    h("div", { class: "actions" }, submit),
  );
}

function proposalSection(view) {
  const { round, runs, project } = view;
  const lines = new Map(round.proposal.map((line) => [line.project_id, line]));
  const part = section(
    "proposal-title",
    round.proposal_version
      ? t("facil.proposalVersion", { version: formatNumber(round.proposal_version) })
      : t("facil.proposal"),
  );
  if (round.proposal_version) {
    part.append(
      h(
        "ul",
        { class: "list", "aria-label": t("facil.proposalLines") },
        round.submissions.map((s) => {
          const line = lines.get(s.project_id);
          return h(
            "li",
            { class: "card", "data-project": s.project_id },
            h("span", { class: "item-title" }, project(s.project_id)),
            " : ",
            line ? amounts(line.eur, line.hours) : t("facil.leftOut"),
          );
        }),
      ),
    );
  } else {
    part.append(h("p", { class: "muted" }, t("facil.noProposal")));
  }
  // The first version and up to max_amendments amended ones.
  if (
    !runs ||
    !["snapshot", "consent"].includes(round.phase) ||
    round.proposal_version > round.max_amendments
  )
    return part;
  const messages = h("div");
  const inputs = round.submissions.map((s) => {
    const line = lines.get(s.project_id);
    const eur = number("eur", { step: "0.01", value: (line?.eur ?? 0) / 100 });
    const hours = number("hours", { step: "0.25", value: (line?.hours ?? 0) / 60 });
    return { id: s.project_id, eur, hours };
  });
  const submit = h(
    "button",
    { type: "submit" },
    round.proposal_version ? t("facil.amend") : t("facil.propose"),
  );
  const stepId = crypto.randomUUID();
  part.append(
    h(
      "form",
      {
        class: "card",
        "aria-labelledby": "propose-title",
        onsubmit: (event) => {
          event.preventDefault();
          const body = {
            id: stepId,
            lines: inputs
              .map((i) => ({ project_id: i.id, eur: cents(i.eur), hours: minutes(i.hours) }))
              .filter((l) => l.eur > 0 || l.hours > 0),
          };
          view.act(
            submit,
            messages,
            () => post(`/rounds/${round.id}/proposals`, body),
            t("facil.proposed", { version: formatNumber(round.proposal_version + 1) }),
          );
        },
      },
      h(
        "h3",
        { id: "propose-title" },
        round.proposal_version
          ? t("facil.amendTitle", {
              left: formatNumber(Math.max(0, round.max_amendments - round.proposal_version + 1)),
            })
          : t("facil.proposeTitle"),
      ),
      h(
        "p",
        { class: "muted" },
        t("facil.proposeHint", {
          eur: euros(round.manifest.budget_eur),
          hours: formatDuration(round.manifest.budget_hours),
        }),
      ),
      inputs.map((i) =>
        h(
          "fieldset",
          { class: "line" },
          h("legend", {}, project(i.id)),
          h(
            "div",
            { class: "field-row" },
            field(t("facil.eur"), i.eur),
            field(t("facil.hours"), i.hours),
          ),
        ),
      ),
      messages,
      h("div", { class: "actions" }, submit),
    ),
  );
  return part;
}

// Every stance, and under each project the objections that name it (its line, or its
// being left out) with their reasons.
function stancesSection(view) {
  const { round, runs, me, who, project } = view;
  const voters = round.manifest.voters.length;
  const part = section(
    "stances-title",
    t("facil.stances"),
    h(
      "p",
      { "data-testid": "stance-count" },
      t("facil.stanceCount", {
        count: formatNumber(round.stances.length),
        voters: formatNumber(voters),
        quorum: formatNumber(round.quorum),
      }),
    ),
  );
  const objections = round.stances.filter((s) => s.stance === "object");
  const inProposal = new Set(round.proposal.map((line) => line.project_id));
  part.append(
    h(
      "ul",
      { class: "list", "aria-label": t("facil.perProject") },
      round.submissions.map((s) => {
        const against = objections.filter((o) => o.target?.project_id === s.project_id);
        return h(
          "li",
          {
            class: `card objections${against.length ? " objected" : ""}`,
            "data-project": s.project_id,
          },
          h(
            "p",
            { class: "item-title" },
            project(s.project_id),
            " ",
            h(
              "span",
              { class: "tag" },
              inProposal.has(s.project_id) ? t("facil.inProposal") : t("facil.leftOut"),
            ),
          ),
          against.length
            ? h(
                "ul",
                { class: "moves" },
                against.map((o) =>
                  h(
                    "li",
                    {},
                    t(`facil.object.${o.target.kind}`, { name: who(o.voter_id) }),
                    " ",
                    h("q", {}, o.reason ?? t("facil.reasonErased")),
                  ),
                ),
              )
            : h("p", { class: "muted" }, t("facil.noObjection")),
        );
      }),
    ),
  );
  if (round.stances.length) {
    part.append(
      h(
        "div",
        {
          class: "table-wrap",
          role: "region",
          tabindex: 0,
          "aria-label": t("facil.stancesCaption"),
        },
        h(
          "table",
          {},
          h("caption", {}, t("facil.stancesCaption")),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              [t("facil.voter"), t("facil.stance"), t("facil.about"), t("facil.reason")].map(
                (text) => h("th", { scope: "col" }, text),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            round.stances.map((s) =>
              h(
                "tr",
                { class: `stance-${s.stance}` },
                h("th", { scope: "row" }, who(s.voter_id)),
                h("td", {}, label("facil.stanceName", s.stance)),
                h(
                  "td",
                  {},
                  s.target
                    ? t(`facil.target.${s.target.kind}`, { project: project(s.target.project_id) })
                    : t("facil.wholeProposal"),
                ),
                h("td", {}, s.reason ?? "—"),
              ),
            ),
          ),
        ),
      ),
    );
  }
  if (round.consent) part.append(consentOutcome(view));
  if (round.phase === "consent") {
    if (round.manifest.voters.includes(me)) part.append(stanceForm(view));
    if (runs)
      part.append(
        stepButton(view, "consent/close", t("facil.closeConsent"), t("facil.consentClosed")),
      );
  }
  return part;
}

function consentOutcome(view) {
  const { round, project } = view;
  const consent = round.consent;
  const parts = [
    h(
      "p",
      { class: "outcome" },
      t(`facil.consent.${consent.result}`, { participants: formatNumber(consent.participants) }),
    ),
  ];
  if (consent.kept.length)
    parts.push(
      h(
        "p",
        {},
        t("round.alreadyKept", {
          projects: consent.kept
            .map((l) => `${project(l.project_id)} (${amounts(l.eur, l.hours)})`)
            .join(", "),
        }),
      ),
    );
  if (consent.ballot_projects.length) {
    parts.push(
      h(
        "p",
        {},
        t("facil.toBallot", {
          projects: consent.ballot_projects.map(project).join(", "),
          left: amounts(consent.budget_eur_left, consent.budget_hours_left),
        }),
      ),
    );
  }
  return h("div", { class: "notice", "data-testid": "consent-outcome" }, parts);
}

function stanceForm(view) {
  const { round, project } = view;
  const messages = h("div");
  const radios = ["consent", "stand_aside", "object"].map((value) => {
    const input = h("input", {
      type: "radio",
      name: "stance",
      value,
      id: `stance-${value}`,
      required: true,
    });
    return h(
      "div",
      { class: "choice" },
      input,
      h("label", { for: input.id }, label("facil.stanceName", value)),
    );
  });
  const inProposal = new Set(round.proposal.map((line) => line.project_id));
  const target = h(
    "select",
    { name: "target" },
    h("option", { value: "" }, t("facil.wholeProposal")),
    round.submissions.map((s) => {
      const kind = inProposal.has(s.project_id) ? "line" : "omission";
      return h(
        "option",
        { value: `${kind}:${s.project_id}` },
        t(`facil.target.${kind}`, { project: project(s.project_id) }),
      );
    }),
  );
  const reason = h("textarea", { name: "reason", rows: 3, maxlength: 2000 });
  const objecting = h(
    "div",
    { hidden: true },
    field(t("facil.target"), target),
    field(t("facil.reason"), reason, t("facil.reasonHint")),
  );
  const submit = h("button", { type: "submit" }, t("facil.giveStance"));
  const form = h(
    "form",
    {
      class: "card",
      onchange: () => {
        objecting.hidden = form.elements.stance.value !== "object";
      },
      onsubmit: (event) => {
        event.preventDefault();
        const stance = form.elements.stance.value;
        const body = { id: crypto.randomUUID(), stance };
        if (stance === "object") {
          messages.replaceChildren();
          if (!target.value || !reason.value.trim()) {
            messages.append(notice(t("facil.objectionNeeds"), "error"));
            (target.value ? reason : target).focus();
            return;
          }
          const [kind, projectId] = target.value.split(":");
          body.target = { kind, project_id: projectId };
          body.reason = reason.value.trim();
        }
        view.act(
          submit,
          messages,
          () => post(`/rounds/${round.id}/stances`, body),
          t("facil.stanceGiven", { stance: label("facil.stanceName", stance) }),
        );
      },
    },
    h("fieldset", {}, h("legend", {}, t("facil.yourStance")), radios),
    objecting,
    messages,
    h("div", { class: "actions" }, submit),
  );
  return form;
}

function ballotSection(view) {
  const { round, runs, who } = view;
  const part = section(
    "ballot-title",
    t("facil.ballot"),
    h(
      "p",
      { "data-testid": "ballot-count" },
      t("round.ballotsCast", { count: round.ballots_cast, voters: round.manifest.voters.length }),
    ),
    round.voted.length
      ? h(
          "p",
          { class: "muted" },
          t("facil.votedSoFar", { names: round.voted.map(who).join(", ") }),
        )
      : null,
    round.manifest.voters.includes(view.me)
      ? h("p", {}, h("a", { href: "#/round" }, t("facil.goVote")))
      : null,
  );
  if (runs)
    part.append(stepButton(view, "ballot/close", t("facil.closeBallot"), t("facil.ballotClosed")));
  return part;
}

async function resultSection(view) {
  const { round, names } = view;
  const part = section("transcript-title", t("facil.transcript"));
  if (round.phase === "undecided" || round.consent?.result === "undecided") {
    part.append(h("p", {}, t("round.undecided")));
    return part;
  }
  const budget = round.manifest;
  part.append(
    budgetPicture(
      t("facil.euros"),
      round.decision,
      names,
      budget.budget_eur,
      euros,
      (line) => line.eur,
    ),
    budgetPicture(
      t("facil.hoursWord"),
      round.decision,
      names,
      budget.budget_hours,
      formatDuration,
      (line) => line.hours,
    ),
  );
  if (round.consent.result === "adopted") {
    part.append(h("p", {}, t("round.adopted")), resultList(round, names, null, { detail: true }));
    return part;
  }
  const result = await get(`/rounds/${round.id}/result`);
  part.append(
    h(
      "p",
      {},
      t("round.decidedByBallot", {
        ballots: round.reveals.length,
        voters: round.manifest.voters.length,
      }),
    ),
    h("p", { class: "muted" }, t("facil.chartKey")),
    resultList(round, names, result.transcript, { detail: true }),
  );
  return part;
}

async function executionSection(view) {
  const { round, runs, key, log, me, ctx } = view;
  const part = section("execution-title", t("facil.execution"));
  if (round.phase === "executed") {
    part.append(
      h(
        "p",
        { class: "notice", "data-testid": "executed" },
        t("facil.executed", { count: formatNumber(round.transactions.length) }),
      ),
    );
    return part;
  }
  part.append(h("p", {}, t("facil.executionIntro")));
  if (!runs) return part;
  const messages = h("div");
  const capacity = await capacityOf(key);
  if (capacity !== "operator") {
    if (!ctx.me.roles.includes("operator")) {
      part.append(h("p", { class: "notice warning" }, t("facil.needOperator")));
      return part;
    }
    const create = h(
      "button",
      { type: "button", class: "secondary" },
      t("facil.createOperatorKey"),
    );
    create.addEventListener("click", () =>
      view.act(create, messages, () => createDeviceKey(me, "operator"), t("facil.operatorKeyMade")),
    );
    part.append(
      h("p", {}, t("facil.noOperatorKey")),
      messages,
      h("div", { class: "actions" }, create),
    );
    return part;
  }
  const stepId = crypto.randomUUID();
  const button = h("button", { type: "button" }, t("facil.execute"));
  button.addEventListener("click", () =>
    view.act(
      button,
      messages,
      () => execute(round, key, log.origin, stepId),
      t("facil.executedNow"),
    ),
  );
  part.append(messages, h("div", { class: "actions" }, button));
  return part;
}
