// Security page: findings across scans (severity/tool/rule/file filters), their trend per
// day by severity, and the scans with a SARIF download each.

import { API, getJSON, page } from "./api.js";
import { stackedBars } from "./charts.js";
import { field, h, replace, section, select, status, table } from "./dom.js";
import { findingsTable } from "./findings.js";
import * as fmt from "./format.js";
import { startPage } from "./shell.js";

const SEVERITIES = ["CRITICAL", "HIGH", "WARNING", "INFO"];
const KINDS = ["", "code", "deps", "secrets", "gate"];
const parts = {};
let filters = {};
let next = null;

function filterForm() {
  const severity = select([["", "any"], ...SEVERITIES.map((v) => [v, v.toLowerCase()])]);
  severity.name = "severity";
  const kind = select(KINDS.map((v) => [v, v || "any"]));
  kind.name = "kind";
  const text = (name, hint) => h("input", { type: "search", name, placeholder: hint });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter findings" },
    field("Severity", severity),
    field("Scan kind", kind),
    field("Tool", text("tool", "bandit")),
    field("Rule", text("rule", "B602")),
    field("File", text("path", "src/app.py")),
    h("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    filters = Object.fromEntries(new FormData(form));
    loadFindings(true);
    loadTrend();
  });
  return form;
}

const extra = [
  { label: "Scan", cell: (f) => h("span", {}, `${f.scan_kind || ""} ${fmt.day(f.scan_started_at)}`), class: "wide" },
];

async function loadFindings(fresh) {
  try {
    const answer = await page("/findings", { ...filters, limit: 100 }, fresh ? null : next);
    next = answer.next;
    const items = fresh ? answer.items : [...(parts.items || []), ...answer.items];
    parts.items = items;
    replace(parts.findings, findingsTable(items, extra));
    parts.more.hidden = !next;
  } catch (error) {
    status(`Could not load findings: ${error.message}`, "error");
  }
}

async function loadTrend() {
  try {
    const trend = await getJSON("/findings/trend", { ...filters, bucket: "day" });
    const items = trend.items || [];
    const present = SEVERITIES.filter((sev) => items.some((i) => i[sev]));
    replace(
      parts.trend,
      stackedBars("Findings per day by severity", items.map((i) => i.bucket), present, (b, g) => items[b][present[g]] || 0, {
        xFormat: fmt.day,
        yFormat: (v) => String(Math.round(v)),
        classOf: (g) => `sev-fill-${present[g].toLowerCase()}`,
      }),
    );
  } catch (error) {
    replace(parts.trend, h("p", { class: "error" }, `No trend: ${error.message}`));
  }
}

async function loadScans() {
  const answer = await page("/scans", { limit: 50 });
  if (!answer.items.length) {
    replace(parts.scans, h("p", { class: "muted" }, "No scans yet: run scriptrunner scan code|deps|secrets."));
    return;
  }
  replace(
    parts.scans,
    table(
      [
        { label: "Scan", cell: (sc) => fmt.shortId(sc.id), class: "mono" },
        { label: "Kind", cell: (sc) => sc.kind },
        { label: "Status", cell: (sc) => fmt.statusBadge(h, sc.status) },
        { label: "Started", cell: (sc) => fmt.time(sc.started_at), class: "num" },
        { label: "Findings", cell: (sc) => String(sc.findings_count ?? "–"), class: "num" },
        { label: "Run", cell: (sc) => (sc.run_id ? h("a", { href: `/runs/${encodeURIComponent(sc.run_id)}` }, fmt.shortId(sc.run_id)) : "–"), class: "mono" },
        {
          label: "SARIF",
          cell: (sc) => h("a", { href: `${API}/scans/${encodeURIComponent(sc.id)}?format=sarif`, download: `scan-${sc.id}.sarif`, "data-sarif": sc.id }, "Download"),
        },
      ],
      answer.items,
      (sc) => ({ "data-scan-id": sc.id }),
    ),
  );
}

startPage(async (app) => {
  parts.findings = h("div", { id: "findings" });
  parts.trend = h("div");
  parts.scans = h("div", { id: "scans" });
  parts.more = h("button", { type: "button", hidden: true, onclick: () => loadFindings(false) }, "Load more");
  replace(
    app,
    filterForm(),
    section("Trend", parts.trend),
    section("Findings", parts.findings, parts.more),
    section("Scans", parts.scans),
  );
  await Promise.all([loadFindings(true), loadTrend(), loadScans()]);
});
