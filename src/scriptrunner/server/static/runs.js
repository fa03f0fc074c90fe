// Runs page: a live table of runs (rows carry data-run-id), filters, and per-script charts.

import { LiveEvents, debounce, getJSON, page } from "./api.js";
import { byId, field, h, keepFocus, replace, row, select, status } from "./dom.js";
import * as fmt from "./format.js";
import { scriptCharts } from "./runstats.js";
import { startPage } from "./shell.js";
import { startPanel } from "./start.js";

// Every status a stored run can show (scriptrunner.results.STORED_STATUSES; a test compares).
const STATUSES = ["", "running", "succeeded", "failed", "timed_out", "cancelled", "blocked", "error", "skipped", "lost", "infrastructure"];
const state = { items: new Map(), rows: new Map(), next: null, filters: {} };

function link(item) {
  const kind = item.kind === "workflow" ? "workflows" : "runs";
  return h("a", { href: `/${kind}/${encodeURIComponent(item.id)}` }, fmt.shortId(item.id));
}

const columns = [
  { label: "Status", cell: (r) => fmt.statusBadge(h, r.status) },
  { label: "Run", cell: link, class: "mono" },
  { label: "Kind", cell: (r) => (r.kind === "task" ? `task ${r.task_name || ""}` : r.kind || "run"), class: "wide" },
  {
    label: "Script",
    class: "script",
    cell: (r) =>
      h(
        "button",
        { type: "button", class: "linkish", title: `${r.script || ""} (show its charts)`, onclick: () => showCharts(r.script) },
        r.script ? fmt.baseName(r.script) : (r.command || []).join(" "),
      ),
  },
  { label: "Started", cell: (r) => fmt.time(r.started_at), class: "num" },
  { label: "Duration", cell: (r) => fmt.duration(r.duration_seconds), class: "num" },
  { label: "Attempts", cell: (r) => String(r.attempts ?? "–"), class: "num wide" },
  { label: "Peak RSS", cell: (r) => fmt.bytes(r.peak_rss_bytes), class: "num wide" },
  { label: "Cost", cell: (r) => fmt.usd(r.cloud_cost_usd), class: "num wide" },
  { label: "Tags", cell: (r) => fmt.tags(r.tags), class: "wide" },
];

function filterForm() {
  const params = new URLSearchParams(location.search);
  const statusSel = select(STATUSES.map((v) => [v, v || "any"]), params.get("status") || "");
  statusSel.name = "status";
  const kind = select([["", "any"], ["run", "run"], ["workflow", "workflow"], ["task", "task"]], params.get("kind") || "");
  kind.name = "kind";
  const script = h("input", { name: "script", type: "search", value: params.get("script") || "" });
  const tag = h("input", { name: "tag", type: "search", placeholder: "key=value", value: params.get("tag") || "" });
  const since = select([["", "any time"], ["3600", "last hour"], ["86400", "last day"], ["604800", "last week"]], params.get("since_ago") || "");
  since.name = "since_ago";
  const top = h("input", { type: "checkbox", name: "top_level", checked: params.get("top_level") !== "false" });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter runs" },
    field("Status", statusSel),
    field("Kind", kind),
    field("Script", script),
    field("Tag", tag),
    field("Started", since),
    h("div", { class: "field check" }, top, h("label", { for: "f-top" }, "Top-level only")),
    h("button", { type: "submit" }, "Apply"),
  );
  top.id = "f-top";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    readFilters(form);
    const shown = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) shown.set(k, String(v));
    shown.set("top_level", top.checked ? "true" : "false");
    history.replaceState(null, "", `?${shown}`);
    reload();
  });
  readFilters(form);
  return form;
}

function readFilters(form) {
  const data = new FormData(form);
  const ago = Number(data.get("since_ago") || 0);
  state.filters = {
    status: data.get("status"),
    kind: data.get("kind"),
    script: data.get("script"),
    tag: data.get("tag"),
    since: ago ? Date.now() / 1000 - ago : null,
    top_level: form.querySelector("[name=top_level]").checked ? "true" : null,
  };
}

function render() {
  const body = byId("runs-body");
  const sorted = [...state.items.values()].sort(
    (a, b) => (b.started_at || 0) - (a.started_at || 0) || String(a.id).localeCompare(String(b.id)),
  );
  // Move only rows out of place: moving a node drops the keyboard focus inside it.
  keepFocus(() => {
    let at = body.firstChild;
    for (const item of sorted) {
      const tr = state.rows.get(item.id);
      if (tr === at) at = at.nextSibling;
      else body.insertBefore(tr, at);
    }
  });
  byId("runs-empty").hidden = sorted.length > 0;
  byId("more").hidden = !state.next;
}

function upsert(item) {
  state.items.set(item.id, item);
  const fresh = row(columns, item, { "data-run-id": item.id, "data-status": item.status });
  const old = state.rows.get(item.id);
  if (old) keepFocus(() => old.replaceWith(fresh));
  state.rows.set(item.id, fresh);
}

async function reload() {
  state.items.clear();
  state.rows.forEach((tr) => tr.remove());
  state.rows.clear();
  await loadPage(null);
}

async function loadPage(cursor) {
  try {
    const answer = await page("/runs", { ...state.filters, limit: 50 }, cursor);
    answer.items.forEach(upsert);
    state.next = answer.next;
    render();
  } catch (error) {
    status(`Could not load runs: ${error.message}`, "error");
  }
}

async function refreshRow(id) {
  try {
    upsert(await getJSON(`/runs/${encodeURIComponent(id)}`));
    render();
  } catch (error) {
    if (error.status !== 404) status(`Could not refresh run ${fmt.shortId(id)}: ${error.message}`, "error");
  }
}

const refreshTop = debounce(async () => {
  const answer = await page("/runs", { ...state.filters, limit: 50 }).catch(() => null);
  if (!answer) return;
  answer.items.forEach(upsert);
  render();
}, 150);

// Rows named by events, refetched once per burst (a replay of many events costs one fetch
// per row, not one per event).
const changed = new Set();
const refreshChanged = debounce(() => {
  const ids = [...changed];
  changed.clear();
  ids.forEach(refreshRow);
}, 100);

function showCharts(script) {
  if (!script) return;
  byId("chart-script").value = script;
  drawCharts(script);
}

async function drawCharts(script) {
  const box = byId("charts");
  try {
    replace(box, scriptCharts(await getJSON("/runs/stats", { script })));
  } catch (error) {
    replace(box, h("p", { class: "error" }, `No statistics for that script: ${error.message}`));
  }
  box.scrollIntoView({ block: "nearest" });
}

function chartForm() {
  const input = h("input", { id: "chart-script", type: "search", placeholder: "path/to/script.py" });
  const form = h("form", { class: "filters", "aria-label": "Script charts" }, field("Script", input), h("button", { type: "submit" }, "Show charts"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) drawCharts(input.value.trim());
  });
  return form;
}

startPage(async (app) => {
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label)));
  const more = h("button", { id: "more", type: "button", hidden: true, onclick: () => loadPage(state.next) }, "Load more");
  replace(
    app,
    filterForm(),
    h("div", { class: "table-wrap" }, h("table", { id: "runs" }, h("caption", { class: "sr-only" }, "Runs, newest first"), h("thead", {}, head), h("tbody", { id: "runs-body" }))),
    h("p", { id: "runs-empty", class: "muted", hidden: true }, "No runs match."),
    more,
    h("section", { class: "panel" }, h("h2", {}, "Duration and failures of a script"), chartForm(), h("div", { id: "charts" })),
  );
  startPanel().then((panel) => panel && app.append(panel));
  new LiveEvents({
    types: ["run.*", "workflow.*", "task.*"],
    onEvent: (event) => {
      if (event.run_id && state.items.has(event.run_id)) {
        changed.add(event.run_id);
        refreshChanged();
      } else refreshTop();
    },
    onState: (s) => {
      status(s === "live" ? "Live" : "Reconnecting…", s);
      if (s === "live") refreshTop(); // whatever happened before the stream was open
    },
  }).start();
  await loadPage(null);
});
