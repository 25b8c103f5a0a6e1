// The coordinator's ledger page: a mistaken transaction reversed by a correction signed
// in this page, and an exchange confirmed on behalf of a resident without a device by a
// custodial signature of the coordinator's own key, which the log then shows as such.

import { ApiError, get, post, query } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDate, formatDuration, formatNumber, label, t } from "../i18n.js";
import { base64, capacityOf, deviceKey, signTransaction } from "../keys.js";
import { matches } from "./confirm.js";
import {
  activeMembers,
  failure,
  isCoordinator,
  nameIn,
  notCoordinator,
  raw,
} from "./coordinator.js";
import { operatorKey } from "./coordinator_key.js";

const SALT_BYTES = 16;

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

// The correction the service records for `original` (mutual.usecases.transactions
// .reversal_of): its postings negated in their order, no references, the memo only as
// its salted digest. Composed here from what the page shows, so the signature covers
// that and nothing else: a service that would record anything different could not use it.
export async function correctionPayload(origin, id, original, memo, salt) {
  let digest = null;
  if (memo) {
    const text = new TextEncoder().encode(memo);
    const input = new Uint8Array(salt.length + text.length);
    input.set(salt);
    input.set(text, salt.length);
    digest = base64(await sha256(input));
  }
  return {
    log: origin,
    id,
    kind: "correction",
    postings: original.postings.map((p) => ({
      account_id: p.account_id,
      unit: p.unit,
      amount: -p.amount,
    })),
    memo_sha256: digest,
    references: {},
    reverses: original.id,
  };
}

// True when `payload` undoes exactly the postings shown, and does nothing else.
export function undoes(payload, shown, origin) {
  if (payload.log !== origin || payload.kind !== "correction" || payload.reverses !== shown.id)
    return false;
  if (
    Object.keys(payload.references).length !== 0 ||
    payload.postings.length !== shown.postings.length
  )
    return false;
  return payload.postings.every((p, i) => {
    const o = shown.postings[i];
    return (
      Object.keys(p).length === 3 &&
      p.account_id === o.account_id &&
      p.unit === o.unit &&
      p.amount === -o.amount
    );
  });
}

// What the page can learn of a transaction: the ledger's record where the coordinator
// may read it, else the exchange's proposal (coordinators read every proposal, and an
// exchange's transaction has the proposal's id and the postings it was signed with).
async function findTransaction(id) {
  try {
    const tx = await get(`/transactions/${id}`);
    return {
      id: tx.id,
      kind: tx.kind,
      postings: tx.postings,
      recordedAt: tx.recorded_at,
      reversedBy: tx.reversed_by,
      memo: tx.memo,
    };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }
  let proposal;
  try {
    proposal = await get(`/proposals/${id}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
  if (proposal.status !== "confirmed") return { notRecorded: proposal.status };
  return {
    id: proposal.id,
    kind: "exchange",
    postings: proposal.signing_payload.postings,
    recordedAt: null,
    reversedBy: null,
    memo: proposal.memo,
  };
}

function amountText(posting) {
  if (posting.unit === "TIME" || posting.unit === "PLEDGE") return formatDuration(posting.amount);
  if (posting.unit === "EUR")
    return new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-GB" : "fr-FR", {
      style: "currency",
      currency: "EUR",
    }).format(posting.amount / 100);
  return `${formatNumber(posting.amount)} ${posting.unit}`;
}

function postingsTable(caption, postings, owners, testid) {
  return h(
    "table",
    { "data-testid": testid },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("coord.account")),
        h("th", { scope: "col", class: "number" }, t("coord.movement")),
      ),
    ),
    h(
      "tbody",
      {},
      postings.map((p) =>
        h(
          "tr",
          {},
          h(
            "th",
            { scope: "row" },
            owners.get(p.account_id) ?? t("coord.otherAccount", { id: p.account_id.slice(0, 8) }),
          ),
          h("td", { class: "number" }, amountText(p)),
        ),
      ),
    ),
  );
}

function correctionFailure(error) {
  if (error instanceof ApiError && error.code === "signature_required")
    return t("coord.needOperatorKey");
  if (error instanceof ApiError && error.code === "already_reversed")
    return t("coord.alreadyReversed");
  return failure(error);
}

function correctionSection(ctx, { key, capacity, origin, owners, confirmed, rerender }) {
  const section = h(
    "section",
    { "aria-labelledby": "coord-corrections" },
    h("h2", { id: "coord-corrections" }, t("coord.corrections")),
    h("p", {}, t("coord.correctionsIntro")),
  );
  if (capacity !== "operator")
    section.append(
      h(
        "p",
        { class: "notice warning" },
        t("coordjobs.correction.key"),
        " ",
        h("a", { href: "#/coordinator/pool" }, t("coordjobs.nav")),
      ),
    );
  const found = h("div", { "data-testid": "correction" });
  const lookupMessages = h("div");
  const idInput = h("input", {
    name: "tx_id",
    required: true,
    pattern: "[0-9a-fA-F-]{36}",
    autocomplete: "off",
    spellcheck: "false",
  });
  const lookup = h("button", { type: "submit", class: "secondary" }, t("coord.find"));

  const show = async (id) => {
    lookupMessages.replaceChildren();
    found.replaceChildren();
    let tx;
    try {
      tx = await findTransaction(id);
    } catch (error) {
      lookupMessages.append(notice(failure(error), "error"));
      return;
    }
    if (tx === null) return lookupMessages.append(notice(t("coord.notFound"), "error"));
    if (tx.notRecorded)
      return lookupMessages.append(
        notice(t("coord.notRecorded", { status: label("status", tx.notRecorded) }), "error"),
      );
    const titleId = `tx-${tx.id}`;
    const messages = h("div");
    const reason = h("input", { name: "reason", required: true, maxlength: 500 });
    const submit = h("button", { type: "submit", class: "danger" }, t("coord.reverseSubmit"));
    let reversalId = crypto.randomUUID();
    const form = h(
      "form",
      {
        "aria-labelledby": titleId,
        onsubmit: (event) => {
          event.preventDefault();
          busy(submit, async () => {
            messages.replaceChildren();
            if (!key?.registered)
              return messages.append(
                notice(t("confirm.needKey"), "error"),
                h("a", { href: "#/key" }, t("nav.key")),
              );
            const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
            const id = reversalId;
            const payload = await correctionPayload(origin, id, tx, reason.value, salt);
            if (!undoes(payload, tx, origin))
              return messages.append(notice(t("flows.mismatch"), "error"));
            let recorded;
            try {
              const signature = await signTransaction(key, payload);
              const body = {
                id,
                memo: reason.value,
                memo_salt: base64(salt),
                signatures: [signature],
              };
              const answer = await raw("POST", `/transactions/${tx.id}/reversal`, {
                body,
                headers: { "Idempotency-Key": id },
              });
              recorded = await answer.json();
            } catch (error) {
              return messages.append(notice(correctionFailure(error), "error"));
            }
            reversalId = crypto.randomUUID();
            const text = t("coord.reversed", {
              id: tx.id.slice(0, 8),
              index: formatNumber(recorded.log_index),
            });
            announce(text);
            await rerender(
              h(
                "div",
                { class: "notice", "data-testid": "reversed" },
                h("p", {}, text),
                postingsTable(
                  t("coord.correctionRecorded"),
                  recorded.postings,
                  owners,
                  "recorded-postings",
                ),
              ),
            );
            return undefined;
          });
        },
      },
      field(t("coord.reason"), reason, t("coord.reasonHint")),
      h("div", { class: "actions" }, submit),
    );
    found.append(
      h(
        "div",
        { class: "card", "data-transaction": tx.id },
        h(
          "h3",
          { id: titleId, class: "item-title" },
          t("coord.transaction", { kind: label("kind", tx.kind), id: tx.id.slice(0, 8) }),
        ),
        tx.recordedAt
          ? h("p", { class: "muted" }, t("coord.recordedAt", { date: formatDate(tx.recordedAt) }))
          : null,
        tx.memo ? h("p", {}, tx.memo) : null,
        postingsTable(t("coord.original"), tx.postings, owners, "original-postings"),
        tx.reversedBy
          ? notice(t("coord.alreadyReversed"), "warning")
          : [
              postingsTable(
                t("coord.correctionPreview"),
                tx.postings.map((p) => ({ ...p, amount: -p.amount })),
                owners,
                "correction-postings",
              ),
              messages,
              form,
            ],
      ),
    );
    found.querySelector("h3").tabIndex = -1;
    found.querySelector("h3").focus();
    return undefined;
  };

  section.append(
    h(
      "form",
      {
        "aria-labelledby": "coord-find",
        onsubmit: (event) => {
          event.preventDefault();
          busy(lookup, () => show(idInput.value.trim().toLowerCase()));
        },
      },
      h("h3", { id: "coord-find" }, t("coord.findTitle")),
      field(t("coord.txId"), idInput, t("coord.txIdHint")),
      h("div", { class: "actions" }, lookup),
    ),
    lookupMessages,
    found,
  );
  if (confirmed.length > 0) {
    section.append(
      h("h3", { id: "coord-recent" }, t("coord.recentExchanges")),
      h(
        "ul",
        { class: "list", "aria-labelledby": "coord-recent" },
        confirmed.map((p) => {
          const open = h("button", { type: "button", class: "secondary" }, t("coord.correctThis"));
          open.addEventListener("click", () => busy(open, () => show(p.id)));
          return h(
            "li",
            { class: "card", "data-proposal": p.id },
            h(
              "p",
              { class: "item-title" },
              t("coord.exchangeLine", {
                provider: ctx.names(p.provider),
                receiver: ctx.names(p.receiver),
                duration: formatDuration(p.minutes),
              }),
            ),
            p.memo ? h("p", { class: "muted" }, p.memo) : null,
            h("p", { class: "muted" }, h("code", { class: "key-id" }, p.id)),
            h("div", { class: "actions" }, open),
          );
        }),
      ),
    );
  }
  return section;
}

// The signature the log holds for `txId` made on `behalfOf`'s behalf, if any: what the
// page shows after a custodial confirmation is what the log recorded, not its own memory.
async function custodialSignature(txId, behalfOf) {
  const { tree_size: size } = await get("/log");
  const proof = await get(`/log/proofs/inclusion${query({ id: txId, tree_size: size })}`);
  return (proof.entry.signatures ?? []).find((s) => s.on_behalf_of === behalfOf) ?? null;
}

function custodialSection(ctx, { key, origin, members, withoutDevice, rerender }) {
  const section = h(
    "section",
    { "aria-labelledby": "coord-custodial" },
    h("h2", { id: "coord-custodial" }, t("coord.custodial")),
    h("p", {}, t("coord.custodialIntro")),
  );
  if (withoutDevice.length === 0) {
    section.append(h("p", { class: "muted" }, t("coord.noCustodial")));
    return section;
  }
  section.append(
    h(
      "ul",
      { class: "list", "aria-labelledby": "coord-custodial" },
      withoutDevice.map((proposal) => {
        const receiver = nameIn(members, proposal.receiver);
        const messages = h("div");
        const button = h("button", { type: "button" }, t("coord.confirmFor", { name: receiver }));
        button.addEventListener("click", () =>
          busy(button, async () => {
            messages.replaceChildren();
            if (!key?.registered)
              return messages.append(
                notice(t("confirm.needKey"), "error"),
                h("a", { href: "#/key" }, t("nav.key")),
              );
            const account = members.get(proposal.receiver)?.account_id;
            if (!account || !matches(proposal.signing_payload, proposal, account, origin))
              return messages.append(notice(t("confirm.mismatch"), "error"));
            let signed;
            try {
              const signature = await signTransaction(key, proposal.signing_payload);
              signature.on_behalf_of = proposal.receiver;
              await post(`/proposals/${proposal.id}/confirm`, { signatures: [signature] });
              signed = await custodialSignature(proposal.id, proposal.receiver);
            } catch (error) {
              return messages.append(
                notice(
                  error instanceof ApiError && error.code === "not_custodian"
                    ? t("coord.notCustodian", { name: receiver })
                    : failure(error),
                  "error",
                ),
              );
            }
            const text = t("coord.custodialDone", {
              name: receiver,
              duration: formatDuration(proposal.minutes),
            });
            announce(text);
            await rerender(
              h(
                "div",
                { class: "notice custodial", "data-testid": "custodial-done" },
                h(
                  "p",
                  {},
                  h("span", { class: "tag custodial" }, t("coord.custodialTag")),
                  " ",
                  text,
                ),
                signed
                  ? h(
                      "p",
                      {},
                      t("coord.custodialLogged", {
                        name: receiver,
                        key: signed.key_id.slice(0, 16),
                      }),
                    )
                  : h("p", { class: "notice error", role: "alert" }, t("coord.custodialMissing")),
              ),
            );
            return undefined;
          }),
        );
        return h(
          "li",
          { class: "card", "data-proposal": proposal.id },
          h(
            "p",
            { class: "item-title" },
            t("coord.exchangeLine", {
              provider: nameIn(members, proposal.provider),
              receiver,
              duration: formatDuration(proposal.minutes),
            }),
          ),
          h("p", {}, h("span", { class: "tag" }, t("coord.noDevice", { name: receiver }))),
          proposal.memo ? h("p", { class: "muted" }, proposal.memo) : null,
          messages,
          h("div", { class: "actions" }, button),
        );
      }),
    ),
  );
  return section;
}

// Whether a member signs with a device of their own: any member key still valid.
async function hasDevice(principalId) {
  const keys = await get(`/keys${query({ principal_id: principalId })}`);
  return keys.items.some((k) => k.revoked_at === null && k.capacity === "member");
}

export async function render(main, ctx, done = null) {
  if (!isCoordinator(ctx)) return notCoordinator(main);
  const me = ctx.me.principal_id;
  const [members, key, operator, log, pending, confirmed] = await Promise.all([
    activeMembers(),
    deviceKey(me),
    operatorKey(me),
    get("/log"),
    get(`/proposals${query({ status: "pending", limit: 100 })}`),
    get(`/proposals${query({ status: "confirmed", limit: 20 })}`),
  ]);
  const capacity = await capacityOf(key).catch(() => null);
  // Corrections are signed with the coordinator's operator key once an operator has
  // registered it; an operator's own device key is one already.
  const signer = operator?.registered ? operator : key;
  const signerCapacity = operator?.registered ? "operator" : capacity;
  const owners = new Map(
    [...members.values()]
      .filter((m) => m.account_id)
      .map((m) => [m.account_id, m.display_name ?? m.id.slice(0, 8)]),
  );
  const devices = await Promise.all(pending.items.map((p) => hasDevice(p.receiver)));
  const withoutDevice = pending.items.filter((_, i) => !devices[i]);
  const view = { ...ctx, names: (id) => nameIn(members, id) };
  const rerender = async (shown) => {
    main.replaceChildren();
    await render(main, ctx, shown);
    main.querySelector("h1").focus();
  };
  main.append(
    h("h1", { tabindex: "-1" }, t("coord.ledgerTitle")),
    h("p", {}, t("coord.ledgerIntro")),
  );
  if (done) main.append(done);
  main.append(
    h(
      "p",
      { class: "muted", "data-testid": "device-capacity" },
      key?.registered
        ? t("coord.keyCapacity", {
            key: key.key_id.slice(0, 16),
            capacity: label("coord.capacity", capacity ?? "unknown"),
          })
        : t("coord.noKey"),
    ),
  );
  main.append(
    correctionSection(view, {
      key: signer,
      capacity: signerCapacity,
      origin: log.origin,
      owners,
      confirmed: confirmed.items,
      rerender,
    }),
    custodialSection(view, { key, origin: log.origin, members, withoutDevice, rerender }),
  );
  return undefined;
}
