// A forgotten password: ask for a one-time code (the service answers the same whether
// the login exists, so this page says "if"), then type it with a new password, which
// then signs in.

import { requestReset, resetPassword, signIn } from "../api.js";
import { announce, field, h, notice } from "../dom.js";
import { t } from "../i18n.js";
import { newPasswordFields } from "./invitation.js";
import { form, textInput } from "./signin.js";

export async function render(main, { signedIn }) {
  const login = textInput("login", "username");
  const code = textInput("reset-code", "one-time-code");
  const chosen = newPasswordFields("reset.password");
  const messages = h("div");
  const asking = form(
    {
      button: h("button", { type: "submit", class: "secondary" }, t("reset.ask")),
      messages,
      work: () => requestReset(login.value.trim()),
      done: () => {
        messages.append(notice(t("reset.sent"), "success"));
        announce(t("reset.sent"));
        resetting.hidden = false;
        code.focus();
      },
    },
    field(t("signIn.login"), login),
  );
  const resetting = form(
    {
      button: h("button", { type: "submit" }, t("reset.submit")),
      messages,
      work: async () => {
        await resetPassword(login.value.trim(), code.value.trim(), chosen.password.value);
        await signIn(login.value.trim(), chosen.password.value);
      },
      done: signedIn,
      failed: () => code.select(),
    },
    field(t("reset.code"), code),
    ...chosen.fields,
  );
  resetting.hidden = true;
  main.append(
    h("h1", {}, t("reset.title")),
    h("p", {}, t("reset.intro")),
    messages,
    asking,
    resetting,
    h("p", {}, h("a", { href: "#/" }, t("join.back"))),
  );
}
