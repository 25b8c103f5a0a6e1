// Elements are built from data, never from HTML strings: memos, names and offers are
// other people's free text, and must stay text.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// The same for the SVG of a chart: its elements live in the SVG namespace.
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children)
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

let fieldCount = 0;

// A labelled control: every input has a visible label tied to it by id.
export function field(labelText, control, hint) {
  fieldCount += 1;
  const id = control.id || `field-${fieldCount}`;
  control.id = id;
  const children = [h("label", { for: id }, labelText)];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    children.push(h("span", { id: hintId, class: "muted" }, hint));
  }
  children.push(control);
  return h("div", { class: "field" }, ...children);
}

// One of several things a person looks after (a partner's organisations, a lead's
// projects): the one chosen before, else their own (``mine``), else the first; with more
// than one, a labelled list to choose another, which calls ``onChoose`` with its id.
export function pickOne(main, items, { chosen, mine, name, labelText, onChoose }) {
  const picked = items.find((item) => item.id === chosen) ?? items.find(mine) ?? items[0];
  if (items.length > 1) {
    const picker = h(
      "select",
      { name, onchange: (event) => onChoose(event.currentTarget.value) },
      items.map((item) =>
        h("option", { value: item.id, selected: item.id === picked.id }, item.name),
      ),
    );
    main.append(field(labelText, picker));
  }
  return picked;
}

// An error is an alert, read out at once; other notices are announced by the action that
// made them (announce below), so a screen reader does not hear them twice.
export function notice(text, kind = "") {
  return h("p", { class: `notice ${kind}`.trim(), role: kind === "error" ? "alert" : null }, text);
}

// Tells a screen reader what just happened without moving its focus.
export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = "";
  requestAnimationFrame(() => {
    status.textContent = text;
  });
}

export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}
