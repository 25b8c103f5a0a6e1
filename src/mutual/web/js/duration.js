// A duration chosen as hours and a quarter-hour step, in minutes as the service counts
// them; shared by every form that asks for time (an exchange, a pledge).

import { field, h, notice } from "./dom.js";
import { formatDuration, t, usualMinutes } from "./i18n.js";

const MINUTE_STEPS = [0, 15, 30, 45];

export function durationInput({ hours: initial, maxHours }) {
  const hours = h("input", {
    name: "hours",
    type: "number",
    min: 0,
    max: maxHours,
    step: 1,
    value: initial,
    inputmode: "numeric",
  });
  const minutes = h(
    "select",
    { name: "minutes" },
    MINUTE_STEPS.map((m) => h("option", { value: m }, String(m).padStart(2, "0"))),
  );
  return {
    row: () =>
      h(
        "div",
        { class: "field-row" },
        field(t("record.hours"), hours),
        field(t("record.minutes"), minutes),
      ),
    focus: () => hours.focus(),
    // The minutes chosen, or null once the person has been told a duration is needed.
    read(messages) {
      const total = Number(hours.value || 0) * 60 + Number(minutes.value);
      if (total > 0) return total;
      messages.append(notice(t("record.needDuration"), "error"));
      hours.focus();
      return null;
    },
  };
}

// Before sending an unusual amount (`what`: an exchange, a pledge, a limit), the person
// confirms it in the page: a slip of the keyboard (80 h for 8 h) is caught here, and the
// service refuses only amounts far beyond. True when the amount is usual or confirmed.
export function confirmUnusual(messages, what, minutes) {
  const usual = usualMinutes(what);
  const unusual = [minutes].flat().find((m) => m !== null && Math.abs(m) > usual);
  if (unusual === undefined) return Promise.resolve(true);
  return new Promise((resolve) => {
    const answer = (yes) => () => {
      box.remove();
      resolve(yes);
    };
    const yes = h("button", { type: "button", onclick: answer(true) }, t("unusual.yes"));
    const no = h(
      "button",
      { type: "button", class: "secondary", onclick: answer(false) },
      t("unusual.no"),
    );
    const question = t(`unusual.${what}`, {
      duration: formatDuration(Math.abs(unusual)),
      usual: formatDuration(usual),
    });
    const box = h(
      "div",
      {
        class: "notice warning",
        role: "alertdialog",
        "aria-label": question,
        "data-testid": "unusual",
      },
      h("p", {}, question),
      h("div", { class: "actions" }, yes, no),
    );
    messages.append(box);
    yes.focus();
  });
}
