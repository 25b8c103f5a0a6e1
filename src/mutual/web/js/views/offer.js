// One offer or request (#/offer?id=…). Someone else's: its author's contact details as
// far as they show them to members, a message to them kept in the service, and, for a
// request, the way to record the exchange once the service is given. One's own: renew,
// close, edit, and the messages received, each with the way to record the exchange with
// its sender when the listing is an offer.

import { ApiError, get, getAll, post, query } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDate, formatDay, formatDuration, has, label, t } from "../i18n.js";
import { personLabel } from "../person_picker.js";

const idFromAddress = () => new URLSearchParams(location.hash.split("?")[1] ?? "").get("id");

const describe = (error) => (error instanceof ApiError ? error.describe() : t("error.generic"));

const member = (id) => get(`/members/${id}`).catch(() => null);

function status(offer) {
  if (offer.closed_at) return t("offer.closed", { date: formatDay(offer.closed_at) });
  if (new Date(offer.expires_at) <= new Date())
    return t("offer.expired", { date: formatDay(offer.expires_at) });
  return t("offer.expires", { date: formatDay(offer.expires_at) });
}

const isOpen = (offer) => !offer.closed_at && new Date(offer.expires_at) > new Date();

// The contact details the service lets the reader see (it filters them by visibility).
function contactList(person) {
  const shown = Object.entries(person?.contact ?? {});
  if (shown.length === 0) return null;
  return h(
    "ul",
    { class: "plain" },
    shown.map(([kind, item]) =>
      h(
        "li",
        {},
        `${has(`offer.contact.${kind}`) ? t(`offer.contact.${kind}`) : kind} : `,
        kind === "email"
          ? h("a", { href: `mailto:${item.value}` }, item.value)
          : kind === "phone"
            ? h("a", { href: `tel:${item.value.replace(/\s/g, "")}` }, item.value)
            : item.value,
      ),
    ),
  );
}

function messageItem(message, senderName, extra = null) {
  return h(
    "li",
    { class: "card" },
    h(
      "p",
      { class: "muted" },
      t("offer.from", { name: senderName, date: formatDate(message.created_at) }),
    ),
    h("p", { class: "message-text" }, message.text),
    extra,
  );
}

// A message about the offer to ``person``: its author, or, from its author, one who
// wrote to them (``to``). What is sent joins ``list``.
function answerForm(offer, person, list, { to = null, labelKey, submitKey }) {
  const name = person?.display_name ?? "?";
  const text = h("textarea", { name: "text", maxlength: 2000, rows: 4, required: true });
  const submit = h("button", { type: "submit" }, t(submitKey, { name }));
  const messages = h("div");
  // One id per message being written: pressing twice, or again after a lost answer,
  // sends it once.
  let messageId = crypto.randomUUID();
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        let sent;
        try {
          sent = await busy(submit, () =>
            post(`/offers/${offer.id}/messages`, { id: messageId, text: text.value, to }),
          );
        } catch (error) {
          messages.append(notice(describe(error), "error"));
          return;
        }
        const done = t("offer.sent", { name });
        messages.append(notice(done));
        announce(done);
        list.append(messageItem(sent, t("offer.you")));
        list.hidden = false;
        messageId = crypto.randomUUID();
        form.reset();
      },
    },
    field(t(labelKey, { name }), text, to ? null : t("offer.messageHint")),
    h("div", { class: "actions" }, submit),
  );
  return [messages, form];
}

async function othersView(main, offer, author, ctx) {
  const name = author?.display_name ?? "?";
  const sent = await getAll(`/offers/${offer.id}/messages${query({ limit: 100 })}`);
  const me = ctx.me.principal_id;
  const mineList = h(
    "ul",
    { class: "list", "aria-label": t("offer.yourMessages") },
    sent.map((m) => messageItem(m, m.sender_id === me ? t("offer.you") : name)),
  );
  mineList.hidden = sent.length === 0;
  const contact = contactList(author);
  const sections = [
    h(
      "section",
      { class: "card", "aria-labelledby": "offer-contact" },
      h("h2", { id: "offer-contact" }, t("offer.contactTitle", { name })),
      contact ?? h("p", { class: "muted" }, t("offer.noContact", { name })),
      isOpen(offer)
        ? answerForm(offer, author, mineList, {
            labelKey: "offer.message",
            submitKey: "offer.send",
          })
        : null,
      mineList,
    ),
  ];
  if (offer.direction === "request") {
    sections.push(
      h(
        "section",
        { class: "card", "aria-labelledby": "offer-record" },
        h("h2", { id: "offer-record" }, t("offer.recordTitle")),
        h("p", {}, t("offer.recordRequest", { name })),
        h(
          "p",
          {},
          h(
            "a",
            { href: `#/record${query({ member: offer.member_id, offer: offer.id })}` },
            t("offer.record", { name }),
          ),
        ),
      ),
    );
  } else {
    sections.push(h("p", { class: "muted" }, t("offer.recordOffer", { name })));
  }
  main.append(...sections);
  return ctx;
}

async function ownView(main, offer, ctx, rerender) {
  const messages = h("div");
  const act = (button, path, doneKey) =>
    busy(button, async () => {
      messages.replaceChildren();
      let changed;
      try {
        changed = await post(`/offers/${offer.id}/${path}`);
      } catch (error) {
        messages.append(notice(describe(error), "error"));
        return;
      }
      const done = t(doneKey, { date: formatDay(changed.expires_at) });
      const shown = await rerender();
      announce(done);
      shown.querySelector("[data-offer-messages]")?.append(notice(done));
    });
  const renew = h("button", { type: "button", class: "secondary" }, t("offer.renew"));
  renew.addEventListener("click", () => act(renew, "renew", "offer.renewed"));
  const close = h("button", { type: "button", class: "secondary" }, t("offer.close"));
  close.addEventListener("click", () => {
    messages.replaceChildren();
    const yes = h("button", { type: "button" }, t("offer.closeYes"));
    const no = h("button", { type: "button", class: "secondary" }, t("offer.closeNo"));
    const box = h(
      "div",
      { class: "notice", role: "alertdialog", "aria-label": t("offer.close") },
      h("p", {}, t("offer.closeConfirm", { title: offer.title })),
      h("div", { class: "actions" }, yes, no),
    );
    yes.addEventListener("click", () => act(yes, "close", "offer.closedDone"));
    no.addEventListener("click", () => {
      box.remove();
      close.focus();
    });
    messages.append(box);
    yes.focus();
  });
  const closed = Boolean(offer.closed_at);
  main.append(
    h(
      "section",
      { class: "card", "aria-labelledby": "offer-manage" },
      h("h2", { id: "offer-manage" }, t("offer.manage")),
      h("div", { "data-offer-messages": "" }, messages),
      closed
        ? null
        : h(
            "div",
            { class: "actions" },
            h(
              "a",
              { class: "button secondary", href: `#/offer/edit${query({ id: offer.id })}` },
              t("offer.edit"),
            ),
            renew,
            close,
          ),
    ),
  );

  // One conversation per member who wrote: their messages and the author's answers,
  // their contact, an answer, and (for an offer) the exchange with them.
  const me = ctx.me.principal_id;
  const all = await getAll(`/offers/${offer.id}/messages${query({ limit: 100 })}`);
  const partyOf = (m) => (m.sender_id === me ? m.recipient_id : m.sender_id);
  const parties = [...new Set(all.map(partyOf))];
  const people = new Map(await Promise.all(parties.map(async (id) => [id, await member(id)])));
  const conversations = parties.map((id) => {
    const person = people.get(id);
    const label = person ? personLabel(person) : t("people.former");
    const list = h(
      "ul",
      { class: "list", "aria-label": t("offer.conversation", { name: label }) },
      all
        .filter((m) => partyOf(m) === id)
        .map((m) => messageItem(m, m.sender_id === me ? t("offer.you") : label)),
    );
    const active = person?.status === "active";
    return h(
      "li",
      { class: "card" },
      h("h3", {}, label),
      contactList(person),
      list,
      active && isOpen(offer)
        ? answerForm(offer, person, list, {
            to: id,
            labelKey: "offer.reply",
            submitKey: "offer.replySend",
          })
        : null,
      offer.direction === "offer" && active
        ? h(
            "p",
            {},
            h(
              "a",
              { href: `#/record${query({ member: id, offer: offer.id })}` },
              t("offer.recordWith", { name: person.display_name }),
            ),
          )
        : null,
    );
  });
  main.append(
    h(
      "section",
      { "aria-labelledby": "offer-received" },
      h("h2", { id: "offer-received" }, t("offer.received")),
      conversations.length
        ? h("ul", { class: "list", "aria-label": t("offer.received") }, conversations)
        : h("p", { class: "muted" }, t("offer.receivedNone")),
    ),
  );
  return ctx;
}

// ``root`` is the view's element in the page: a renewal or a closing draws the view
// again into a new element and moves it there.
export async function render(main, ctx, root = main) {
  const offer = await get(`/offers/${idFromAddress()}`);
  const mine = offer.member_id === ctx.me.principal_id;
  const author = mine ? ctx.member : await member(offer.member_id);
  main.append(
    h("p", {}, h("a", { href: "#/offers" }, t("offer.back"))),
    h("h1", {}, h("span", { class: "tag" }, t(`offers.tag.${offer.direction}`)), " ", offer.title),
    offer.description ? h("p", { class: "message-text" }, offer.description) : null,
    h(
      "p",
      { class: "muted" },
      t("offer.by", { name: author ? personLabel(author) : t("people.former") }),
      " · ",
      t("offers.category", { category: label("category", offer.category) }),
      offer.estimated_minutes
        ? ` · ${t("offers.estimate", { duration: formatDuration(offer.estimated_minutes) })}`
        : "",
      offer.neighbourhood && offer.neighbourhood !== author?.neighbourhood
        ? ` · ${offer.neighbourhood}`
        : "",
    ),
    h("p", { class: "muted", "data-testid": "offer-status" }, status(offer)),
  );
  const rerender = async () => {
    const fresh = document.createElement("div");
    await render(fresh, ctx, root);
    root.replaceChildren(...fresh.childNodes);
    return root;
  };
  if (mine) await ownView(main, offer, ctx, rerender);
  else await othersView(main, offer, author, ctx);
}
