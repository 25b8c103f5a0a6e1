// The operator's page: custodians appointed and removed (log entries the log key signs),
// coordinators' operator keys registered from the requests their own page made, access
// tokens and the territory's tools (service clients) with their scopes, webhooks and
// their deliveries, and the trail of administrative actions.

import { ApiError, call, get, getAll, nextPath, post, query } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDate, formatNumber, label, t } from "../i18n.js";
import { personPicker } from "../person_picker.js";

const ROLES = ["coordination_member", "facilitator", "partner", "auditor", "operator"];
const SCOPES = [
  "ledger:read",
  "ledger:write",
  "members:read",
  "offers:read",
  "projects:read",
  "rounds:read",
  "fund:read",
  "goods:read",
  "pledges:read",
  "reports:read",
  "events:read",
  "notifications:read",
];
const AUDIT_SHOWN = 50;
const CUSTODY_EVENTS = "key_event.appoint_custodian,key_event.remove_custodian";

function failure(error) {
  return error instanceof ApiError ? error.describe() : t("error.generic");
}

function section(id, title, intro, ...children) {
  return h(
    "section",
    { class: "round-step", "aria-labelledby": id },
    h("h2", { id }, title),
    intro ? h("p", { class: "muted" }, intro) : null,
    ...children,
  );
}

// A table that scrolls sideways on a phone, its scrolling area reachable by keyboard.
function table(caption, headers, rows) {
  return h(
    "div",
    { class: "table-scroll", tabindex: 0, role: "group", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((c) => h("td", {}, c))))),
    ),
  );
}

// A secret shown once, in a field that selects itself for copying.
function shownOnce(text, what, secret) {
  const input = h("input", { type: "text", readonly: true, value: secret, class: "secret" });
  input.addEventListener("focus", () => input.select());
  return h("div", { class: "notice" }, h("p", {}, text), field(what, input));
}

function checkboxes(legend, name, codes, words) {
  return h(
    "fieldset",
    {},
    h("legend", {}, legend),
    ...codes.map((code) =>
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name, value: code }),
        ` ${words(code)}`,
      ),
    ),
  );
}

// The custodians' changes are signed log entries rather than audited calls. The events
// are a stream, whose every page has a next one: read until it is caught up.
async function custodyEvents() {
  const found = [];
  let path = `/events${query({ types: CUSTODY_EVENTS, after: -1, limit: 500 })}`;
  for (;;) {
    const page = await get(path);
    found.push(...page.items);
    if (page.caught_up || !page.items.length || !page.next) return found;
    path = nextPath(page);
  }
}

const checked = (form, name) =>
  Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (i) => i.value);

export async function render(main, ctx, done = null, shown = null) {
  const me = ctx.me.principal_id;
  const [custodians, keys, asked, clients, hooks, audit, custody, projects, points, people] =
    await Promise.all([
      getAll("/custodians?limit=500"),
      getAll("/keys?limit=500"),
      getAll("/operator-key-requests?status=pending&limit=500"),
      getAll("/service-clients?limit=500"),
      getAll("/webhooks?limit=500"),
      getAll("/audit?limit=1000"),
      custodyEvents(),
      getAll("/projects?limit=500"),
      getAll("/collection-points?limit=500"),
      ctx.members(),
    ]);
  const projectNames = new Map(projects.map((p) => [p.id, p.name]));
  const pointNames = new Map(points.map((p) => [p.id, p.name]));
  const toolNames = new Map(clients.filter((c) => c.name).map((c) => [c.principal_id, c.name]));
  const nameOf = (id) => {
    if (id === me) return t("operator.you");
    if (people.has(id)) return people.get(id).display_name;
    if (projectNames.has(id)) return t("operator.project", { name: projectNames.get(id) });
    if (pointNames.has(id)) return t("operator.point", { name: pointNames.get(id) });
    if (toolNames.has(id)) return toolNames.get(id);
    return t("operator.someone", { id: id.slice(0, 8) });
  };
  const rerender = async (text, secret = null) => {
    announce(text);
    main.replaceChildren();
    await render(main, ctx, text, secret);
    main.querySelector("h1").focus();
  };
  // One job: its messages, the call, then the page as the job left it.
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
      const [words, secret] = typeof text === "function" ? text(answer) : [text, null];
      await rerender(words, secret);
    });

  main.append(h("h1", { tabindex: "-1" }, t("operator.title")), h("p", {}, t("operator.intro")));
  if (done) main.append(shown ? shownOnce(done, shown.what, shown.value) : notice(done));

  // --- Custodians ---------------------------------------------------------------------
  const appointMessages = h("div");
  const principal = personPicker({ label: t("operator.for"), name: "principal" });
  const custodian = personPicker({ label: t("operator.custodian"), name: "custodian" });
  const appointForm = h(
    "form",
    {},
    principal.element,
    custodian.element,
    h("button", { type: "submit" }, t("operator.appoint")),
    appointMessages,
  );
  appointForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const who = principal.chosen();
    const trusted = custodian.chosen();
    if (!who || !trusted) return;
    act(
      appointForm.querySelector("button[type=submit]"),
      appointMessages,
      () =>
        post("/key-events", {
          id: crypto.randomUUID(),
          action: "appoint_custodian",
          principal: who.id,
          custodian: trusted.id,
          by: me,
          version: 2,
          signatures: [],
        }),
      t("operator.appointed", { custodian: trusted.display_name, principal: who.display_name }),
    );
  });
  const custodianRows = custodians.map((c) => {
    const messages = h("div");
    const words = { custodian: nameOf(c.custodian_id), principal: nameOf(c.principal_id) };
    const remove = h(
      "button",
      { type: "button", class: "danger", "aria-label": t("operator.removeOf", words) },
      t("operator.remove"),
    );
    remove.addEventListener("click", () =>
      act(
        remove,
        messages,
        () =>
          post("/key-events", {
            id: crypto.randomUUID(),
            action: "remove_custodian",
            principal: c.principal_id,
            custodian: c.custodian_id,
            by: me,
            version: 2,
            signatures: [],
          }),
        t("operator.removed", words),
      ),
    );
    return [
      words.principal,
      words.custodian,
      t("operator.since", { index: formatNumber(c.appointed_at) }),
      h("div", {}, remove, messages),
    ];
  });
  main.append(
    section(
      "operator-custodians",
      t("operator.custodians"),
      t("operator.custodiansIntro"),
      custodianRows.length
        ? table(
            t("operator.custodians"),
            [t("operator.for"), t("operator.custodian"), t("operator.state"), ""],
            custodianRows,
          )
        : h("p", { class: "muted" }, t("operator.noCustodians")),
      appointForm,
    ),
  );

  // --- Operator keys ------------------------------------------------------------------
  // A coordinator's page made the key, non-extractable, and had it sign its registration
  // (views/coordinator_key.js); the service keeps it until an operator registers it here
  // as signed, the log key countersigning, and tells the coordinator.
  const requestRows = asked.map((r) => {
    const messages = h("div");
    const name = nameOf(r.principal_id);
    const register = h(
      "button",
      { type: "button", "aria-label": t("operator.registerOf", { name }) },
      t("operator.register"),
    );
    register.addEventListener("click", () =>
      act(
        register,
        messages,
        () => post(`/operator-key-requests/${r.id}/registration`),
        t("operator.registered", { name }),
      ),
    );
    return [
      name,
      h("code", { class: "key-id", "data-key-id": r.key_id }, r.key_id.slice(0, 16)),
      formatDate(r.asked_at),
      h("div", {}, register, messages),
    ];
  });
  const requests = requestRows.length
    ? table(
        t("operator.requests"),
        [t("operator.asker"), t("operator.key"), t("operator.askedAt"), ""],
        requestRows,
      )
    : h("p", { class: "muted" }, t("operator.noRequests"));
  const operatorKeys = keys.filter((k) => k.capacity === "operator");
  main.append(
    section(
      "operator-keys",
      t("operator.keys"),
      t("operator.keysIntro"),
      h("h3", {}, t("operator.requests")),
      requests,
      h("h3", {}, t("operator.registeredKeys")),
      operatorKeys.length
        ? table(
            t("operator.registeredKeys"),
            [t("operator.holder"), t("operator.key"), t("operator.state")],
            operatorKeys.map((k) => [
              nameOf(k.principal_id),
              h("code", { class: "key-id" }, k.key_id.slice(0, 16)),
              k.revoked_at === null
                ? t("operator.valid", { index: formatNumber(k.registered_at) })
                : t("operator.revokedAt", { index: formatNumber(k.revoked_at) }),
            ]),
          )
        : h("p", { class: "muted" }, t("operator.noKeys")),
    ),
  );

  // --- Tokens and service clients -----------------------------------------------------
  const tokenMessages = h("div");
  const tokenDays = h("input", { name: "days", type: "number", min: 1, max: 3660 });
  const tokenForm = h(
    "form",
    {},
    checkboxes(t("operator.roles"), "role", ROLES, (r) => t(`operator.role.${r}`)),
    field(t("operator.expiresDays"), tokenDays),
    h("button", { type: "submit" }, t("operator.issue")),
    tokenMessages,
  );
  tokenForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const roles = checked(tokenForm, "role");
    if (!roles.length) return;
    const days = Number(tokenDays.value || 0);
    act(
      tokenForm.querySelector("button[type=submit]"),
      tokenMessages,
      () =>
        post("/tokens", {
          roles,
          ...(days ? { expires_in_seconds: days * 86400 } : {}),
        }),
      (issued) => [t("operator.issued"), { what: t("operator.theToken"), value: issued.token }],
    );
  });
  const clientMessages = h("div");
  const clientName = h("input", { name: "client", required: true, maxlength: 200 });
  const clientDays = h("input", { name: "client-days", type: "number", min: 1, max: 3660 });
  const clientForm = h(
    "form",
    {},
    field(t("operator.clientName"), clientName),
    checkboxes(t("operator.scopes"), "scope", SCOPES, (s) => label("operator.scope", s)),
    field(t("operator.expiresDays"), clientDays),
    h("button", { type: "submit" }, t("operator.createClient")),
    clientMessages,
  );
  clientForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const scopes = checked(clientForm, "scope");
    if (!scopes.length) return;
    const days = Number(clientDays.value || 0);
    act(
      clientForm.querySelector("button[type=submit]"),
      clientMessages,
      () =>
        post("/service-clients", {
          name: clientName.value.trim(),
          scopes,
          ...(days ? { expires_in_days: days } : {}),
        }),
      (issued) => [t("operator.issued"), { what: t("operator.theToken"), value: issued.token }],
    );
  });
  const clientRows = clients.map((c) => {
    const name = c.name ?? t("operator.someone", { id: c.principal_id.slice(0, 8) });
    const messages = h("div");
    const state = c.revoked_at
      ? t("operator.revokedOn", { date: formatDate(c.revoked_at) })
      : c.expires_at
        ? t("operator.expiresOn", { date: formatDate(c.expires_at) })
        : t("operator.active");
    const actions = h("div", {}, messages);
    if (!c.revoked_at) {
      const revoke = h(
        "button",
        { type: "button", class: "danger", "aria-label": t("operator.revokeOf", { name }) },
        t("operator.revoke"),
      );
      revoke.addEventListener("click", () =>
        act(
          revoke,
          messages,
          () => call("DELETE", `/service-clients/tokens/${c.id}`),
          t("operator.revoked", { name }),
        ),
      );
      const rotate = h(
        "button",
        { type: "button", "aria-label": t("operator.rotateOf", { name }) },
        t("operator.rotate"),
      );
      rotate.addEventListener("click", () =>
        act(
          rotate,
          messages,
          () => post(`/service-clients/tokens/${c.id}/rotation`, { overlap_minutes: 0 }),
          (rotated) => [
            t("operator.rotated", { name }),
            { what: t("operator.theToken"), value: rotated.token },
          ],
        ),
      );
      actions.prepend(rotate, " ", revoke);
    }
    return [
      name,
      c.scopes.map((s) => label("operator.scope", s)).join(", "),
      c.last_used_at ? formatDate(c.last_used_at) : t("operator.never"),
      state,
      actions,
    ];
  });
  main.append(
    section(
      "operator-tokens",
      t("operator.tokens"),
      t("operator.tokensIntro"),
      tokenForm,
      h("h3", {}, t("operator.clients")),
      clientRows.length
        ? table(
            t("operator.clients"),
            [
              t("operator.client"),
              t("operator.scopes"),
              t("operator.lastUsed"),
              t("operator.state"),
              "",
            ],
            clientRows,
          )
        : h("p", { class: "muted" }, t("operator.noClients")),
      clientForm,
    ),
  );

  // --- Webhooks -----------------------------------------------------------------------
  const hookMessages = h("div");
  const url = h("input", { name: "url", type: "url", required: true, maxlength: 2000 });
  const types = h("input", { name: "types", type: "text", spellcheck: "false" });
  const hookForm = h(
    "form",
    {},
    field(t("operator.url"), url),
    field(t("operator.types"), types),
    h("button", { type: "submit" }, t("operator.createWebhook")),
    hookMessages,
  );
  hookForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = types.value
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
    act(
      hookForm.querySelector("button[type=submit]"),
      hookMessages,
      () =>
        call("POST", "/webhooks", {
          url: url.value.trim(),
          ...(wanted.length ? { event_types: wanted } : {}),
        }),
      (created) => [
        t("operator.webhookCreated"),
        { what: t("operator.secret"), value: created.secret },
      ],
    );
  });
  const hookList = h("div");
  for (const hook of hooks) {
    const messages = h("div");
    const words = { url: hook.url };
    const state = hook.disabled_at
      ? t(
          hook.disabled_reason === "failing"
            ? "operator.disabledFailing"
            : "operator.disabledOwner",
        )
      : t("operator.enabled");
    const toggle = hook.disabled_at
      ? h(
          "button",
          { type: "button", "aria-label": t("operator.enableOf", words) },
          t("operator.enable"),
        )
      : h(
          "button",
          { type: "button", class: "danger", "aria-label": t("operator.disableOf", words) },
          t("operator.disable"),
        );
    toggle.addEventListener("click", () =>
      act(
        toggle,
        messages,
        () =>
          hook.disabled_at
            ? call("PATCH", `/webhooks/${hook.id}`, { enabled: true })
            : call("DELETE", `/webhooks/${hook.id}`),
        t(hook.disabled_at ? "operator.enabledDone" : "operator.disabled", words),
      ),
    );
    const roll = h(
      "button",
      { type: "button", "aria-label": t("operator.rollOf", words) },
      t("operator.roll"),
    );
    roll.addEventListener("click", () =>
      act(
        roll,
        messages,
        () => post(`/webhooks/${hook.id}/secret`, {}),
        (rolled) => [t("operator.rolled"), { what: t("operator.secret"), value: rolled.secret }],
      ),
    );
    const deliveries = h("div");
    const show = h(
      "button",
      { type: "button", "aria-label": t("operator.deliveriesOf", words), "aria-expanded": "false" },
      t("operator.deliveries"),
    );
    show.addEventListener("click", () =>
      busy(show, async () => {
        if (show.getAttribute("aria-expanded") === "true") {
          deliveries.replaceChildren();
          show.setAttribute("aria-expanded", "false");
          return;
        }
        try {
          const found = await getAll(`/webhooks/${hook.id}/deliveries${query({ limit: 100 })}`);
          deliveries.replaceChildren(
            found.length
              ? table(
                  t("operator.deliveriesOf", words),
                  [
                    t("operator.when"),
                    t("operator.event"),
                    t("operator.attempt"),
                    t("operator.answer"),
                    t("operator.duration"),
                  ],
                  found
                    .slice(-50)
                    .reverse()
                    .map((d) => [
                      formatDate(d.attempted_at),
                      `${d.event_id} (${formatNumber(d.log_index)})`,
                      formatNumber(d.attempt),
                      d.status_code === null ? t("operator.noAnswer") : String(d.status_code),
                      t("operator.ms", { n: formatNumber(d.duration_ms) }),
                    ]),
                )
              : h("p", { class: "muted" }, t("operator.noDeliveries")),
          );
          show.setAttribute("aria-expanded", "true");
        } catch (error) {
          messages.append(notice(failure(error), "error"));
        }
      }),
    );
    hookList.append(
      h(
        "article",
        { class: "card", "data-testid": "webhook" },
        h("h3", {}, h("code", {}, hook.url)),
        h(
          "p",
          {},
          `${state} · ${hook.event_types ? hook.event_types.join(", ") : t("operator.allTypes")}`,
          hook.failures ? ` · ${t("operator.failures", { n: hook.failures })}` : "",
        ),
        h("p", { class: "actions" }, toggle, " ", roll, " ", show),
        messages,
        deliveries,
      ),
    );
  }
  main.append(
    section(
      "operator-webhooks",
      t("operator.webhooks"),
      t("operator.webhooksIntro"),
      hooks.length ? hookList : h("p", { class: "muted" }, t("operator.noWebhooks")),
      hookForm,
    ),
  );

  // --- Audit trail --------------------------------------------------------------------
  const recent = audit.slice(-AUDIT_SHOWN).reverse();
  main.append(
    section(
      "operator-audit",
      t("operator.audit"),
      t("operator.auditIntro"),
      recent.length
        ? table(
            t("operator.audit"),
            [t("operator.when"), t("operator.who"), t("operator.what"), t("operator.from")],
            recent.map((e) => [
              formatDate(e.at),
              nameOf(e.actor_id),
              label("operator.op", e.operation),
              e.source_ip ?? "",
            ]),
          )
        : h("p", { class: "muted" }, t("operator.noAudit")),
      h("h3", {}, t("operator.custodyEvents")),
      custody.length
        ? table(
            t("operator.custodyEvents"),
            [t("operator.when"), t("operator.what"), t("operator.who"), t("operator.entry")],
            custody
              .slice(-AUDIT_SHOWN)
              .reverse()
              .map((e) => {
                const p = e.entry.payload;
                const words = { custodian: nameOf(p.custodian), principal: nameOf(p.principal) };
                return [
                  formatDate(e.recorded_at),
                  p.action === "appoint_custodian"
                    ? t("operator.appointedEvent", words)
                    : t("operator.removedEvent", words),
                  nameOf(p.by),
                  formatNumber(e.index),
                ];
              }),
          )
        : h("p", { class: "muted" }, t("operator.noCustodians")),
    ),
  );
}
