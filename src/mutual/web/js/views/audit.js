import { ApiError, get, getAll, post, session } from "../api.js";
import { DOMAIN } from "../canonical.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { formatDate, formatNumber, language, t } from "../i18n.js";
import { base64, keepKey, newKeyPair, sign, storedKey } from "../keys.js";

// The auditor's witness key: Ed25519, made by WebCrypto in this browser and marked
// non-extractable, kept in the same IndexedDB store as a resident's device key under a
// name of its own. The auditor registers it here, with its own session: the event names
// the auditor as both principal and "by", is signed by the new key itself, and the log
// key vouches for it (a witness key is a trust anchor), so no operator stands between an
// auditor and its key. The page then cosigns checkpoints with it, C2SP cosignature/v1,
// after checking each new checkpoint is consistent with the last one it cosigned.

const COSIGNATURE_V1 = 0x04;
const PREFIX = "\u2014 "; // an em dash and a space start every signature line
const encoder = new TextEncoder();

const slot = (principalId) => `witness:${principalId}`;

export async function witnessKey(principalId) {
  return storedKey(slot(principalId));
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function same(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// C2SP key id: the first four bytes of SHA-256(name, a newline, the type, the key).
async function noteKeyId(name, type, publicKey) {
  return (await sha256(concat(encoder.encode(`${name}\n`), Uint8Array.of(type), publicKey))).slice(
    0,
    4,
  );
}

// A signed note: its text up to the blank line, then one line per signature.
export function parseNote(text) {
  const split = text.indexOf("\n\n");
  const body = text.slice(0, split + 1);
  const [origin, size, root] = body.split("\n");
  const signatures = text
    .slice(split + 2)
    .split("\n")
    .filter((line) => line.startsWith(PREFIX))
    .map((line) => {
      const [name, sig] = line.slice(PREFIX.length).split(" ");
      const bytes = fromBase64(sig);
      return { line: `${line}\n`, name, keyId: bytes.slice(0, 4), signature: bytes.slice(4) };
    });
  return { body, origin, size: Number(size), root, signatures };
}

function cosignedAt(signature) {
  if (signature.signature.length !== 72) return null;
  const view = new DataView(signature.signature.buffer, signature.signature.byteOffset, 8);
  return Number(view.getBigUint64(0));
}

export async function verifyLogSignature(note, verifierKey) {
  // Only the first two "+" separate the fields: the base64 key may hold more.
  const first = verifierKey.indexOf("+");
  const second = verifierKey.indexOf("+", first + 1);
  const [name, id] = [verifierKey.slice(0, first), verifierKey.slice(first + 1, second)];
  const raw = fromBase64(verifierKey.slice(second + 1));
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, [
    "verify",
  ]);
  const found = note.signatures.find((s) => s.name === name && hex(s.keyId) === id);
  if (!found) return false;
  return crypto.subtle.verify({ name: "Ed25519" }, key, found.signature, encoder.encode(note.body));
}

function powerOfTwo(n) {
  let rest = n;
  while (rest > 1 && rest % 2 === 0) rest /= 2;
  return rest === 1;
}

// RFC 9162, 2.1.4.2: does the proof show the tree of `second` leaves extends the tree of
// `first` leaves, with these roots?
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  const node = async (left, right) => sha256(concat(Uint8Array.of(1), left, right));
  if (first > second) return false;
  if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  let path = proof;
  if (powerOfTwo(first)) path = [firstRoot, ...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await node(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
}

// The checkpoints are signed notes, served as text, not JSON.
async function noteCall(method, path, body) {
  const headers = { Accept: "text/plain", "Accept-Language": language() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && session()) headers["X-CSRF-Token"] = session().csrf_token;
  const answer = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (answer.status === 404 && method === "GET") return null;
  if (!answer.ok) {
    const type = answer.headers.get("content-type") ?? "";
    throw new ApiError(answer.status, type.includes("json") ? await answer.json() : null);
  }
  return answer.text();
}

// The key is kept before it is registered, with its signed event: if the answer is lost,
// sending the same event again is answered as a replay instead of a second key.
async function createWitnessKey(principalId, name, origin) {
  const { pair, publicRaw, keyId } = await newKeyPair();
  const event = {
    id: crypto.randomUUID(),
    action: "register",
    principal: principalId,
    by: principalId,
    public_key: base64(publicRaw),
    capacity: "witness",
    name,
    version: 2,
  };
  const signature = await sign(pair.privateKey, DOMAIN.keyEvent, { log: origin, ...event });
  return keepKey({
    principal_id: slot(principalId),
    name,
    key_id: keyId,
    note_key_id: hex(await noteKeyId(name, COSIGNATURE_V1, publicRaw)),
    public_key: base64(publicRaw),
    private_key: pair.privateKey,
    request: { ...event, signatures: [{ key_id: keyId, signature }] },
    last: null,
  });
}

async function registerWitnessKey(record) {
  await post("/key-events", record.request);
}

// Sign a checkpoint of the log as it is now, check it, and cosign it.
async function cosign(record, log) {
  const text = await noteCall("POST", "/log/checkpoints");
  const note = parseNote(text);
  if (note.origin !== log.origin || !(await verifyLogSignature(note, log.verifier_key))) {
    throw new Error(t("audit.badSignature"));
  }
  const root = fromBase64(note.root);
  if (record.last) {
    const proof = await get(`/log/proofs/consistency?from=${record.last.size}&to=${note.size}`);
    if (proof.from_size !== record.last.size || proof.to_size !== note.size)
      throw new Error(t("audit.inconsistent"));
    const ok = await verifyConsistency(
      record.last.size,
      note.size,
      fromBase64(record.last.root),
      root,
      proof.proof.map(fromBase64),
    );
    if (!ok) throw new Error(t("audit.inconsistent"));
  }
  const time = Math.floor(Date.now() / 1000);
  const message = encoder.encode(`cosignature/v1\ntime ${time}\n${note.body}`);
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: "Ed25519" }, record.private_key, message),
  );
  const stamp = new Uint8Array(8);
  new DataView(stamp.buffer).setBigUint64(0, BigInt(time));
  const keyId = Uint8Array.from(record.note_key_id.match(/../g), (b) => parseInt(b, 16));
  const line = `${PREFIX}${record.name} ${base64(concat(keyId, stamp, signature))}\n`;
  await noteCall("POST", `/log/checkpoints/${note.size}/cosignatures`, { cosignature: line });
  await keepKey({ ...record, last: { size: note.size, root: note.root } });
  return { size: note.size, consistent: record.last !== null };
}

function describe(error) {
  return error instanceof ApiError ? error.describe() : error.message || t("error.generic");
}

function checkpointSection(note, log, verified) {
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "checkpoint-title" },
    h("h2", { id: "checkpoint-title" }, t("audit.checkpoint")),
  );
  if (!note) {
    section.append(h("p", { class: "muted" }, t("audit.noCheckpoint")));
    return section;
  }
  section.append(
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("audit.origin")),
      h("dd", {}, h("code", {}, note.origin)),
      h("dt", {}, t("audit.size")),
      h("dd", { "data-testid": "checkpoint-size" }, formatNumber(note.size)),
      h("dt", {}, t("audit.root")),
      h("dd", {}, h("code", { class: "key-id" }, note.root)),
    ),
    h(
      "p",
      { class: verified ? "notice" : "notice error" },
      verified ? t("audit.logVerified") : t("audit.badSignature"),
    ),
  );
  const [logName] = log.verifier_key.split("+");
  const cosignatures = note.signatures.filter((s) => s.name !== logName);
  section.append(h("h3", {}, t("audit.cosignatures")));
  if (cosignatures.length === 0)
    section.append(h("p", { class: "muted" }, t("audit.noCosignatures")));
  else {
    section.append(
      h(
        "ul",
        { class: "list", "aria-label": t("audit.cosignatures") },
        cosignatures.map((s) => {
          const at = cosignedAt(s);
          return h(
            "li",
            { class: "cosignature" },
            h("code", {}, s.name),
            " ",
            at === null
              ? ""
              : t("audit.cosignedAt", { date: formatDate(new Date(at * 1000).toISOString()) }),
          );
        }),
      ),
    );
  }
  return section;
}

function verifySection(log, rounds) {
  const vkey = log.verifier_key;
  const label = rounds[0]?.label ?? "2027-T1";
  const command = (text) => h("pre", {}, h("code", {}, text));
  return h(
    "section",
    { "aria-labelledby": "verify-title" },
    h("h2", { id: "verify-title" }, t("audit.verifyTitle")),
    h("p", {}, t("audit.logKey")),
    command(vkey),
    h("p", {}, t("audit.exportStep")),
    command("mutual export -o export.ndjson"),
    h("p", {}, t("audit.verifyStep")),
    command(`mutual verify export.ndjson --log-key '${vkey}'`),
    h("p", {}, t("audit.tallyStep")),
    command(`mutual tally export.ndjson --round '${label}' --log-key '${vkey}'`),
  );
}

function witnessSection(ctx, record, registered, log, rerender) {
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "witness-title" },
    h("h2", { id: "witness-title" }, t("audit.witnessTitle")),
  );
  const messages = h("div");
  const fail = (error) => messages.replaceChildren(notice(describe(error), "error"));
  if (!ctx.me.roles.includes("auditor") && !ctx.me.roles.includes("operator")) {
    section.append(h("p", { class: "muted" }, t("audit.auditorsOnly")));
    return section;
  }
  if (!record) {
    const name = h("input", {
      name: "name",
      required: true,
      pattern: "[^\\s+]+",
      maxlength: 100,
      autocomplete: "off",
    });
    const submit = h("button", { type: "submit" }, t("audit.createKey"));
    const form = h(
      "form",
      {},
      h("p", {}, t("audit.witnessIntro")),
      field(t("audit.witnessName"), name, t("audit.witnessNameHint")),
      messages,
      h("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(submit, async () => {
        let made;
        try {
          made = await createWitnessKey(ctx.me.principal_id, name.value.trim(), log.origin);
          await registerWitnessKey(made);
        } catch (error) {
          // Once kept, the key stays (signed out, there is nothing to show it with): the
          // page then offers to finish registering it.
          return made && session() ? rerender(error) : fail(error);
        }
        return rerender(t("audit.keyCreated"));
      });
    });
    section.append(form);
    return section;
  }
  section.append(
    h(
      "p",
      {},
      t("audit.witnessHere", { name: record.name }),
      " ",
      h("code", { class: "key-id", "data-testid": "witness-key" }, record.key_id.slice(0, 16)),
      " ",
      h("span", { class: "tag" }, registered ? t("key.registered") : t("key.unregistered")),
    ),
  );
  if (!registered) {
    const finish = h("button", { type: "button" }, t("key.register"));
    finish.addEventListener("click", () =>
      busy(finish, async () => {
        try {
          await registerWitnessKey(record);
        } catch (error) {
          return fail(error);
        }
        return rerender(t("audit.keyCreated"));
      }),
    );
    section.append(messages, h("div", { class: "actions" }, finish));
    return section;
  }
  if (record.last)
    section.append(
      h("p", { class: "muted" }, t("audit.lastCosigned", { size: formatNumber(record.last.size) })),
    );
  const button = h("button", { type: "button" }, t("audit.cosign"));
  button.addEventListener("click", () =>
    busy(button, async () => {
      messages.replaceChildren();
      let done;
      try {
        done = await cosign(record, log);
      } catch (error) {
        return fail(error);
      }
      const text = t(done.consistent ? "audit.cosignedConsistent" : "audit.cosigned", {
        size: formatNumber(done.size),
      });
      announce(text);
      return rerender(text);
    }),
  );
  section.append(
    h("p", {}, t("audit.cosignIntro")),
    messages,
    h("div", { class: "actions" }, button),
  );
  return section;
}

export async function render(main, ctx, done = null) {
  const [log, text, record, keys, rounds] = await Promise.all([
    get("/log"),
    noteCall("GET", "/log/checkpoint"),
    witnessKey(ctx.me.principal_id),
    get(`/keys?principal_id=${ctx.me.principal_id}`),
    getAll("/rounds").catch(() => []),
  ]);
  const note = text === null ? null : parseNote(text);
  const verified = note !== null && (await verifyLogSignature(note, log.verifier_key));
  const registered =
    record !== null &&
    keys.items.some(
      (k) => k.key_id === record.key_id && k.capacity === "witness" && k.revoked_at === null,
    );
  const rerender = async (message) => {
    main.replaceChildren();
    await render(main, ctx, message);
    main.querySelector("h1").focus();
  };
  main.append(h("h1", { tabindex: "-1" }, t("audit.title")), h("p", {}, t("audit.intro")));
  if (done instanceof Error) main.append(notice(describe(done), "error"));
  else if (done) main.append(notice(done));
  main.append(
    checkpointSection(note, log, verified),
    witnessSection(ctx, record, registered, log, rerender),
    verifySection(log, rounds),
  );
}
