import { ApiError, requestCode, signIn, signInWithCode } from "../api.js";
import { announce, busy, field, h, notice } from "../dom.js";
import { t } from "../i18n.js";

function passwordForm(signedIn) {
  const login = h("input", { name: "login", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit" }, t("signIn.submit"));
  const errors = h("div");
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        errors.replaceChildren();
        try {
          await busy(submit, () => signIn(login.value.trim(), password.value));
        } catch (error) {
          errors.append(notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"));
          password.select();
          return;
        }
        await signedIn();
      },
    },
    field(t("signIn.login"), login),
    field(t("signIn.password"), password),
    h("div", { class: "actions" }, submit),
  );
  return h("div", { class: "card" }, h("p", {}, t("signIn.intro")), errors, form);
}

// Without a password: ask for a one-time code (the service answers the same whatever the
// login, so the page cannot tell who is a member either), then type the code received.
function codeForm(signedIn) {
  const login = h("input", { name: "code-login", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const ask = h("button", { type: "submit", class: "secondary" }, t("signIn.askCode"));
  const code = h("input", { name: "code", autocomplete: "one-time-code", required: true, autocapitalize: "none", spellcheck: "false" });
  const use = h("button", { type: "submit" }, t("signIn.useCode"));
  const messages = h("div");
  const askForm = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        try {
          await busy(ask, () => requestCode(login.value.trim()));
        } catch (error) {
          messages.append(notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"));
          return;
        }
        messages.append(notice(t("signIn.codeSent"), "success"));
        announce(t("signIn.codeSent"));
        useForm.hidden = false;
        code.focus();
      },
    },
    field(t("signIn.login"), login),
    h("div", { class: "actions" }, ask),
  );
  const useForm = h(
    "form",
    {
      hidden: true,
      onsubmit: async (event) => {
        event.preventDefault();
        messages.replaceChildren();
        try {
          await busy(use, () => signInWithCode(code.value.trim()));
        } catch (error) {
          // The service's "wrong login or password" would mislead here.
          const refused = error instanceof ApiError && error.code === "sign_in_failed";
          messages.append(notice(refused ? t("signIn.codeFailed") : error instanceof ApiError ? error.describe() : t("error.generic"), "error"));
          code.select();
          return;
        }
        await signedIn();
      },
    },
    field(t("signIn.code"), code),
    h("div", { class: "actions" }, use),
  );
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

export async function render(main, signedIn) {
  main.append(h("h1", {}, t("signIn.title")), passwordForm(signedIn), codeForm(signedIn));
}
