import { ApiError, get, getAll } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { confirmUnusual, durationInput } from "../duration.js";
import { formatDuration, t } from "../i18n.js";
import {
  Mismatch,
  heldAccount,
  isTransfer,
  openQuarters,
  promiseAccount,
  signAndSend,
} from "../flows.js";
import { deviceKey } from "../keys.js";

export function quarterName(code) {
  const [year, q] = code.split("-");
  return t(`quarter.${q}`, { year });
}

// A pledge moves minutes from the member's promise for the quarter to the pool's share
// of it: both accounts are the member's own for that quarter, nothing touches the time
// balance.
async function pledgeExpected(payload, origin, id, member, quarter, minutes) {
  return isTransfer(payload, {
    origin,
    id,
    kind: "pledge",
    unit: "PLEDGE",
    from: await promiseAccount(member, quarter),
    to: await heldAccount(member, quarter),
    amount: minutes,
    references: { quarter },
  });
}

async function projectName(id) {
  try {
    return (await get(`/projects/${id}`)).name;
  } catch {
    return id.slice(0, 8);
  }
}

async function pledgeCard(view) {
  const rows = [
    ["pledged", view.pledged],
    ["held", view.held],
    ["allocated", view.allocated],
    ["delivered", view.delivered],
    ["released", view.released],
  ];
  const projects = await Promise.all(
    view.projects.map(async (p) =>
      h(
        "li",
        {},
        t("pledges.project", {
          name: await projectName(p.project_id),
          allocated: formatDuration(p.allocated),
          delivered: formatDuration(p.delivered),
        }),
      ),
    ),
  );
  return h(
    "li",
    { class: "card", "data-quarter": view.quarter },
    h("h3", { class: "item-title" }, quarterName(view.quarter)),
    h(
      "dl",
      { class: "figures" },
      rows.map(([name, minutes]) =>
        h("div", {}, h("dt", {}, t(`pledges.${name}`)), h("dd", {}, formatDuration(minutes))),
      ),
    ),
    projects.length ? h("ul", { "aria-label": t("pledges.projects") }, projects) : null,
  );
}

export async function render(main, ctx, done = null) {
  const member = ctx.me.principal_id;
  const [mine, key, log] = await Promise.all([getAll("/pledges"), deviceKey(member), get("/log")]);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  const quarter = h(
    "select",
    { name: "quarter", required: true },
    openQuarters().map((code) => h("option", { value: code }, quarterName(code))),
  );
  const duration = durationInput({ hours: 2, maxHours: 999 });
  const submit = h("button", { type: "submit" }, t("pledges.submit"));
  const messages = h("div");
  // One id per pledge being written: a second press, or a resend after a lost answer,
  // is answered as the same pledge.
  let pledgeId = crypto.randomUUID();

  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        const total = duration.read(messages);
        if (total === null) return;
        if (!(await confirmUnusual(messages, "pledge", total))) return duration.focus();
        if (!key?.registered) {
          messages.append(
            notice(t("confirm.needKey"), "error"),
            h("a", { href: "#/key" }, t("nav.key")),
          );
          return;
        }
        const chosen = quarter.value;
        const id = pledgeId;
        busy(submit, async () => {
          try {
            await signAndSend("/pledges", { id, quarter: chosen, minutes: total }, key, (payload) =>
              pledgeExpected(payload, log.origin, id, member, chosen, total),
            );
          } catch (error) {
            const text =
              error instanceof Mismatch
                ? t("flows.mismatch")
                : error instanceof ApiError
                  ? error.describe()
                  : t("error.generic");
            messages.append(notice(text, "error"));
            return;
          }
          pledgeId = crypto.randomUUID();
          const text = t("pledges.done", {
            duration: formatDuration(total),
            quarter: quarterName(chosen),
          });
          announce(text);
          await rerender(text);
        });
      },
    },
    field(t("pledges.quarter"), quarter),
    h("fieldset", {}, h("legend", {}, t("pledges.duration")), duration.row()),
    h("div", { class: "actions" }, submit),
  );

  main.append(h("h1", { tabindex: "-1" }, t("pledges.title")), h("p", {}, t("pledges.intro")));
  if (done) main.append(notice(done));
  if (!key?.registered) {
    main.append(
      h(
        "p",
        { class: "notice" },
        t("home.noKey"),
        " ",
        h("a", { href: "#/key" }, t("home.noKeyLink")),
      ),
    );
  }
  main.append(messages, h("div", { class: "card" }, form));

  const list = h(
    "section",
    { "aria-labelledby": "pledges-mine" },
    h("h2", { id: "pledges-mine" }, t("pledges.mine")),
  );
  if (mine.length === 0) list.append(h("p", { class: "muted" }, t("pledges.none")));
  else {
    const cards = await Promise.all([...mine].reverse().map(pledgeCard));
    list.append(h("ul", { class: "list", "aria-labelledby": "pledges-mine" }, cards));
  }
  main.append(list);
}
