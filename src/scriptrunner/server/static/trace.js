// Trace page: a waterfall of spans (nested under their parents, placed on a shared time
// axis); choosing a span shows its attributes and events.

import { getJSON } from "./api.js";
import { dl, h, replace, s, section, table } from "./dom.js";
import * as fmt from "./format.js";
import { pathId, setTitle, startPage } from "./shell.js";

const traceId = pathId();
const parts = {};

/** Spans in tree order (parents before children, siblings by start) with their depth. */
export function treeOrder(spans) {
  const ids = new Set(spans.map((sp) => sp.span_id));
  const children = new Map();
  for (const sp of spans) {
    const parent = sp.parent_span_id && ids.has(sp.parent_span_id) ? sp.parent_span_id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(sp);
  }
  const out = [];
  const walk = (parent, depth) => {
    const list = (children.get(parent) || []).sort((a, b) => a.start_time - b.start_time);
    for (const sp of list) {
      out.push({ span: sp, depth });
      if (out.length <= spans.length) walk(sp.span_id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

function details(span, t0) {
  const attrs = Object.entries(span.attributes || {});
  const events = span.events || [];
  return h(
    "div",
    { id: "span-details" },
    h("h3", {}, span.name),
    dl([
      ["Status", `${span.status}${span.status_message ? `: ${span.status_message}` : ""}`],
      ["Kind", span.kind],
      ["Starts at", `+${fmt.duration(span.start_time - t0)}`],
      ["Duration", span.end_time ? fmt.duration(span.end_time - span.start_time) : "still open"],
      ["Span id", h("code", {}, span.span_id)],
      ["Run", span.run_id ? h("a", { href: `/runs/${encodeURIComponent(span.run_id)}` }, fmt.shortId(span.run_id)) : null],
    ]),
    h("h4", {}, "Attributes"),
    attrs.length
      ? table([{ label: "Key", cell: (a) => a[0], class: "mono" }, { label: "Value", cell: (a) => JSON.stringify(a[1]), class: "mono script" }], attrs)
      : h("p", { class: "muted" }, "None."),
    h("h4", {}, "Events"),
    events.length
      ? table(
          [
            { label: "Name", cell: (e) => e.name || "" },
            { label: "At", cell: (e) => (e.timestamp || e.time ? `+${fmt.duration((e.timestamp || e.time) - t0)}` : "–"), class: "num" },
            { label: "Attributes", cell: (e) => JSON.stringify(e.attributes || {}), class: "mono script" },
          ],
          events,
        )
      : h("p", { class: "muted" }, "None."),
  );
}

function waterfall(spans) {
  const t0 = Math.min(...spans.map((sp) => sp.start_time));
  const t1 = Math.max(...spans.map((sp) => sp.end_time || sp.start_time));
  const total = Math.max(t1 - t0, 1e-6);
  const list = h("ol", { class: "waterfall", id: "waterfall", "aria-label": "Spans" });
  const buttons = [];
  for (const { span, depth } of treeOrder(spans)) {
    const x = ((span.start_time - t0) / total) * 1000;
    const w = Math.max((((span.end_time || t1) - span.start_time) / total) * 1000, 2);
    const button = h(
      "button",
      { type: "button", "aria-pressed": "false", "data-span-id": span.span_id, "aria-label": `${span.name}, ${span.status}, ${fmt.duration((span.end_time || t1) - span.start_time)}` },
      h("span", { class: `span-name d${Math.min(depth, 8)}` }, depth ? "└ " : "", span.name),
      s(
        "svg",
        { viewBox: "0 0 1000 10", preserveAspectRatio: "none", "aria-hidden": "true" },
        s("rect", { class: `span-bar${span.status === "error" ? " error" : ""}`, x: x.toFixed(1), y: 1, width: w.toFixed(1), height: 8 }),
      ),
      h("span", { class: "span-dur num" }, fmt.duration((span.end_time || t1) - span.start_time)),
    );
    button.addEventListener("click", () => {
      buttons.forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      replace(parts.details, details(span, t0));
    });
    buttons.push(button);
    list.append(h("li", {}, button));
  }
  if (buttons.length) buttons[0].click();
  return h("div", {}, h("p", { class: "muted" }, `${spans.length} spans over ${fmt.duration(total)}. Choose a span for its attributes and events.`), list);
}

startPage(async (app) => {
  parts.details = h("div", { "aria-live": "polite" });
  const trace = await getJSON(`/traces/${encodeURIComponent(traceId)}`);
  const spans = trace.spans || [];
  const root = treeOrder(spans)[0];
  setTitle(`Trace ${fmt.shortId(traceId)}${root ? ` · ${root.span.name}` : ""}`);
  replace(app, section("Waterfall", spans.length ? waterfall(spans) : h("p", { class: "muted" }, "This trace has no spans.")), section("Span", parts.details));
});
