// A neighbourhood field: free to type in, suggesting the territory's neighbourhoods (the
// service refuses one not on its list, `not_listed`, and says so beside the field).

import { h } from "./dom.js";
import { label, neighbourhoodCodes } from "./i18n.js";

let made = 0;

export function placeInput(attributes, kept) {
  made += 1;
  const id = `neighbourhoods-${made}`;
  const input = h("input", { ...attributes, list: id });
  const choices = h(
    "datalist",
    { id },
    neighbourhoodCodes(kept).map((code) =>
      h("option", { value: code }, label("neighbourhood", code)),
    ),
  );
  return [input, choices];
}
