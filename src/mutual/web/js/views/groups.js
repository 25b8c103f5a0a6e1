import { getAll } from "../api.js";
import { h, notice } from "../dom.js";
import { formatDay, label, t } from "../i18n.js";
import { ideasSection } from "./group_ideas.js";
import { groupWorkSections } from "./group_projects.js";

// The coordination groups: their kind, name and neighbourhood, how many sit in each and
// how many represent it in the city group, and where the person reading sits. The
// service answers principal ids only (the log holds nothing else about a person), so
// the page counts people rather than naming them.

const KIND_ORDER = ["city", "neighbourhood", "life_slice", "resource"];

function mine(group, me) {
  const lines = [];
  if (group.members.includes(me)) lines.push(t("groups.youMember"));
  if (group.facilitator === me) lines.push(t("groups.youFacilitate"));
  const seat = group.representatives.find(
    (m) => m.member_id === me && m.until === null && m.represents === group.id,
  );
  if (seat) lines.push(t("groups.youRepresent", { since: formatDay(seat.since) }));
  return lines.map((line) => h("p", { class: "muted" }, line));
}

const COORDINATORS = ["coordination_member", "operator"];

// Whether the reader sees what comes to the group: its members, its facilitator and the
// coordinators (the service refuses anyone else).
function readsIntake(group, me) {
  return (
    group.members.includes(me.principal_id) ||
    group.facilitator === me.principal_id ||
    COORDINATORS.some((role) => me.roles.includes(role))
  );
}

// The needs and offers survey tools recorded that go to this group, oldest first.
function intakeList(group, records) {
  const id = `group-intake-${group.id}`;
  return h(
    "section",
    { "aria-labelledby": id, "data-testid": "group-intake" },
    h("h3", { id }, t("groups.intakeTitle")),
    records.length === 0
      ? h("p", { class: "muted" }, t("groups.intakeNone"))
      : h(
          "ul",
          { "aria-labelledby": id },
          records.map((r) =>
            h(
              "li",
              {},
              t("groups.intakeLine", {
                direction: t(`groups.intake.${r.direction}`),
                title: r.title,
                category: label("category", r.category),
                place: r.neighbourhood
                  ? label("neighbourhood", r.neighbourhood)
                  : t("groups.intakeNoPlace"),
                date: formatDay(r.recorded_at),
              }),
            ),
          ),
        ),
  );
}

function card(group, me, intake) {
  const open = group.representatives.filter((m) => m.until === null).length;
  const place = group.neighbourhood ? ` · ${group.neighbourhood}` : "";
  return h(
    "li",
    { class: "card", "data-group": group.id },
    h("h2", { class: "item-title" }, group.name),
    h("p", {}, `${t(`groups.kind.${group.kind}`)}${place}`),
    h(
      "p",
      {},
      t("groups.members", { count: group.members.length }),
      " · ",
      t("groups.representatives", { count: open }),
    ),
    mine(group, me),
    intake ? intakeList(group, intake) : null,
  );
}

export async function render(main, ctx, done = null) {
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  const groups = await getAll("/groups");
  const intake = new Map(
    await Promise.all(
      groups
        .filter((g) => readsIntake(g, ctx.me))
        .map(async (g) => [g.id, await getAll(`/groups/${g.id}/intake`)]),
    ),
  );
  groups.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name),
  );
  main.append(
    h("h1", { tabindex: "-1" }, t("groups.title")),
    h("p", {}, t("groups.intro")),
    done ? notice(done) : null,
    groups.length === 0
      ? h("p", { class: "muted" }, t("groups.none"))
      : h(
          "ul",
          { class: "list", "aria-label": t("groups.title") },
          groups.map((g) => card(g, ctx.me.principal_id, intake.get(g.id))),
        ),
  );
  // The follow-ups the reader's groups have to co-evaluate, then the project ideas.
  const me = ctx.me.principal_id;
  if (groups.some((g) => g.members.includes(me) || g.facilitator === me))
    main.append(...(await groupWorkSections(groups, me, rerender)));
  if (groups.length > 0) {
    const coordinates = ctx.me.roles.some((r) => r === "coordination_member" || r === "operator");
    main.append(...(await ideasSection(groups, me, coordinates, rerender)));
  }
}
