// An invitation, opened from its link (#/invitation/<token>) or typed as its short code:
// the new member chooses their login and password, and is signed in. The device's key
// comes next, in the key view.

import { redeemInvitation } from "../api.js";
import { announce, field, h, notice } from "../dom.js";
import { t } from "../i18n.js";
import { form, passwordInput, textInput } from "./signin.js";

// Two password fields that must agree: a typo in a first password would lock the person
// out at once.
export function newPasswordFields(labelKey) {
  const password = passwordInput("new-password", "new-password");
  password.minLength = 12;
  const again = passwordInput("confirm-password", "new-password");
  const check = () => {
    again.setCustomValidity(again.value === password.value ? "" : t("invite.mismatch"));
  };
  password.addEventListener("input", check);
  again.addEventListener("input", check);
  return {
    password,
    fields: [
      field(t(labelKey), password, t("invite.passwordHint")),
      field(t("invite.confirm"), again),
    ],
  };
}

export async function render(main, { rest }) {
  const token = rest ? decodeURIComponent(rest) : "";
  const code = textInput("invitation-code", "one-time-code");
  const login = textInput("login", "username");
  const chosen = newPasswordFields("invite.password");
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("invite.submit"));
  const choosing = form(
    {
      button: submit,
      messages,
      work: () =>
        redeemInvitation(token || code.value.trim(), login.value.trim(), chosen.password.value),
      done: () => {
        const text = t("invite.done");
        choosing.replaceWith(
          h(
            "div",
            { "data-testid": "invited" },
            notice(text, "success"),
            h("p", {}, h("a", { href: "#/key", class: "button" }, t("key.create"))),
          ),
        );
        announce(text);
      },
    },
    // From the link, the token is in the address; otherwise the person types the code.
    token ? null : field(t("invite.code"), code, t("invite.codeHint")),
    field(t("invite.login"), login, t("invite.loginHint")),
    ...chosen.fields,
  );
  main.append(
    h("h1", {}, t("invite.title")),
    h("p", {}, t("invite.intro")),
    messages,
    choosing,
    h("p", {}, h("a", { href: "#/" }, t("join.back"))),
  );
}
