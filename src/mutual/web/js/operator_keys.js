// A coordinator's operator key (it signs corrections, allocations, a recovery's request):
// made on the coordinator's own device, non-extractable, and registered by an operator,
// since only the log key vouches for an operator key. The coordinator's page makes the key
// and signs its registration, naming the coordinator as the one who asks (`by`); the
// request travels as a code the coordinator copies to an operator, whose page shows who
// asks for which key before sending it (the service then adds the log key's signature and
// tells the coordinator, as for any key registered for them).

import { post } from "./api.js";
import { DOMAIN } from "./canonical.js";
import { base64, keepKey, newKeyPair, sign, storedKey } from "./keys.js";

const VERSION = 2;

// Where this browser keeps a coordinator's operator key: a slot of its own, beside the
// member key kept under the principal's id.
export const operatorSlot = (principalId) => `operator-key:${principalId}`;

export const operatorKey = (principalId) => storedKey(operatorSlot(principalId));

function registration(id, principalId, publicKey) {
  return {
    id,
    action: "register",
    principal: principalId,
    by: principalId,
    public_key: publicKey,
    capacity: "operator",
    version: VERSION,
  };
}

const toCode = (object) =>
  btoa(JSON.stringify(object)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

// The coordinator's side: a new key kept here, and the code of its signed request.
export async function requestOperatorKey(principalId, origin) {
  const { pair, publicRaw, keyId } = await newKeyPair();
  const record = await keepKey({
    principal_id: operatorSlot(principalId),
    holder: principalId,
    key_id: keyId,
    public_key: base64(publicRaw),
    private_key: pair.privateKey,
    capacity: "operator",
    event_id: crypto.randomUUID(),
    registered: false,
  });
  const event = registration(record.event_id, principalId, record.public_key);
  const signature = await sign(record.private_key, DOMAIN.keyEvent, { log: origin, ...event });
  return toCode({ id: event.id, principal: principalId, public_key: event.public_key, signature });
}

async function keyIdOf(publicKey) {
  const raw = Uint8Array.from(atob(publicKey), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The operator's side: the request read from its code (null when it cannot be), with the
// id of the key it asks for.
export async function readOperatorKeyRequest(code) {
  try {
    const text = code.trim().replace(/-/g, "+").replace(/_/g, "/");
    const request = JSON.parse(atob(text + "=".repeat((4 - (text.length % 4)) % 4)));
    const fields = ["id", "principal", "public_key", "signature"];
    if (!fields.every((f) => typeof request[f] === "string")) return null;
    if (!UUID.test(request.id) || !UUID.test(request.principal)) return null;
    if (atob(request.public_key).length !== 32) return null;
    return { ...request, key_id: await keyIdOf(request.public_key) };
  } catch {
    return null;
  }
}

export async function registerOperatorKey(request) {
  const event = registration(request.id, request.principal, request.public_key);
  return post("/key-events", {
    ...event,
    signatures: [{ key_id: request.key_id, signature: request.signature }],
  });
}
