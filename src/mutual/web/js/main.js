// The shell: the session, the language, and which view the address shows. Views are
// loaded on demand, one module each, and addressed by the fragment (#/record), so the
// server only ever serves files.

import * as api from "./api.js";
import { notice } from "./dom.js";
import { language, setLanguage, t } from "./i18n.js";

const VIEWS = {
  "/": () => import("./views/home.js"),
  "/record": () => import("./views/record.js"),
  "/confirm": () => import("./views/confirm.js"),
  "/notifications": () => import("./views/notifications.js"),
  "/offers": () => import("./views/offers.js"),
  "/offer": () => import("./views/offer.js"),
  "/offer/edit": () => import("./views/offer_form.js"),
  "/directory": () => import("./views/directory.js"),
  "/key": () => import("./views/key.js"),
  "/pledges": () => import("./views/pledges.js"),
  "/commons": () => import("./views/commons.js"),
  "/commons/pay": () => import("./views/commons_pay.js"),
  "/goods": () => import("./views/goods.js"),
  "/keeper": () => import("./views/keeper.js"),
  "/round": () => import("./views/round.js"),
  "/groups": () => import("./views/groups.js"),
  "/pact": () => import("./views/pact.js"),
  "/audit": () => import("./views/audit.js"),
  "/coordinator": () => import("./views/coordinator.js"),
  "/coordinator/report": () => import("./views/coordinator_report.js"),
  "/coordinator/ledger": () => import("./views/coordinator_ledger.js"),
  "/coordinator/pool": () => import("./views/coordinator_pool.js"),
  "/coordinator/lists": () => import("./views/territory_lists.js"),
  "/facilitator": () => import("./views/facilitator.js"),
  "/partner": () => import("./views/partner.js"),
  "/lead": () => import("./views/lead.js"),
  "/operator": () => import("./views/operator.js"),
  "/password": () => import("./views/password.js"),
};
// Views for whoever cannot sign in yet, shown with or without a session; what follows
// their path (an invitation's token) is handed to them.
const PUBLIC_VIEWS = {
  "/apply": () => import("./views/apply.js"),
  "/invitation": () => import("./views/invitation.js"),
  "/password-reset": () => import("./views/reset.js"),
  "/public": () => import("./views/public.js"),
};
// What someone who is not a member (an auditor) may open; they land on the audit page.
// A facilitator, an operator or a partner may hold no member record either; a partner
// signs its gifts with a device key of its own, made on the key page.
const WITHOUT_ACCOUNT = new Set([
  "/audit",
  "/facilitator",
  "/partner",
  "/operator",
  "/key",
  "/password",
]);
// Views only some roles may open (any one of those listed); their nav links are hidden
// from everyone else, and their address leads others to the home page.
const ROLE_VIEWS = {
  "/coordinator": ["coordination_member", "operator"],
  "/coordinator/report": ["coordination_member", "operator"],
  "/coordinator/ledger": ["coordination_member", "operator"],
  "/coordinator/pool": ["coordination_member", "operator"],
  "/coordinator/lists": ["coordination_member", "operator"],
  "/facilitator": ["facilitator", "coordination_member", "operator"],
  "/partner": ["partner", "coordination_member", "operator"],
  "/lead": ["project_lead", "coordination_member", "operator"],
  "/commons/pay": ["coordination_member", "operator"],
  "/operator": ["operator"],
};
// Where each role lands after signing in: the page of its work, the first role listed
// that someone holds deciding (a resident, and anyone else, lands on their balance).
const LANDINGS = [
  ["operator", "/operator"],
  ["partner", "/partner"],
  ["auditor", "/audit"],
  ["facilitator", "/facilitator"],
  ["coordination_member", "/coordinator"],
  ["project_lead", "/lead"],
  ["keeper", "/keeper"],
];
const landingFor = (me) => LANDINGS.find(([role]) => me.roles.includes(role))?.[1] ?? "/";
const mayOpen = (path, ctx) =>
  !(path in ROLE_VIEWS) || ROLE_VIEWS[path].some((role) => ctx.me.roles.includes(role));

let context = null;
let firstRender = true;

// Who is signed in, read once per session; members' names are read when a view needs them.
async function loadContext() {
  if (context) return context;
  const me = await api.get("/me");
  // An auditor (or another principal who is not a member) has no member record.
  const member = await api.get(`/members/${me.principal_id}`).catch((error) => {
    if (error instanceof api.ApiError && error.status === 404) return null;
    throw error;
  });
  let members = null;
  context = {
    me,
    member,
    async members() {
      if (members) return members;
      const found = new Map();
      let cursor = null;
      do {
        const page = await api.get(
          `/members${api.query({ status: "active", limit: 500, cursor })}`,
        );
        for (const m of page.items) found.set(m.id, m);
        cursor = page.next_cursor;
      } while (cursor);
      members = found;
      return members;
    },
    async nameOf(id) {
      return (await this.members()).get(id)?.display_name ?? id.slice(0, 8);
    },
  };
  return context;
}

function translateShell() {
  document.documentElement.lang = language();
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
  const switcher = document.getElementById("language");
  const other = language() === "fr" ? "en" : "fr";
  switcher.textContent = t("language.switch");
  switcher.lang = other;
  switcher.dataset.language = other;
}

function publicPath() {
  const found = location.hash.replace(/^#/, "").match(/^(\/[a-z-]+)(?:\/(.*))?$/);
  return found && found[1] in PUBLIC_VIEWS ? { path: found[1], rest: found[2] ?? "" } : null;
}

async function renderPublic({ path, rest }) {
  // Whoever signs in here (an invitation) may not be who was signed in before.
  context = null;
  const signedIn = Boolean(api.session());
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("sign-out").hidden = !signedIn;
  const view = await PUBLIC_VIEWS[path]();
  await show((element) =>
    view.render(element, {
      rest,
      signedIn: async () => {
        context = null;
        location.hash = "#/";
      },
    }),
  );
}

// A view may read parameters after its path (#/record?member=…); they do not choose it.
function currentPath() {
  const path = location.hash.replace(/^#/, "").split("?")[0] || "/";
  return path in VIEWS ? path : "/";
}

// Each view renders into its own element, swapped in only if no later navigation began
// meanwhile: two quick clicks never leave two views interleaved in the page.
let generation = 0;

async function show(render) {
  const mine = ++generation;
  const main = document.getElementById("main");
  const view = document.createElement("div");
  try {
    await render(view);
  } catch (error) {
    if (error instanceof api.ApiError && !api.session()) {
      if (mine === generation) renderSignIn();
      return;
    }
    view.append(
      notice(error instanceof api.ApiError ? error.describe() : t("error.generic"), "error"),
    );
    console.error(error);
  }
  if (mine !== generation) return;
  main.replaceChildren(view);
  const heading = view.querySelector("h1");
  document.title = heading ? `${heading.textContent} · mutual` : "mutual";
  // After a change of view, a screen reader starts from the new heading; on first load
  // the browser's own start is kept.
  if (!firstRender && heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
  firstRender = false;
}

async function renderSignIn() {
  context = null;
  document.getElementById("nav").hidden = true;
  document.getElementById("sign-out").hidden = true;
  const { render } = await import("./views/signin.js");
  await show((view) =>
    render(view, async () => {
      const landing = `#${landingFor(await api.get("/me"))}`;
      if (location.hash === landing || (landing === "#/" && location.hash === "")) await route();
      else location.hash = landing;
    }),
  );
}

async function route() {
  translateShell();
  const open = publicPath();
  if (open) return renderPublic(open);
  if (!api.session()) return renderSignIn();
  let ctx;
  try {
    ctx = await loadContext();
  } catch (error) {
    if (!api.session()) return renderSignIn();
    document
      .getElementById("main")
      .replaceChildren(
        notice(error instanceof api.ApiError ? error.describe() : t("error.generic"), "error"),
      );
    return undefined;
  }
  const wanted = mayOpen(currentPath(), ctx) ? currentPath() : "/";
  const path = ctx.member || WITHOUT_ACCOUNT.has(wanted) ? wanted : "/audit";
  document.getElementById("nav").hidden = false;
  document.getElementById("sign-out").hidden = false;
  for (const link of document.querySelectorAll("nav a")) {
    link.parentElement.hidden =
      (!ctx.member && !WITHOUT_ACCOUNT.has(link.getAttribute("href").slice(1))) ||
      !mayOpen(link.getAttribute("href").slice(1), ctx);
    if (link.getAttribute("href") === `#${path}`) {
      link.setAttribute("aria-current", "page");
      link.scrollIntoView({ block: "nearest", inline: "nearest" });
    } else link.removeAttribute("aria-current");
  }
  const view = await VIEWS[path]();
  await show((element) => view.render(element, ctx));
  return undefined;
}

// A deployment serving several territories names the one this address is for (the log
// says which); one serving a single territory shows nothing more.
async function nameTerritory() {
  const { territory } = await api.get("/log");
  if (!territory) return;
  const shown = document.getElementById("territory");
  shown.textContent = territory;
  shown.hidden = false;
}

function start() {
  nameTerritory().catch((error) => console.error(error));
  api.whenSignedOut(() => {
    context = null;
  });
  document.getElementById("language").addEventListener("click", (event) => {
    setLanguage(event.currentTarget.dataset.language);
    route();
  });
  document.getElementById("sign-out").addEventListener("click", async () => {
    await api.signOut().catch(() => {});
    context = null;
    location.hash = "#/";
    renderSignIn();
  });
  window.addEventListener("hashchange", () => {
    if (!location.hash.startsWith("#/")) return;
    route();
  });
  route();
}

start();
