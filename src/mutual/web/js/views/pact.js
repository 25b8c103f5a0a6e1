import { get, post, query } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDay, t } from "../i18n.js";
import { personLabel, personPicker } from "../person_picker.js";
import { failure, isCoordinator } from "./coordinator.js";

// The territorial pact: its current version to read and sign, who invited the person
// reading, whom they invited this quarter (the pact asks at least one other every three
// months), and an invitation to send. A coordinator also publishes a new version and
// reads the quarter's signatories. Each signature and invitation is a log entry.

function versionSection(pact) {
  const current = pact.current;
  if (current === null) return h("p", { class: "muted" }, t("pact.none"));
  return h(
    "section",
    { "aria-labelledby": "pact-version" },
    h("h2", { id: "pact-version" }, current.title),
    h(
      "p",
      { class: "muted" },
      t("pact.versionLine", { number: current.number, day: formatDay(current.published_at) }),
    ),
    h("div", { class: "pact-text", lang: current.languages[0] }, current.text),
    h(
      "p",
      {},
      t("pact.signatories", { count: pact.signatories }),
      " · ",
      t("pact.signatoriesCurrent", { count: pact.signatories_current }),
    ),
  );
}

function signSection(pact, rerender) {
  const mine = pact.mine;
  if (pact.current === null) return null;
  const lines = mine.invited_by.map((who) =>
    h(
      "p",
      { "data-invited-by": who.member_id },
      t("pact.invitedBy", { name: who.display_name ?? "?" }),
    ),
  );
  if (mine.signed_current) {
    return h("section", {}, lines, notice(t("pact.signed")));
  }
  const messages = h("div");
  const submit = h(
    "button",
    {
      type: "button",
      onclick: () =>
        busy(submit, async () => {
          messages.replaceChildren();
          try {
            await post("/pact/signatures", { version_id: pact.current.id });
            await rerender(t("pact.thanks"));
          } catch (error) {
            messages.append(notice(failure(error), "error"));
          }
        }),
    },
    t("pact.sign"),
  );
  return h(
    "section",
    {},
    lines,
    mine.asked_to_sign ? notice(t("pact.askedAgain")) : null,
    submit,
    messages,
  );
}

function inviteSection(ctx, pact, rerender) {
  if (!pact.mine.signed_before) return null;
  const invited = pact.mine.invited_this_quarter;
  const picker = personPicker({
    label: t("pact.invitee"),
    name: "invitee",
    exclude: ctx.me.principal_id,
  });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("pact.invite"));
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const person = picker.chosen();
        if (!person) {
          messages.append(notice(t("people.pick"), "error"));
          picker.input.focus();
          return;
        }
        await busy(submit, async () => {
          try {
            await post("/pact/invitations", { member_id: person.id });
            await rerender(t("pact.invitedDone", { name: personLabel(person) }));
          } catch (error) {
            messages.append(notice(failure(error), "error"));
          }
        });
      },
    },
    picker.element,
    submit,
    messages,
  );
  return h(
    "section",
    { "aria-labelledby": "pact-invite" },
    h("h2", { id: "pact-invite" }, t("pact.inviteTitle")),
    h(
      "p",
      { "data-invited-count": invited.length },
      invited.length
        ? t("pact.invitedThisQuarter", { count: invited.length, quarter: pact.mine.quarter })
        : t("pact.noneThisQuarter", { quarter: pact.mine.quarter }),
    ),
    form,
    newcomerForm(rerender),
  );
}

// Someone not a member yet: their name and e-mail make an application a coordinator
// accepts as any other; the invitation names it.
function newcomerForm(rerender) {
  const name = h("input", { name: "newcomer-name", required: true, maxlength: 120 });
  const email = h("input", { name: "newcomer-email", type: "email", required: true });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("pact.inviteNewcomer"));
  return h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        await busy(submit, async () => {
          try {
            const newcomer = { display_name: name.value, email: email.value };
            await post("/pact/invitations", { newcomer });
            await rerender(t("pact.invitedDone", { name: name.value }));
          } catch (error) {
            messages.append(notice(failure(error), "error"));
          }
        });
      },
    },
    h("h3", {}, t("pact.newcomerTitle")),
    field(t("pact.newcomerName"), name),
    field(t("pact.newcomerEmail"), email, t("pact.newcomerHint")),
    submit,
    messages,
  );
}

function publishSection(rerender) {
  const title = h("input", { name: "title", required: true, maxlength: 200 });
  const text = h("textarea", { name: "text", required: true, rows: 8, maxlength: 20000 });
  const language = h(
    "select",
    { name: "language" },
    h("option", { value: "fr" }, "Français"),
    h("option", { value: "en" }, "English"),
  );
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("pact.publish"));
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        await busy(submit, async () => {
          try {
            const body = { title: title.value, text: text.value, languages: [language.value] };
            const version = await post("/pact/versions", body);
            await rerender(t("pact.published", { number: version.number }));
          } catch (error) {
            messages.append(notice(failure(error), "error"));
          }
        });
      },
    },
    field(t("pact.newTitle"), title),
    field(t("pact.newText"), text, t("pact.newTextHint")),
    field(t("pact.language"), language),
    submit,
    messages,
  );
  return h(
    "section",
    { "aria-labelledby": "pact-publish" },
    h("h2", { id: "pact-publish" }, t("pact.publishTitle")),
    form,
  );
}

async function quarterSection(ctx, quarter) {
  const figures = await get(`/pact/signatories${query({ quarter })}`);
  const rows = await Promise.all(
    figures.signatories.map(async (s) =>
      h(
        "tr",
        {},
        h("td", {}, await ctx.nameOf(s.signatory)),
        h("td", {}, String(s.invited.length)),
      ),
    ),
  );
  return h(
    "section",
    { "aria-labelledby": "pact-quarter" },
    h("h2", { id: "pact-quarter" }, t("pact.quarterTitle", { quarter: figures.quarter })),
    h(
      "p",
      { "data-testid": "pact-quarter" },
      t("pact.quarterFigures", {
        signed: figures.signed_in_quarter,
        total: figures.signatories_at_end,
        inviting: figures.invited_at_least_one,
      }),
    ),
    h(
      "table",
      {},
      h("caption", {}, t("pact.quarterTable")),
      h("thead", {}, h("tr", {}, h("th", {}, t("pact.who")), h("th", {}, t("pact.invitations")))),
      h("tbody", {}, rows),
    ),
  );
}

export async function render(main, ctx, done = null) {
  const pact = await get("/pact");
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  main.append(
    h("h1", { tabindex: "-1" }, t("pact.title")),
    h("p", {}, t("pact.intro")),
    done ? notice(done, "success") : null,
    versionSection(pact),
    signSection(pact, rerender),
    inviteSection(ctx, pact, rerender),
  );
  if (done) announce(done);
  if (isCoordinator(ctx)) {
    main.append(publishSection(rerender), await quarterSection(ctx, pact.mine.quarter));
  }
}
