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

// The key events this page signs follow the custody rules (version 2): a member's keys
// are registered, replaced and revoked only with the member's own keys.
const VERSION = 2;

async function signedEvent(event, ...records) {
  const payload = { log: await origin(), ...event };
  const signatures = [];
  for (const record of records) {
    signatures.push({
      key_id: record.key_id,
      signature: await sign(record.private_key, DOMAIN.keyEvent, payload),
    });
  }
  return { ...event, signatures };
}

// A first key signs its own registration; the service does not vouch for a member's key.
export async function registerDeviceKey(record) {
  const event = {
    id: record.event_id,
    action: "register",
    principal: record.principal_id,
    by: record.principal_id,
    public_key: record.public_key,
    capacity: record.capacity ?? "member",
    version: VERSION,
  };
  await post("/key-events", await signedEvent(event, record));
  return keepKey({ ...record, registered: true });
}

// This device's key replaced by a new one: a rotation, signed by both keys.
export async function rotateDeviceKey(principalId) {
  const old = await deviceKey(principalId);
  const { pair, publicRaw, keyId } = await newKeyPair();
  const fresh = {
    ...old,
    key_id: keyId,
    public_key: base64(publicRaw),
    private_key: pair.privateKey,
    created_at: new Date().toISOString(),
  };
  const event = {
    id: crypto.randomUUID(),
    action: "rotate",
    principal: principalId,
    key_id: old.key_id,
    public_key: fresh.public_key,
    version: VERSION,
  };
  await post("/key-events", await signedEvent(event, old, fresh));
  return keepKey({ ...fresh, event_id: event.id, registered: true });
}

// Every device lost: a new key is made here and kept, unregistered, for a recovery. A
// coordinator asks for it with their own key; once the wait is over this device signs
// the completion, which the service countersigns.
export async function prepareRecoveryKey(principalId) {
  const { pair, publicRaw, keyId } = await newKeyPair();
  return keepKey({
    principal_id: principalId,
    key_id: keyId,
    public_key: base64(publicRaw),
    private_key: pair.privateKey,
    capacity: "member",
    event_id: crypto.randomUUID(),
    registered: false,
    recovery: true,
  });
}

function now() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function completeRecovery(record, recovery) {
  const event = {
    id: record.event_id,
    action: "complete_recovery",
    principal: record.principal_id,
    request: recovery.id,
    at: now(),
    version: VERSION,
  };
  await post("/key-events", await signedEvent(event, record));
  return keepKey({ ...record, registered: true, recovery: false });
}

export async function cancelRecovery(record, recovery) {
  const event = {
    id: crypto.randomUUID(),
    action: "cancel_recovery",
    principal: record.principal_id,
    request: recovery.id,
    version: VERSION,
  };
  await post("/key-events", await signedEvent(event, record));
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

// A key of this member revoked with the key this device holds (itself or another of
// theirs): the service's log key cannot revoke a member's key. Without a key here the
// answer is key_custody, whose words point to a recovery.
export async function revokeKey(principalId, keyId) {
  const here = await deviceKey(principalId);
  const event = {
    id: crypto.randomUUID(),
    action: "revoke",
    principal: principalId,
    key_id: keyId,
    version: VERSION,
  };
  await post("/key-events", await signedEvent(event, ...(here?.registered ? [here] : [])));
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
