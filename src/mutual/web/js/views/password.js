// Changing one's password, signed in: the current one is asked for, so that a borrowed
// session cannot lock its owner out.

import { call } from "../api.js";
import { announce, field, h, notice } from "../dom.js";
import { t } from "../i18n.js";
import { newPasswordFields } from "./invitation.js";
import { form, passwordInput } from "./signin.js";

export async function render(main) {
  const current = passwordInput("current-password", "current-password");
  const chosen = newPasswordFields("password.new");
  const messages = h("div");
  const changing = form(
    {
      button: h("button", { type: "submit" }, t("password.submit")),
      messages,
      work: () =>
        call("PUT", "/members/me/password", {
          current_password: current.value,
          new_password: chosen.password.value,
        }),
      done: () => {
        changing.reset();
        messages.append(notice(t("password.done"), "success"));
        announce(t("password.done"));
      },
      failed: () => current.select(),
    },
    field(t("password.current"), current),
    ...chosen.fields,
  );
  main.append(h("h1", {}, t("password.title")), messages, changing);
}
