// Run page: summary, attempts with delays, CPU and RSS charts, output, gate findings, trace link.

import { LiveEvents, debounce, getJSON } from "./api.js";
import { lineChart } from "./charts.js";
import { dl, h, replace, section, status, table } from "./dom.js";
import * as fmt from "./format.js";
import { findingsTable } from "./findings.js";
import { OutputView } from "./output.js";
import { pathId, setTitle, startPage } from "./shell.js";

const id = pathId();
const output = new OutputView();
const parts = {};

function summary(run) {
  const trace = run.trace_id
    ? h("a", { href: `/traces/${encodeURIComponent(run.trace_id)}`, id: "trace-link" }, `Trace ${fmt.shortId(run.trace_id)}`)
    : null;
  const workflow = run.workflow_run_id
    ? h("a", { href: `/workflows/${encodeURIComponent(run.workflow_run_id)}` }, `Workflow ${fmt.shortId(run.workflow_run_id)}`)
    : null;
  return dl([
    ["Status", h("span", { id: "run-status" }, fmt.statusBadge(h, run.status))],
    ["Script", h("span", { id: "run-script" }, run.script || "–")],
    ["Command", h("code", {}, (run.command || []).join(" "))],
    ["Task", run.task_name],
    ["Workflow", workflow],
    ["Exit code", run.exit_code === null || run.exit_code === undefined ? null : String(run.exit_code)],
    ["Error", run.error],
    ["Started", fmt.time(run.started_at)],
    ["Finished", run.finished_at ? fmt.time(run.finished_at) : null],
    ["Duration", fmt.duration(run.duration_seconds)],
    ["Attempts", String(run.attempts ?? "–")],
    ["Cloud cost", run.cloud_cost_usd === null || run.cloud_cost_usd === undefined ? null : fmt.usd(run.cloud_cost_usd)],
    ["Tags", fmt.tags(run.tags) || null],
    ["Host", run.hostname ? `${run.hostname} (pid ${run.pid ?? "?"})` : null],
    ["Working directory", run.cwd],
    ["Trace", trace],
  ]);
}

function metrics(run) {
  const m = run.metrics || {};
  return dl([
    ["CPU user", fmt.duration(m.cpu_user_seconds)],
    ["CPU system", fmt.duration(m.cpu_system_seconds)],
    ["CPU average", fmt.percent(m.cpu_percent_avg)],
    ["CPU peak", fmt.percent(m.cpu_percent_max)],
    ["Peak RSS", fmt.bytes(m.peak_rss_bytes)],
    ["stdout", fmt.bytes(m.stdout_bytes)],
    ["stderr", fmt.bytes(m.stderr_bytes)],
  ]);
}

/** Where an attempt run elsewhere (a Dask worker) ran: host, pid and worker. */
function placement(a) {
  if (!a.host && !a.worker) return "–";
  const where = `${a.host || "?"} (pid ${a.pid ?? "?"})`;
  return a.worker ? `${where}, ${a.worker}` : where;
}

function attempts(run) {
  const rows = run.attempt_rows || [];
  if (!rows.length) return h("p", { class: "muted" }, "No attempt has finished yet.");
  const remote = rows.some((a) => a.attempt_id);
  const where = remote
    ? [
        { label: "Ran on", cell: placement },
        { label: "Queued", cell: (a) => fmt.duration(a.queued_seconds), class: "num" },
      ]
    : [];
  return table(
    [
      { label: "Attempt", cell: (a) => String(a.attempt), class: "num" },
      { label: "Status", cell: (a) => fmt.statusBadge(h, a.status) },
      { label: "Exit", cell: (a) => (a.signal ? `signal ${a.signal}` : String(a.exit_code ?? "–")), class: "num" },
      { label: "Waited before", cell: (a) => fmt.duration(a.delay_before || 0), class: "num" },
      { label: "Started", cell: (a) => fmt.time(a.started_at), class: "num" },
      { label: "Wall time", cell: (a) => fmt.duration(a.wall_seconds), class: "num" },
      { label: "Peak RSS", cell: (a) => fmt.bytes(a.peak_rss_bytes), class: "num" },
      { label: "CPU avg / max", cell: (a) => `${fmt.percent(a.cpu_percent_avg)} / ${fmt.percent(a.cpu_percent_max)}`, class: "num" },
      ...where,
    ],
    rows,
    (a) => ({ "data-attempt": a.attempt }),
  );
}

function sampleCharts(samples) {
  const byAttempt = new Map();
  const t0 = samples.length ? Math.min(...samples.map((p) => p.t)) : 0;
  for (const p of samples) {
    const list = byAttempt.get(p.attempt) || [];
    list.push(p);
    byAttempt.set(p.attempt, list);
  }
  const series = (key, scale = 1) =>
    [...byAttempt.entries()].map(([attempt, list]) => ({
      name: `attempt ${attempt}`,
      points: list.map((p) => [p.t - t0, (p[key] || 0) / scale]),
    }));
  const secs = (v) => `${Number(v.toFixed(1))} s`;
  const cpuTop = Math.max(100, ...samples.map((p) => p.cpu_percent || 0));
  return h(
    "div",
    { class: "chart-grid", id: "samples" },
    lineChart("CPU (%)", series("cpu_percent"), { xFormat: secs, yFormat: (v) => `${Math.round(v)} %`, yMax: cpuTop }),
    lineChart("Resident memory (RSS, MiB)", series("rss_bytes", 1024 * 1024), { xFormat: secs, yFormat: (v) => `${Number(v.toPrecision(3))} MiB` }),
  );
}

async function load() {
  const [run, samples, out] = await Promise.all([
    getJSON(`/runs/${encodeURIComponent(id)}`),
    getJSON(`/runs/${encodeURIComponent(id)}/samples`).catch(() => ({ items: [] })),
    getJSON(`/runs/${encodeURIComponent(id)}/output`).catch(() => null),
  ]);
  setTitle(`Run ${fmt.shortId(run.id)} · ${fmt.baseName(run.script || run.task_name || "")}`);
  replace(parts.summary, summary(run));
  replace(parts.metrics, metrics(run));
  replace(parts.attempts, attempts(run));
  replace(parts.charts, sampleCharts(samples.items || []));
  if (out) output.update(out);
  const findings = (run.gate && run.gate.findings) || [];
  parts.gate.hidden = !run.gate;
  if (run.gate) {
    replace(
      parts.gateBody,
      h("p", {}, `Gate ${run.gate.status || ""}: ${findings.length} finding(s).`),
      findingsTable(findings),
    );
  }
  return run;
}

startPage(async (app) => {
  parts.summary = h("div");
  parts.metrics = h("div");
  parts.attempts = h("div");
  parts.charts = h("div");
  parts.gateBody = h("div");
  parts.gate = section("Gate findings", parts.gateBody);
  replace(
    app,
    h("div", { class: "grid2" }, section("Summary", parts.summary), section("Resources", parts.metrics)),
    section("Attempts", parts.attempts),
    section("CPU and memory", parts.charts),
    section("Output", output.element),
    parts.gate,
  );
  let run = await load();
  const refresh = debounce(async () => {
    try {
      run = await load();
    } catch (error) {
      status(`Could not refresh: ${error.message}`, "error");
    }
  }, 200);
  new LiveEvents({
    types: ["run.*"],
    onEvent: (event) => {
      if (event.run_id === run.id) refresh();
    },
    onState: (s) => {
      status(s === "live" ? "Live" : "Reconnecting…", s);
      if (s === "live") refresh(); // whatever happened before the stream was open
    },
  }).start();
  setInterval(() => {
    if (run.status === "running") refresh();
  }, 5000);
});
