// Element builders. Text only ever goes in through textContent / createTextNode and
// attribute values through setAttribute: stored data is never parsed as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "text") {
      el.textContent = String(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append children: nodes, strings/numbers (as text nodes), arrays; null/false skipped. */
export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  return el;
}

/** h("a", {href: "/x", class: "c"}, "text", child...) */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, geometry as attributes (never style=). */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

export const byId = (id) => document.getElementById(id);

/** Set the page's status line (errors, "live"/"reconnecting"). */
export function status(message, kind = "") {
  const el = byId("status");
  if (!el) return;
  el.textContent = message;
  el.className = `status-line ${kind}`;
}

/** A labelled control: <label for=id>text</label> followed by the control. */
export function field(label, control) {
  const id = control.id || `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

/** <select> with [value, label] options. */
export function select(options, value = "") {
  const el = h("select");
  for (const [v, label] of options) {
    el.appendChild(h("option", { value: v, selected: v === value }, label));
  }
  return el;
}

/** A table: columns [{label, cell(item) -> node|string, class}], one row per item. */
export function table(columns, items, rowAttrs = () => ({}), caption = "") {
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label)));
  const body = h("tbody");
  for (const item of items) body.appendChild(row(columns, item, rowAttrs(item)));
  return h(
    "div",
    { class: "table-wrap" },
    h("table", {}, caption ? h("caption", {}, caption) : null, h("thead", {}, head), body),
  );
}

export function row(columns, item, attrs = {}) {
  return h("tr", attrs, columns.map((c) => h("td", { class: c.class }, c.cell(item))));
}

/** A <dl> from [term, value] pairs (values: node or string; null skipped). */
export function dl(pairs) {
  const el = h("dl", { class: "facts" });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    el.append(h("dt", {}, term), h("dd", {}, value));
  }
  return el;
}

export function section(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}

/**
 * Run `render` (which may replace the focused element with a fresh copy) and give the focus
 * back to the copy, so live updates never throw a keyboard user out of a table or graph.
 */
export function keepFocus(render) {
  const el = document.activeElement;
  const was = el && el !== document.body ? { ns: el.namespaceURI, name: el.localName, href: el.getAttribute("href"), id: el.id, text: el.textContent } : null;
  const result = render();
  if (was && !document.contains(el)) {
    const same = [...document.querySelectorAll(was.name)].find(
      (c) =>
        c.namespaceURI === was.ns &&
        (was.href ? c.getAttribute("href") === was.href : was.id ? c.id === was.id : c.textContent === was.text),
    );
    if (same) same.focus();
  }
  return result;
}
