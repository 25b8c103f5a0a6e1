import { ApiError, signIn } from "../api.js";
import { busy, field, h, notice } from "../dom.js";
import { t } from "../i18n.js";

export async function render(main, signedIn) {
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
  main.append(
    h("h1", {}, t("signIn.title")),
    h("div", { class: "card" }, h("p", {}, t("signIn.intro")), errors, form),
  );
}
