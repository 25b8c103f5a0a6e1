import { ApiError, requestCode, signIn, signInWithCode } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { t } from "../i18n.js";

export const textInput = (name, autocomplete) =>
  h("input", { name, autocomplete, required: true, autocapitalize: "none", spellcheck: "false" });

// A form whose submission runs ``work`` with its button busy; a refusal is told in
// ``messages`` (in ``refusal``'s words when it has some) and handed to ``failed``.
export function form(
  { button, messages, work, done, failed = () => {}, refusal = () => null },
  ...fields
) {
  return h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        try {
          await busy(button, work);
        } catch (error) {
          const words =
            refusal(error) ?? (error instanceof ApiError ? error.describe() : t("error.generic"));
          messages.append(notice(words, "error"));
          failed();
          return;
        }
        await done();
      },
    },
    ...fields,
    h("div", { class: "actions" }, button),
  );
}

function passwordForm(signedIn) {
  const login = textInput("login", "username");
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const errors = h("div");
  const submit = h("button", { type: "submit" }, t("signIn.submit"));
  const fields = [field(t("signIn.login"), login), field(t("signIn.password"), password)];
  const signing = form(
    {
      button: submit,
      messages: errors,
      work: () => signIn(login.value.trim(), password.value),
      done: signedIn,
      failed: () => password.select(),
    },
    ...fields,
  );
  return h("div", { class: "card" }, h("p", {}, t("signIn.intro")), errors, signing);
}

// Without a password: ask for a one-time code (the service answers the same whatever the
// login, so the page cannot tell who is a member either), then type the code received.
function codeForm(signedIn) {
  const login = textInput("code-login", "username");
  const code = textInput("code", "one-time-code");
  const messages = h("div");
  const askForm = form(
    {
      button: h("button", { type: "submit", class: "secondary" }, t("signIn.askCode")),
      messages,
      work: () => requestCode(login.value.trim()),
      done: () => {
        messages.append(notice(t("signIn.codeSent"), "success"));
        announce(t("signIn.codeSent"));
        useForm.hidden = false;
        code.focus();
      },
    },
    field(t("signIn.login"), login),
  );
  const useForm = form(
    {
      button: h("button", { type: "submit" }, t("signIn.useCode")),
      messages,
      work: () => signInWithCode(code.value.trim()),
      done: signedIn,
      failed: () => code.select(),
      // The service's "wrong login or password" would mislead here.
      refusal: (error) =>
        error instanceof ApiError && error.code === "sign_in_failed"
          ? t("signIn.codeFailed")
          : null,
    },
    field(t("signIn.code"), code),
  );
  useForm.hidden = true;
  // The forms appear on demand: the password form stays the page's only login field
  // until the person chooses this way.
  const open = h("button", { type: "button", class: "secondary" }, t("signIn.withCode"));
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "code-heading", "data-testid": "code-sign-in" },
    h("h2", { id: "code-heading" }, t("signIn.codeTitle")),
    h("p", {}, t("signIn.codeIntro")),
    h("div", { class: "actions" }, open),
  );
  open.addEventListener("click", () => {
    open.parentElement.replaceWith(messages, askForm, useForm);
    login.focus();
  });
  return section;
}

// A password field: a new one is described (its length), a current one is not.
export function passwordInput(name, autocomplete) {
  return h("input", { name, type: "password", autocomplete, required: true });
}

// The ways in for who cannot sign in yet: joining, an invitation, a forgotten password;
// and the territory's public page, which needs none.
function otherWays() {
  const link = (href, key) => h("li", {}, h("a", { href }, t(key)));
  return h(
    "ul",
    { class: "other-ways", "data-testid": "other-ways" },
    link("#/apply", "join.link"),
    link("#/invitation", "join.invited"),
    link("#/password-reset", "join.forgot"),
    link("#/public", "public.link"),
  );
}

export async function render(main, signedIn) {
  main.append(
    h("h1", {}, t("signIn.title")),
    passwordForm(signedIn),
    otherWays(),
    codeForm(signedIn),
  );
}
