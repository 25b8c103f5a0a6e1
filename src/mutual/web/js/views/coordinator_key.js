// A coordinator's operator key: corrections, allocations of pledged hours, grants and
// repayments are signed with a key of operator capacity. Only an operator may have the
// service vouch for such a key, and only the key itself can sign its own registration
// (proof of possession), so the key is made here, non-extractable, signs its
// registration, and the service keeps that signed registration until an operator
// registers it (POST /operator-key-requests; the operator's page registers it).

import { ApiError, get, post, query } from "../api.js";
import { DOMAIN } from "../canonical.js";
import { announce, busy, h, notice } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { base64, keepKey, newKeyPair, sign, storedKey } from "../keys.js";

// The slot beside the device's member key (which lives under the principal's id).
const slot = (principalId) => `operator/${principalId}`;

// The registration the new key signs: the coordinator's own operator key, asked by them
// (mutual.usecases.operator_keys.registration), as the custody rules' version 2.
function registration(record) {
  return {
    id: record.event_id,
    action: "register",
    principal: record.owner,
    by: record.owner,
    public_key: record.public_key,
    capacity: "operator",
    version: 2,
  };
}

async function ask(record) {
  const { origin } = await get("/log");
  const signature = await sign(record.private_key, DOMAIN.keyEvent, {
    log: origin,
    ...registration(record),
  });
  return post("/operator-key-requests", {
    id: record.event_id,
    public_key: record.public_key,
    signature,
  });
}

// This browser's operator key for the coordinator, with `registered` read afresh from
// the service (an operator registers it elsewhere), or null when none was made here.
export async function operatorKey(principalId) {
  const record = await storedKey(slot(principalId));
  if (!record) return null;
  if (record.registered) return record;
  const mine = await get(`/operator-key-requests${query({ limit: 100 })}`);
  const request = mine.items.find((r) => r.key_id === record.key_id) ?? null;
  if (request?.status === "registered") return keepKey({ ...record, registered: true });
  return { ...record, request };
}

async function makeAndAsk(principalId) {
  const { pair, publicRaw, keyId } = await newKeyPair();
  // Kept before it is sent: a lost answer is asked again with the same event.
  const record = await keepKey({
    principal_id: slot(principalId),
    owner: principalId,
    key_id: keyId,
    public_key: base64(publicRaw),
    private_key: pair.privateKey,
    capacity: "operator",
    event_id: crypto.randomUUID(),
    registered: false,
    created_at: new Date().toISOString(),
  });
  await ask(record);
  return record;
}

function failure(error) {
  return error instanceof ApiError ? error.describe() : t("error.generic");
}

// The section that makes the key and says where it stands; `rerender` redraws the view.
export function operatorKeySection(principalId, key, rerender) {
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "operator-key-title", "data-testid": "operator-key" },
    h("h2", { id: "operator-key-title" }, t("coordjobs.key.title")),
  );
  const messages = h("div");
  const act = (button, work, done) =>
    busy(button, async () => {
      messages.replaceChildren();
      try {
        await work();
      } catch (error) {
        messages.append(notice(failure(error), "error"));
        return;
      }
      announce(done);
      await rerender(done);
    });
  if (!key) {
    const make = h("button", { type: "button" }, t("coordjobs.key.make"));
    make.addEventListener("click", () =>
      act(make, () => makeAndAsk(principalId), t("coordjobs.key.asked")),
    );
    section.append(
      h("p", {}, t("coordjobs.key.why")),
      messages,
      h("div", { class: "actions" }, make),
    );
    return section;
  }
  const fingerprint = h(
    "code",
    { class: "key-id", "data-key-id": key.key_id },
    key.key_id.slice(0, 16),
  );
  if (key.registered) {
    section.append(
      h(
        "p",
        { "data-testid": "operator-key-state" },
        t("coordjobs.key.registered"),
        " ",
        fingerprint,
      ),
    );
    return section;
  }
  section.append(
    h("p", { "data-testid": "operator-key-state" }, t("coordjobs.key.pending"), " ", fingerprint),
  );
  if (key.request)
    section.append(
      h(
        "p",
        { class: "muted" },
        t("coordjobs.key.askedOn", { date: formatDate(key.request.asked_at) }),
      ),
    );
  else {
    // Made here but the request never reached the service: asked again, same event.
    const again = h("button", { type: "button", class: "secondary" }, t("coordjobs.key.askAgain"));
    again.addEventListener("click", () => act(again, () => ask(key), t("coordjobs.key.asked")));
    section.append(messages, h("div", { class: "actions" }, again));
  }
  return section;
}
