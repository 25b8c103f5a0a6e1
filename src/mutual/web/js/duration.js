// A duration chosen as hours and a quarter-hour step, in minutes as the service counts
// them; shared by every form that asks for time (an exchange, a pledge).

import { field, h, notice } from "./dom.js";
import { t } from "./i18n.js";

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
