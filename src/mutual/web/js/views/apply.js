// The public application form: a profile, contact details each with who may see them,
// and the territory's charter to accept. Its version goes with the application, so the
// coordination knows which text the person accepted.

import { get, post } from "../api.js";
import { announce, field, h, notice } from "../dom.js";
import { language, t } from "../i18n.js";
import { placeInput } from "../places.js";
import { form, textInput } from "./signin.js";

// The bands of core/age_bands.py: optional, counted only in the reports by band.
const AGE_BANDS = ["under_18", "18_25", "26_40", "41_60", "61_75", "over_75"];

// Who besides the person sees a contact detail: the coordination only, unless they
// choose every member.
function visibility(name) {
  return h(
    "select",
    { name },
    h("option", { value: "coordinators" }, t("join.visibleCoordinators")),
    h("option", { value: "members" }, t("join.visibleMembers")),
  );
}

export async function render(main) {
  const charter = await get("/charter");
  const name = h("input", { name: "display_name", autocomplete: "name", required: true });
  const [place, places] = placeInput({ name: "neighbourhood", autocomplete: "address-level3" });
  const lang = h(
    "select",
    { name: "language" },
    h("option", { value: "fr", selected: language() === "fr" }, "Français"),
    h("option", { value: "en", selected: language() === "en" }, "English"),
  );
  const band = h(
    "select",
    { name: "age_band" },
    h("option", { value: "" }, t("band.none")),
    AGE_BANDS.map((code) => h("option", { value: code }, t(`band.${code}`))),
  );
  const email = textInput("email", "email");
  email.type = "email";
  email.required = false;
  const emailSeen = visibility("email_visibility");
  const phone = h("input", { name: "phone", type: "tel", autocomplete: "tel" });
  const phoneSeen = visibility("phone_visibility");
  const accept = h("input", { type: "checkbox", name: "charter", required: true });
  const messages = h("div");
  const submit = h("button", { type: "submit" }, t("join.submit"));
  const charterSection = h(
    "section",
    { class: "card", "aria-labelledby": "charter-title" },
    h("h2", { id: "charter-title" }, t("join.charterTitle")),
    // The territory's own text, kept as it is written (line breaks included).
    h(
      "div",
      {
        class: "charter",
        tabindex: "0",
        role: "region",
        "aria-labelledby": "charter-title",
        "data-testid": "charter",
      },
      charter.text,
    ),
    h("div", { class: "field checkbox" }, h("label", {}, accept, " ", t("join.charterAccept"))),
  );
  const contact = () => {
    const found = {};
    if (email.value.trim())
      found.email = { value: email.value.trim(), visibility: emailSeen.value };
    if (phone.value.trim())
      found.phone = { value: phone.value.trim(), visibility: phoneSeen.value };
    return found;
  };
  const applying = form(
    {
      button: submit,
      messages,
      work: () =>
        post("/members/applications", {
          display_name: name.value.trim(),
          neighbourhood: place.value.trim() || null,
          languages: [lang.value],
          age_band: band.value || null,
          contact: contact(),
          charter_version: charter.version,
        }),
      done: () => {
        const text = t("join.sent");
        applying.replaceWith(
          h(
            "div",
            { "data-testid": "applied" },
            notice(text, "success"),
            h("p", {}, h("a", { href: "#/" }, t("join.back"))),
          ),
        );
        announce(text);
      },
    },
    field(t("join.name"), name),
    field(t("join.neighbourhood"), place),
    places,
    field(t("join.language"), lang),
    field(t("band.label"), band, t("band.hint")),
    field(t("join.email"), email, t("join.emailHint")),
    field(t("join.emailSeen"), emailSeen),
    field(t("join.phone"), phone, t("join.phoneHint")),
    field(t("join.phoneSeen"), phoneSeen),
    charterSection,
  );
  main.append(
    h("h1", {}, t("join.title")),
    h("p", {}, t("join.intro")),
    messages,
    applying,
    h("p", {}, h("a", { href: "#/" }, t("join.back"))),
  );
}
