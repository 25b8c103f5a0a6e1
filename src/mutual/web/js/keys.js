// The resident's signing key: Ed25519, made by WebCrypto in this browser and marked
// non-extractable, so not even this page's own script can read the private half. The
// CryptoKey objects survive structured cloning, which is how IndexedDB keeps them.

import { get, post } from "./api.js";
import { DOMAIN, signedMessage } from "./canonical.js";

const DB_NAME = "mutual";
const STORE = "keys";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function store(mode) {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "principal_id" });
  const db = await request(open);
  return db.transaction(STORE, mode).objectStore(STORE);
}

export async function deviceKey(principalId) {
  return (await request((await store("readonly")).get(principalId))) ?? null;
}

async function keep(record) {
  await request((await store("readwrite")).put(record));
}

export function base64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function supported() {
  try {
    await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}

export async function sign(privateKey, domain, payload) {
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, privateKey, signedMessage(domain, payload));
  return base64(new Uint8Array(signature));
}

async function origin() {
  return (await get("/log")).origin;
}

// The key is kept before it is registered, with the event's id: if the answer is lost,
// sending the same event again is answered as a replay instead of a second key.
export async function createDeviceKey(principalId) {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const keyId = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", publicRaw)));
  const record = {
    principal_id: principalId,
    key_id: keyId,
    public_key: base64(publicRaw),
    private_key: pair.privateKey,
    event_id: crypto.randomUUID(),
    registered: false,
  };
  await keep(record);
  return registerDeviceKey(record);
}

export async function registerDeviceKey(record) {
  const event = {
    id: record.event_id,
    action: "register",
    principal: record.principal_id,
    by: record.principal_id,
    public_key: record.public_key,
    capacity: "member",
  };
  const payload = { log: await origin(), ...event };
  const signature = await sign(record.private_key, DOMAIN.keyEvent, payload);
  await post("/key-events", { ...event, signatures: [{ key_id: record.key_id, signature }] });
  const registered = { ...record, registered: true };
  await keep(registered);
  return registered;
}

// A lost device cannot sign its own revocation: the service's log key vouches for it,
// since the request comes from the key's owner (named in "by").
export async function revokeKey(principalId, keyId) {
  await post("/key-events", {
    id: crypto.randomUUID(),
    action: "revoke",
    principal: principalId,
    key_id: keyId,
    by: principalId,
  });
  const here = await deviceKey(principalId);
  if (here?.key_id === keyId) {
    await request((await store("readwrite")).delete(principalId));
  }
}

export async function signTransaction(record, payload) {
  return { key_id: record.key_id, signature: await sign(record.private_key, DOMAIN.transaction, payload) };
}
