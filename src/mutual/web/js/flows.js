// The pooling flows (a pledge, a loan, a return) are composed by the service: sent
// unsigned, the answer is the `unsigned` problem carrying the transaction to sign. The
// page signs it only if it is exactly the movement it shows: the accounts are derived
// from what they are for (UUIDv5), so the page recomputes them rather than trusting the
// ids it was sent. The derivations come from the service's own table (mutual.core.derived,
// published as contracts/derived-ids.json), so the page writes no namespace of its own.

import { ApiError, post } from "./api.js";
import { signTransaction } from "./keys.js";

let derivations = null;

async function table() {
  if (derivations === null) {
    const answer = await fetch(new URL("../derived-ids.json", import.meta.url));
    if (!answer.ok) throw new Error(`derived-ids.json: ${answer.status}`);
    derivations = await answer.json();
  }
  return derivations;
}

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));

function uuidBytes(text) {
  const hex = text.replace(/-/g, "");
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

// RFC 9562 UUIDv5: SHA-1 of the namespace and the name, version and variant set.
export async function uuid5(namespace, name) {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  input.set(uuidBytes(namespace));
  input.set(nameBytes, 16);
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-1", input)).slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The id the service derives for `name` from `values`, as mutual.core.derived.derive.
export async function derive(name, values) {
  const { families, templates } = await table();
  const { namespace, name: template } = templates[name];
  return uuid5(families[namespace] ?? fill(namespace, values), fill(template, values));
}

export const promiseAccount = (member, quarter) => derive("promise_account", { member, quarter });
export const heldAccount = (member, quarter) => derive("held_account", { member, quarter });
export const stockAccount = (point, slug) =>
  derive("point_account", { role: "stock", point, slug });
export const intakeAccount = (point, slug) =>
  derive("point_account", { role: "intake", point, slug });
export const givenAccount = (point, slug) =>
  derive("point_account", { role: "given", point, slug });
export const loanAccount = (member, point, slug) => derive("loan_account", { member, point, slug });

function sameObject(a, b) {
  const keys = Object.keys(b);
  return (
    a !== null &&
    typeof a === "object" &&
    Object.keys(a).length === keys.length &&
    keys.every((k) => a[k] === b[k])
  );
}

// True when `payload` moves exactly `amount` of `unit` from `from` to `to`, nothing else,
// as a transaction of this `kind` and `id` on this log, with these references.
export function isTransfer(payload, { origin, id, kind, unit, from, to, amount, references }) {
  if (payload?.log !== origin || payload.id !== id || payload.kind !== kind) return false;
  if (payload.reverses !== null || payload.memo_sha256 !== null) return false;
  if (!sameObject(payload.references, references)) return false;
  const postings = payload.postings;
  return (
    Array.isArray(postings) &&
    postings.length === 2 &&
    sameObject(postings[0], { account_id: from, unit, amount: -amount }) &&
    sameObject(postings[1], { account_id: to, unit, amount })
  );
}

export class Mismatch extends Error {}

// Send the request unsigned, check the composed transaction with `expected`, sign it
// with this device's key (on the point's behalf for a keeper) and send it again. The
// request carries its own id, so a second press or a lost answer replays it.
export async function signAndSend(path, body, key, expected, onBehalfOf = null) {
  let payload;
  try {
    return await post(path, { ...body, signatures: [] });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "unsigned") throw error;
    payload = error.problem.signing_payload;
  }
  if (!(await expected(payload)))
    throw new Mismatch("the composed transaction is not the one shown");
  const signature = await signTransaction(key, payload);
  if (onBehalfOf) signature.on_behalf_of = onBehalfOf;
  return post(path, { ...body, signatures: [signature] });
}

// The quarters one may still pledge for: this one and the next three.
export function openQuarters(today = new Date()) {
  let year = today.getFullYear();
  let q = Math.floor(today.getMonth() / 3) + 1;
  const quarters = [];
  for (let i = 0; i < 4; i += 1) {
    quarters.push(`${year}-Q${q}`);
    q += 1;
    if (q > 4) [q, year] = [1, year + 1];
  }
  return quarters;
}

// A day (YYYY-MM-DD) as the browser's local noon, so that no time zone moves it.
export function localDay(isoDay) {
  return `${isoDay}T12:00:00`;
}

export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
