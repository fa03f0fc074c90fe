// A table of findings (the gate's on the Run page, all of them on the Security page).

import { h, table } from "./dom.js";

export function severityCell(f) {
  const sev = String(f.severity || "").toUpperCase();
  return h("span", { class: `sev-${sev.toLowerCase()}` }, sev || "–");
}

function tools(f) {
  const list = Array.isArray(f.tools) ? f.tools : Object.keys(f.tools || {});
  return list.join(", ") || f.tool || "–";
}

function location(f) {
  const path = f.path || f.file || "";
  const line = f.line || f.start_line;
  return path ? `${path}${line ? `:${line}` : ""}` : "–";
}

export function findingsTable(findings, extra = []) {
  if (!findings.length) return h("p", { class: "muted" }, "No findings.");
  return table(
    [
      { label: "Severity", cell: severityCell },
      { label: "Tool", cell: tools },
      { label: "Rule", cell: (f) => f.rule_id || f.rule || "–", class: "mono" },
      { label: "File", cell: location, class: "script" },
      { label: "Finding", cell: (f) => h("span", { class: "finding-message" }, f.title && f.title !== f.message ? `${f.title}: ${f.message || ""}` : f.message || f.title || ""), class: "script" },
      ...extra,
    ],
    findings,
    (f) => ({ "data-finding-id": f.id }),
  );
}
