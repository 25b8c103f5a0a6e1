// The exact bytes a signer signs: a domain prefix, then the RFC 8785 canonical JSON of
// the payload. This must match mutual.core.signing byte for byte, or every signature
// made in the page is refused; tests/browser/test_canonical.py holds it to that.
//
// RFC 8785 takes its string and number forms from ECMAScript's JSON.stringify, so only
// the member order (by UTF-16 code units, which is how JavaScript compares strings)
// and the refusals are ours.

export const DOMAIN = Object.freeze({
  transaction: "mutual/transaction/v1\n",
  keyEvent: "mutual/key-event/v1\n",
  ballot: "mutual/ballot/v1\n",
});

function text(value) {
  // A lone surrogate has no UTF-8 form: the Python side refuses it, so must we.
  if (!value.isWellFormed()) throw new TypeError("canonical JSON: a lone surrogate");
  return JSON.stringify(value);
}

export function canonicalize(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "string") return text(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("canonical JSON: not a finite number");
    // Every number is an IEEE double here, as RFC 8785 reads it. The ledger's amounts
    // stay within ±(2^53 − 1), where doubles are exact, so payloads parsed from the
    // service's JSON keep the very integers the service signs over.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${text(k)}:${canonicalize(value[k])}`).join(",")}}`;
  }
  throw new TypeError(`canonical JSON: cannot encode a ${typeof value}`);
}

export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}

export function signedMessage(domain, payload) {
  const prefix = new TextEncoder().encode(domain);
  const body = canonicalBytes(payload);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix, 0);
  message.set(body, prefix.length);
  return message;
}
