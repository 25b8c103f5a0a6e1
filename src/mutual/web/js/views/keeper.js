import { ApiError, call, get, getAll, post } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatNumber, t } from "../i18n.js";
import {
  Mismatch,
  givenAccount,
  intakeAccount,
  isTransfer,
  isoDay,
  loanAccount,
  signAndSend,
  stockAccount,
} from "../flows.js";
import { deviceKey } from "../keys.js";
import { personLabel, personPicker } from "../person_picker.js";
import { catalogue, dueText, openingHours, stockTable } from "./goods.js";

const LOAN_DAYS = 14;

// What a keeper signs on the point's behalf: items between the point's own accounts of
// that kind, and a loan only to the member chosen, until the day chosen.
const expectations = {
  async deposit(origin, point, id, { kind, count }) {
    const from = await intakeAccount(point, kind);
    const to = await stockAccount(point, kind);
    return (payload) =>
      isTransfer(payload, {
        origin,
        id,
        kind: "good_deposit",
        unit: `GOOD.${kind}`,
        from,
        to,
        amount: count,
        references: { point },
      });
  },
  async loan(origin, point, id, { kind, count, member_id: member, due_on: dueOn }) {
    const from = await stockAccount(point, kind);
    const to = await loanAccount(member, point, kind);
    const references = { point, member, due_on: dueOn };
    return (payload) =>
      isTransfer(payload, {
        origin,
        id,
        kind: "loan",
        unit: `GOOD.${kind}`,
        from,
        to,
        amount: count,
        references,
      });
  },
  // Given away for good: the point's stock to what it gave; who received the items (a
  // household, in the keeper's words) is kept by the service off the ledger.
  async give(origin, point, id, { kind, count }) {
    const from = await stockAccount(point, kind);
    const to = await givenAccount(point, kind);
    return (payload) =>
      isTransfer(payload, {
        origin,
        id,
        kind: "give",
        unit: `GOOD.${kind}`,
        from,
        to,
        amount: count,
        references: { point },
      });
  },
  // Moved to another point's shelf: this point's stock to that one's.
  async transfer(origin, point, id, { kind, count, to_point: toPoint }) {
    const from = await stockAccount(point, kind);
    const to = await stockAccount(toPoint, kind);
    return (payload) =>
      isTransfer(payload, {
        origin,
        id,
        kind: "good_transfer",
        unit: `GOOD.${kind}`,
        from,
        to,
        amount: count,
        references: { point, to_point: toPoint },
      });
  },
  async giveBack(origin, point, id, loan, count) {
    const from = await loanAccount(loan.member_id, point, loan.kind);
    const to = await stockAccount(point, loan.kind);
    const references = { point, loan: loan.id };
    return (payload) =>
      isTransfer(payload, {
        origin,
        id,
        kind: "return",
        unit: `GOOD.${loan.kind}`,
        from,
        to,
        amount: count,
        references,
      });
  },
};

function failure(error) {
  if (error instanceof Mismatch) return t("flows.mismatch");
  // For a point, the lower bound the ledger holds is its shelf, not a balance.
  if (error instanceof ApiError && error.code === "exceeds_balance_min")
    return t("keeper.notOnShelf");
  return error instanceof ApiError ? error.describe() : t("error.generic");
}

export async function render(main, ctx, done = null) {
  const me = ctx.me.principal_id;
  const [{ kinds, nameOf }, summaries, key, log, members] = await Promise.all([
    catalogue(),
    getAll("/collection-points"),
    deviceKey(me),
    get("/log"),
    ctx.members(),
  ]);
  const kept = summaries.filter((p) => p.keepers.includes(me));
  const [points, loans] = await Promise.all([
    Promise.all(kept.map((p) => get(`/collection-points/${p.id}`))),
    Promise.all(kept.map((p) => getAll(`/collection-points/${p.id}/loans`))),
  ]);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };

  main.append(h("h1", { tabindex: "-1" }, t("keeper.title")), h("p", {}, t("keeper.intro")));
  if (done) main.append(notice(done));
  if (!key?.registered) {
    main.append(
      h(
        "p",
        { class: "notice" },
        t("keeper.noKey"),
        " ",
        h("a", { href: "#/key" }, t("home.noKeyLink")),
      ),
    );
  }
  if (points.length === 0) {
    main.append(h("p", { class: "muted" }, t("keeper.none")));
    return;
  }

  // One action of the page: check the key, sign what the service composed, say it.
  const act = (button, messages, send, text) =>
    busy(button, async () => {
      messages.replaceChildren();
      if (!key?.registered) {
        messages.append(
          notice(t("confirm.needKey"), "error"),
          h("a", { href: "#/key" }, t("nav.key")),
        );
        return;
      }
      try {
        await send();
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      announce(text());
      await rerender(text());
    });

  const kindSelect = (name) =>
    h(
      "select",
      { name, required: true },
      h("option", { value: "" }, t("record.choose")),
      kinds.map((k) => h("option", { value: k.slug }, k.name)),
    );
  const countInput = (name, value, max) =>
    h("input", {
      name,
      type: "number",
      min: 1,
      max,
      step: 1,
      value,
      required: true,
      inputmode: "numeric",
    });

  points.forEach((point, index) => {
    const open = loans[index];
    const overdue = open.filter((loan) => loan.overdue).length;
    const headingId = `keep-${point.id}`;
    const section = h(
      "section",
      { class: "point", "aria-labelledby": headingId, "data-point": point.id },
      h("h2", { id: headingId }, point.name),
      h("p", { class: "muted" }, point.neighbourhood),
      openingHours(point),
      stockTable(point, nameOf),
    );

    // Open loans, soonest due first (the overdue ones lead), each with its return.
    const loansTitle = `${headingId}-loans`;
    const loanSection = h(
      "section",
      { "aria-labelledby": loansTitle },
      h("h3", { id: loansTitle }, t("keeper.openLoans")),
      h(
        "p",
        { "data-testid": "loan-summary" },
        t("keeper.loanSummary", {
          open: formatNumber(open.length),
          overdue: formatNumber(overdue),
        }),
      ),
    );
    if (open.length > 0) {
      loanSection.append(
        h(
          "ul",
          { class: "list", "aria-labelledby": loansTitle },
          open.map((loan) => {
            const who = members.get(loan.member_id)?.display_name ?? loan.member_id.slice(0, 8);
            const messages = h("div");
            const count = countInput("count", loan.outstanding, loan.outstanding);
            const submit = h(
              "button",
              { type: "submit", class: "secondary" },
              t("keeper.returnSubmit"),
            );
            let returnId = crypto.randomUUID();
            const form = h(
              "form",
              {
                class: "inline-form",
                onsubmit: (event) => {
                  event.preventDefault();
                  const n = Number(count.value);
                  const id = returnId;
                  act(
                    submit,
                    messages,
                    async () => {
                      const expected = await expectations.giveBack(
                        log.origin,
                        point.id,
                        id,
                        loan,
                        n,
                      );
                      await signAndSend(
                        `/collection-points/${point.id}/loans/${loan.id}/returns`,
                        { id, count: n },
                        key,
                        expected,
                        point.id,
                      );
                      returnId = crypto.randomUUID();
                    },
                    () =>
                      t("keeper.returned", {
                        count: formatNumber(n),
                        kind: nameOf(loan.kind),
                        name: who,
                      }),
                  );
                },
              },
              field(t("keeper.returnCount"), count),
              h("div", { class: "actions" }, submit),
            );
            return h(
              "li",
              { class: `card${loan.overdue ? " overdue" : ""}`, "data-loan": loan.id },
              h(
                "p",
                { class: "item-title" },
                t("keeper.loanLine", {
                  count: formatNumber(loan.outstanding),
                  kind: nameOf(loan.kind),
                  name: who,
                }),
              ),
              h(
                "p",
                {},
                dueText(loan),
                loan.overdue
                  ? [" ", h("span", { class: "tag overdue" }, t("goods.overdue"))]
                  : null,
              ),
              messages,
              loan.overdue ? reminder(point, loan, who, messages) : null,
              form,
            );
          }),
        ),
      );
    }
    section.append(loanSection);

    // A loan to a member: the kind, how many, to whom and until when.
    const lendMessages = h("div");
    const lendKind = kindSelect("kind");
    const lendCount = countInput("count", 1);
    const borrower = personPicker({ label: t("keeper.borrower"), name: "member" });
    const dueDefault = new Date();
    dueDefault.setDate(dueDefault.getDate() + LOAN_DAYS);
    const dueOn = h("input", {
      name: "due_on",
      type: "date",
      required: true,
      min: isoDay(new Date()),
      value: isoDay(dueDefault),
    });
    const lendSubmit = h("button", { type: "submit" }, t("keeper.lendSubmit"));
    let loanId = crypto.randomUUID();
    const lendTitle = `${headingId}-lend`;
    const lendForm = h(
      "form",
      {
        "aria-labelledby": lendTitle,
        onsubmit: (event) => {
          event.preventDefault();
          const person = borrower.chosen();
          if (!person) {
            lendMessages.replaceChildren(notice(t("people.pick"), "error"));
            borrower.input.focus();
            return;
          }
          const body = {
            id: loanId,
            kind: lendKind.value,
            count: Number(lendCount.value),
            member_id: person.id,
            due_on: dueOn.value,
          };
          const name = personLabel(person);
          act(
            lendSubmit,
            lendMessages,
            async () => {
              const expected = await expectations.loan(log.origin, point.id, body.id, body);
              await signAndSend(
                `/collection-points/${point.id}/loans`,
                body,
                key,
                expected,
                point.id,
              );
              loanId = crypto.randomUUID();
            },
            () =>
              t("keeper.lent", { count: formatNumber(body.count), kind: nameOf(body.kind), name }),
          );
        },
      },
      field(t("goods.kind"), lendKind),
      h(
        "div",
        { class: "field-row" },
        field(t("keeper.count"), lendCount),
        field(t("keeper.dueOn"), dueOn),
      ),
      borrower.element,
      h("div", { class: "actions" }, lendSubmit),
    );
    section.append(
      h(
        "div",
        { class: "card" },
        h("h3", { id: lendTitle }, t("keeper.lend")),
        lendMessages,
        lendForm,
      ),
    );

    // Items brought to the point join its shelf.
    const depositMessages = h("div");
    const depositKind = kindSelect("kind");
    const depositCount = countInput("count", 1);
    const depositSubmit = h(
      "button",
      { type: "submit", class: "secondary" },
      t("keeper.depositSubmit"),
    );
    let depositId = crypto.randomUUID();
    const depositTitle = `${headingId}-deposit`;
    const depositForm = h(
      "form",
      {
        "aria-labelledby": depositTitle,
        onsubmit: (event) => {
          event.preventDefault();
          const body = {
            id: depositId,
            kind: depositKind.value,
            count: Number(depositCount.value),
          };
          act(
            depositSubmit,
            depositMessages,
            async () => {
              const expected = await expectations.deposit(log.origin, point.id, body.id, body);
              await signAndSend(
                `/collection-points/${point.id}/deposits`,
                body,
                key,
                expected,
                point.id,
              );
              depositId = crypto.randomUUID();
            },
            () =>
              t("keeper.deposited", { count: formatNumber(body.count), kind: nameOf(body.kind) }),
          );
        },
      },
      h(
        "div",
        { class: "field-row" },
        field(t("goods.kind"), depositKind),
        field(t("keeper.count"), depositCount),
      ),
      h("div", { class: "actions" }, depositSubmit),
    );
    section.append(
      h(
        "div",
        { class: "card" },
        h("h3", { id: depositTitle }, t("keeper.deposit")),
        h("p", { class: "muted" }, t("keeper.depositIntro")),
        depositMessages,
        depositForm,
      ),
    );
    // Items given away for good; the household is noted off the ledger.
    const giveMessages = h("div");
    const giveKind = kindSelect("kind");
    const giveCount = countInput("count", 1);
    const household = h("input", { name: "household", maxlength: 200, autocomplete: "off" });
    const giveSubmit = h(
      "button",
      { type: "submit", class: "secondary" },
      t("keeperjobs.give.submit"),
    );
    let giftId = crypto.randomUUID();
    const giveTitle = `${headingId}-give`;
    section.append(
      h(
        "div",
        { class: "card" },
        h("h3", { id: giveTitle }, t("keeperjobs.give.title")),
        h("p", { class: "muted" }, t("keeperjobs.give.intro")),
        giveMessages,
        h(
          "form",
          {
            "aria-labelledby": giveTitle,
            onsubmit: (event) => {
              event.preventDefault();
              const body = {
                id: giftId,
                kind: giveKind.value,
                count: Number(giveCount.value),
                household: household.value.trim() || null,
              };
              act(
                giveSubmit,
                giveMessages,
                async () => {
                  const expected = await expectations.give(log.origin, point.id, body.id, body);
                  await signAndSend(
                    `/collection-points/${point.id}/gifts`,
                    body,
                    key,
                    expected,
                    point.id,
                  );
                  giftId = crypto.randomUUID();
                },
                () =>
                  t("keeperjobs.give.done", {
                    count: formatNumber(body.count),
                    kind: nameOf(body.kind),
                  }),
              );
            },
          },
          h(
            "div",
            { class: "field-row" },
            field(t("goods.kind"), giveKind),
            field(t("keeper.count"), giveCount),
          ),
          field(t("keeperjobs.give.household"), household, t("keeperjobs.give.householdHint")),
          h("div", { class: "actions" }, giveSubmit),
        ),
      ),
    );

    // Items moved to another point's shelf.
    const others = summaries.filter((p) => p.id !== point.id);
    if (others.length > 0) {
      const moveMessages = h("div");
      const moveKind = kindSelect("kind");
      const moveCount = countInput("count", 1);
      const toPoint = h(
        "select",
        { name: "to_point", required: true },
        h("option", { value: "" }, t("record.choose")),
        others.map((p) => h("option", { value: p.id }, p.name)),
      );
      const moveSubmit = h(
        "button",
        { type: "submit", class: "secondary" },
        t("keeperjobs.move.submit"),
      );
      let moveId = crypto.randomUUID();
      const moveTitle = `${headingId}-move`;
      section.append(
        h(
          "div",
          { class: "card" },
          h("h3", { id: moveTitle }, t("keeperjobs.move.title")),
          moveMessages,
          h(
            "form",
            {
              "aria-labelledby": moveTitle,
              onsubmit: (event) => {
                event.preventDefault();
                const body = {
                  id: moveId,
                  kind: moveKind.value,
                  count: Number(moveCount.value),
                  to_point: toPoint.value,
                };
                const where = others.find((p) => p.id === body.to_point)?.name ?? "";
                act(
                  moveSubmit,
                  moveMessages,
                  async () => {
                    const expected = await expectations.transfer(
                      log.origin,
                      point.id,
                      body.id,
                      body,
                    );
                    await signAndSend(
                      `/collection-points/${point.id}/transfers`,
                      body,
                      key,
                      expected,
                      point.id,
                    );
                    moveId = crypto.randomUUID();
                  },
                  () =>
                    t("keeperjobs.move.done", {
                      count: formatNumber(body.count),
                      kind: nameOf(body.kind),
                      point: where,
                    }),
                );
              },
            },
            h(
              "div",
              { class: "field-row" },
              field(t("goods.kind"), moveKind),
              field(t("keeper.count"), moveCount),
            ),
            field(t("keeperjobs.move.to"), toPoint),
            h("div", { class: "actions" }, moveSubmit),
          ),
        ),
      );
    }

    section.append(hoursCard(point, headingId, rerender));
    main.append(section);
  });
}

// A reminder to the borrower of an overdue loan: a notification, e-mailed as the others;
// one a day per loan (a second press the same day says it was already sent).
function reminder(point, loan, who, messages) {
  const button = h("button", { type: "button", class: "secondary" }, t("keeperjobs.remind.submit"));
  button.addEventListener("click", () =>
    busy(button, async () => {
      messages.replaceChildren();
      let answer;
      try {
        answer = await post(`/collection-points/${point.id}/loans/${loan.id}/reminders`);
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      const text = answer.sent
        ? t("keeperjobs.remind.sent", { name: who })
        : t("keeperjobs.remind.already", { name: who });
      announce(text);
      messages.append(h("div", { "data-testid": "reminded" }, notice(text)));
    }),
  );
  return h("div", { class: "actions" }, button);
}

// The point's opening hours, in the keeper's words, shown to residents on their page.
function hoursCard(point, headingId, rerender) {
  const messages = h("div");
  const text = h("textarea", { name: "opening_hours", rows: 3, maxlength: 500 });
  text.value = point.opening_hours ?? "";
  const submit = h("button", { type: "submit", class: "secondary" }, t("keeperjobs.hours.submit"));
  const title = `${headingId}-hours`;
  return h(
    "div",
    { class: "card" },
    h("h3", { id: title }, t("keeperjobs.hours.title")),
    messages,
    h(
      "form",
      {
        "aria-labelledby": title,
        onsubmit: (event) => {
          event.preventDefault();
          busy(submit, async () => {
            messages.replaceChildren();
            try {
              await call("PUT", `/collection-points/${point.id}/opening-hours`, {
                opening_hours: text.value,
              });
            } catch (error) {
              messages.append(notice(failure(error), "error"));
              return;
            }
            const done = text.value.trim()
              ? t("keeperjobs.hours.saved")
              : t("keeperjobs.hours.cleared");
            announce(done);
            await rerender(done);
          });
        },
      },
      field(t("keeperjobs.hours.label"), text, t("keeperjobs.hours.hint")),
      h("div", { class: "actions" }, submit),
    ),
  );
}
