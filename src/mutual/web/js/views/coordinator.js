// The coordinator's members page: applications to accept or refuse, and the members
// whose balance is near or past a bound, with their bounds to change. The other
// coordinator pages (report, ledger) share the helpers exported here.

import { ApiError, call, get, getAll, post, query, session } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { confirmUnusual } from "../duration.js";
import { formatDay, formatDuration, formatNumber, label, t } from "../i18n.js";

// Roles the API lets act as coordinators (COORD in mutual.core.permissions).
export const COORDINATOR_ROLES = ["coordination_member", "operator"];

export function isCoordinator(ctx) {
  return ctx.me.roles.some((role) => COORDINATOR_ROLES.includes(role));
}

export function failure(error) {
  return error instanceof ApiError ? error.describe() : t("error.generic");
}

// Every active member, read afresh: the shell's cached list does not know the members
// this page has just accepted.
export async function activeMembers() {
  const found = new Map();
  let cursor = null;
  do {
    const page = await get(`/members${query({ status: "active", limit: 500, cursor })}`);
    for (const m of page.items) found.set(m.id, m);
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

export function nameIn(members, id) {
  return members.get(id)?.display_name ?? id.slice(0, 8);
}

// A call api.js cannot make: with request headers of its own (Idempotency-Key), or
// answered with something else than JSON (a CSV). Same cookie and CSRF token.
export async function raw(method, path, { body, headers = {} } = {}) {
  const sent = { Accept: "application/json, text/csv", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const current = session();
  if (method !== "GET" && current) sent["X-CSRF-Token"] = current.csrf_token;
  let answer;
  try {
    answer = await fetch(`/api/v1${path}`, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, { title: t("error.network") });
  }
  if (!answer.ok) {
    const type = answer.headers.get("content-type") ?? "";
    throw new ApiError(answer.status, type.includes("json") ? await answer.json() : null);
  }
  return answer;
}

export function notCoordinator(main) {
  main.append(
    h("h1", { tabindex: "-1" }, t("coord.title")),
    notice(t("coord.onlyCoordinators"), "error"),
  );
}

// Minutes from an hours field (quarter hours allowed); an empty field is no bound.
function minutesOf(input) {
  if (input.value.trim() === "") return null;
  return Math.round(Number(input.value) * 60);
}

function hoursOf(minutes) {
  return minutes === null ? "" : String(minutes / 60);
}

function bound(minutes) {
  return minutes === null ? t("coord.noBound") : formatDuration(minutes);
}

function applicationCard(member, refresh) {
  const messages = h("div");
  const accept = h("button", { type: "button" }, t("coord.accept"));
  const refuse = h("button", { type: "button", class: "danger" }, t("coord.refuse"));
  const act = (button, path, done) =>
    busy(button, async () => {
      messages.replaceChildren();
      let answer;
      try {
        answer = await post(path);
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      await refresh(done(answer));
    });
  accept.addEventListener("click", () =>
    act(accept, `/members/${member.id}/accept`, (answer) => {
      const text = t("coord.accepted", { name: member.display_name });
      announce(text);
      // The invitation is shown once, by the service as by this page: the person needs
      // it to choose a login and a password in the page (the link, or the code to type).
      const invitation = answer.invitation;
      const link = new URL(invitation.link, location.origin).href;
      return h(
        "div",
        { class: "notice", "data-testid": "accepted" },
        h("p", {}, text),
        h("p", {}, t("coord.invitation", { date: formatDay(invitation.expires_at) })),
        h(
          "dl",
          { class: "invitation" },
          h("dt", {}, t("coord.invitationLink")),
          h("dd", {}, h("a", { href: link, "data-testid": "invitation-link" }, link)),
          h("dt", {}, t("coord.invitationCode")),
          h("dd", {}, h("code", { "data-testid": "invitation-code" }, invitation.code)),
        ),
        invitation.mailed ? h("p", {}, t("coord.invitationMailed")) : null,
      );
    }),
  );
  refuse.addEventListener("click", () =>
    act(refuse, `/members/${member.id}/refuse`, () => {
      const text = t("coord.refused", { name: member.display_name });
      announce(text);
      return notice(text);
    }),
  );
  const facts = [
    member.neighbourhood ? t("coord.neighbourhood", { place: member.neighbourhood }) : null,
    member.languages?.length
      ? t("coord.languages", { languages: member.languages.join(", ") })
      : null,
  ].filter(Boolean);
  return h(
    "li",
    { class: "card", "data-member": member.id },
    h("p", { class: "item-title" }, member.display_name ?? member.id.slice(0, 8)),
    facts.length ? h("p", { class: "muted" }, facts.join(" · ")) : null,
    messages,
    h("div", { class: "actions" }, accept, refuse),
  );
}

function limitsRow(line, members, refresh) {
  const name = nameIn(members, line.member_id);
  const messages = h("div");
  const low = h("input", {
    name: "balance_min",
    type: "number",
    step: "0.25",
    max: 0,
    value: hoursOf(line.balance_min),
    inputmode: "decimal",
  });
  const high = h("input", {
    name: "balance_max",
    type: "number",
    step: "0.25",
    min: 0,
    value: hoursOf(line.balance_max),
    inputmode: "decimal",
  });
  const submit = h("button", { type: "submit" }, t("coord.saveLimits"));
  for (const input of [low, high])
    input.setAttribute("aria-describedby", `limits-hint-${line.member_id}`);
  const toggle = h(
    "button",
    { type: "button", class: "secondary", "aria-expanded": "false" },
    t("coord.changeLimits", { name }),
  );
  let changeId = crypto.randomUUID();
  const form = h(
    "form",
    {
      hidden: true,
      "aria-label": t("coord.limitsOf", { name }),
      onsubmit: (event) => {
        event.preventDefault();
        busy(submit, async () => {
          messages.replaceChildren();
          const body = { id: changeId, balance_min: minutesOf(low), balance_max: minutesOf(high) };
          const asked = [body.balance_min, body.balance_max];
          if (!(await confirmUnusual(messages, "limit", asked))) return low.focus();
          let changed;
          try {
            changed = await call("PUT", `/members/${line.member_id}/limits`, body);
          } catch (error) {
            messages.append(notice(failure(error), "error"));
            return;
          }
          changeId = crypto.randomUUID();
          const text = t("coord.limitsChanged", {
            name,
            low: bound(changed.balance_min),
            high: bound(changed.balance_max),
          });
          announce(text);
          await refresh(notice(text));
        });
      },
    },
    h(
      "div",
      { class: "field-row" },
      field(t("coord.lowHours"), low),
      field(t("coord.highHours"), high),
    ),
    // One hint for both fields, below them: a hint inside one field of the row would
    // push its input out of line with the other's.
    h("p", { id: `limits-hint-${line.member_id}`, class: "muted" }, t("coord.emptyNoBound")),
    h("div", { class: "actions" }, submit),
  );
  toggle.addEventListener("click", () => {
    form.hidden = !form.hidden;
    toggle.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) low.focus();
  });
  return h(
    "li",
    { class: `card limit-${line.state}`, "data-member": line.member_id },
    h(
      "p",
      { class: "item-title" },
      name,
      " ",
      h("span", { class: `tag state-${line.state}` }, label("coord.state", line.state)),
    ),
    h(
      "dl",
      { class: "figures" },
      h(
        "div",
        {},
        h("dt", {}, t("coord.balance")),
        h("dd", { "data-testid": "balance" }, formatDuration(line.balance)),
      ),
      h(
        "div",
        {},
        h("dt", {}, t("coord.low")),
        h("dd", { "data-testid": "low" }, bound(line.balance_min)),
      ),
      h(
        "div",
        {},
        h("dt", {}, t("coord.high")),
        h("dd", { "data-testid": "high" }, bound(line.balance_max)),
      ),
    ),
    messages,
    h("div", { class: "actions" }, toggle),
    form,
  );
}

export async function render(main, ctx, done = null) {
  if (!isCoordinator(ctx)) return notCoordinator(main);
  const [applied, near, members] = await Promise.all([
    get(`/members${query({ status: "applied", limit: 100 })}`),
    getAll("/members/near-limits"),
    activeMembers(),
  ]);
  const refresh = async (shown) => {
    main.replaceChildren();
    await render(main, ctx, shown);
    main.querySelector("h1").focus();
  };
  main.append(
    h("h1", { tabindex: "-1" }, t("coord.membersTitle")),
    h("p", {}, t("coord.membersIntro")),
  );
  if (done) main.append(done);

  const applications = h(
    "section",
    { "aria-labelledby": "coord-applications" },
    h(
      "h2",
      { id: "coord-applications" },
      t("coord.applications"),
      " ",
      h("span", { class: "tag" }, formatNumber(applied.items.length)),
    ),
  );
  if (applied.items.length === 0)
    applications.append(h("p", { class: "muted" }, t("coord.noApplications")));
  else
    applications.append(
      h(
        "ul",
        { class: "list", "aria-labelledby": "coord-applications" },
        applied.items.map((m) => applicationCard(m, refresh)),
      ),
    );
  main.append(applications);

  const limits = h(
    "section",
    { "aria-labelledby": "coord-near" },
    h("h2", { id: "coord-near" }, t("coord.nearLimits")),
    h("p", { class: "muted" }, t("coord.nearIntro")),
  );
  if (near.length === 0) limits.append(h("p", { class: "muted" }, t("coord.noneNear")));
  else
    limits.append(
      h(
        "ul",
        { class: "list", "aria-labelledby": "coord-near" },
        near.map((line) => limitsRow(line, members, refresh)),
      ),
    );
  main.append(limits);
  return undefined;
}
