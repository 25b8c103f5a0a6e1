// The service's HTTP API, called with the signed-in session: the cookie goes by itself
// (HttpOnly, the page never sees it), and every write carries the session's CSRF token.

import { language, problemText, t } from "./i18n.js";

const BASE = "/api/v1";
const SESSION_KEY = "mutual.session";

export class ApiError extends Error {
  constructor(status, problem) {
    // The message is for the console: people are shown describe(), never the detail.
    super(`HTTP ${status} ${problem?.code ?? problem?.type ?? ""}`.trim());
    this.status = status;
    this.code = problem?.code ?? null;
    this.problem = problem;
  }

  // What to tell the person, in their language, from the service's catalogue of words
  // (never the problem's English `detail`).
  describe() {
    if (this.status === 0) return t("error.network");
    return problemText(this.problem);
  }
}

// The session (with its CSRF token) lives in this tab's sessionStorage: it survives a
// reload but is gone with the tab, and no other page of the origin open elsewhere can
// read it, as it could localStorage.
export function session() {
  const stored = sessionStorage.getItem(SESSION_KEY);
  return stored ? JSON.parse(stored) : null;
}

function keepSession(value) {
  localStorage.removeItem(SESSION_KEY); // where older versions of the page kept it
  if (value === null) sessionStorage.removeItem(SESSION_KEY);
  else sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

let onSignedOut = () => {};
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

export async function call(method, path, body) {
  const headers = { Accept: "application/json", "Accept-Language": language() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const current = session();
  if (method !== "GET" && current) headers["X-CSRF-Token"] = current.csrf_token;
  let answer;
  try {
    answer = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, null);
  }
  const type = answer.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await answer.json() : null;
  if (!answer.ok) {
    const error = new ApiError(answer.status, data);
    if (answer.status === 401 || error.code === "csrf_token_invalid") {
      keepSession(null);
      onSignedOut(error);
    }
    throw error;
  }
  return data;
}

export const get = (path) => call("GET", path);

// Every list is paged the same way: {items, next_cursor, next}, where next is the
// following page's URL (null on the last page); nextPath is it as get() takes it.
export const nextPath = (page) => (page.next ? page.next.slice(BASE.length) : null);

// Every item of a list, page after page.
export async function getAll(path) {
  let items = [];
  for (let next = path; next;) {
    const page = await get(next);
    items = items.concat(page.items);
    next = nextPath(page);
  }
  return items;
}
export const post = (path, body) => call("POST", path, body ?? {});

export async function signIn(login, password) {
  const opened = await post("/sign-in", { login, password });
  keepSession(opened);
  return opened;
}

// A one-time code from a sign-in link (delivered by the territory's gateway, by text
// or mail): a session as for a password, for members who have none or forgot it.
export async function requestCode(login) {
  await post("/sign-in/links", { login });
}

export async function signInWithCode(token) {
  const opened = await post("/sign-in/links/redeem", { token });
  keepSession(opened);
  return opened;
}

// Joining and passwords: an invitation (its link's token or its short code) chooses the
// first password and opens a session; a forgotten one is reset with a code sent by e-mail.
export async function redeemInvitation(invitation, login, password) {
  const opened = await post("/invitations/redeem", { invitation, login, password });
  keepSession(opened);
  return opened;
}

export async function requestReset(login) {
  await post("/sign-in/password-resets", { login });
}

export async function resetPassword(login, code, password) {
  await post("/sign-in/password-resets/redeem", { login, code, password });
}

export async function signOut() {
  try {
    await post("/sign-out");
  } finally {
    keepSession(null);
  }
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
