// The resident's signing key: Ed25519, made by WebCrypto in this browser and marked
// non-extractable, so not even this page's own script can read the private half. The
// CryptoKey objects survive structured cloning, which is how IndexedDB keeps them.

import { ApiError, get, post } from "./api.js";
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

// Every key this browser holds lives in one store, each under its slot (the
// "principal_id" field): a device key under its principal's id, a witness key under a
// slot of its own (see the audit view).
export async function storedKey(slot) {
  return (await request((await store("readonly")).get(slot))) ?? null;
}

export async function keepKey(record) {
  await request((await store("readwrite")).put(record));
  return record;
}

export async function deviceKey(principalId) {
  return storedKey(principalId);
}

export function base64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A new non-extractable Ed25519 pair, its raw public half and its key id (hex SHA-256).
export async function newKeyPair() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const keyId = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", publicRaw)));
  return { pair, publicRaw, keyId };
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
  const signature = await crypto.subtle.sign(
    { name: "Ed25519" },
    privateKey,
    signedMessage(domain, payload),
  );
  return base64(new Uint8Array(signature));
}

async function origin() {
  return (await get("/log")).origin;
}

// The key is kept before it is registered, with the event's id: if the answer is lost,
// sending the same event again is answered as a replay instead of a second key. A
// resident's key is a member key; an operator makes an operator key the same way (the
// service vouches only for an operator asking for itself).
export async function createDeviceKey(principalId, capacity = "member") {
  const { pair, publicRaw, keyId } = await newKeyPair();
  const record = {
    principal_id: principalId,
    key_id: keyId,
    public_key: base64(publicRaw),
    private_key: pair.privateKey,
    capacity,
    event_id: crypto.randomUUID(),
    registered: false,
  };
  await keepKey(record);
  return registerDeviceKey(record);
}

export async function registerDeviceKey(record) {
  const event = {
    id: record.event_id,
    action: "register",
    principal: record.principal_id,
    by: record.principal_id,
    public_key: record.public_key,
    capacity: record.capacity ?? "member",
  };
  const payload = { log: await origin(), ...event };
  const signature = await sign(record.private_key, DOMAIN.keyEvent, payload);
  await post("/key-events", { ...event, signatures: [{ key_id: record.key_id, signature }] });
  return keepKey({ ...record, registered: true });
}

// The key's capacity as the registry holds it (null when it is not registered).
export async function capacityOf(key) {
  if (!key?.registered) return null;
  try {
    return (await get(`/keys/${key.key_id}`)).capacity;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
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
  return {
    key_id: record.key_id,
    signature: await sign(record.private_key, DOMAIN.transaction, payload),
  };
}
