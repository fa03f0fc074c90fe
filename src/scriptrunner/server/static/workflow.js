// Workflow run page: DAG with live task states, Gantt timeline, Cancel / Resume for operators.

import { LiveEvents, debounce, getJSON, postJSON, waitForRun, whoAmI } from "./api.js";
import { dl, h, keepFocus, replace, section, status, table } from "./dom.js";
import { dagSvg } from "./dag.js";
import * as fmt from "./format.js";
import { Gantt } from "./gantt.js";
import { pathId, setTitle, startPage } from "./shell.js";

const id = pathId();
const gantt = new Gantt();
const parts = {};
let current = null;
const RESUMABLE = new Set(["failed", "cancelled", "timed_out", "blocked", "error", "lost", "infrastructure"]);

function summary(run) {
  return dl([
    ["Status", h("span", { id: "workflow-status" }, fmt.statusBadge(h, run.status))],
    ["File", run.script],
    ["Started", fmt.time(run.started_at)],
    ["Finished", run.finished_at ? fmt.time(run.finished_at) : null],
    ["Duration", fmt.duration(run.duration_seconds)],
    ["Tasks", `${run.tasks.length} (${run.tasks.filter((t) => t.status === "succeeded").length} succeeded)`],
    ["Cloud cost", run.cloud_cost_usd === null || run.cloud_cost_usd === undefined ? null : fmt.usd(run.cloud_cost_usd)],
    ["Tags", fmt.tags(run.tags) || null],
    ["Error", run.error],
    ["Trace", run.trace_id ? h("a", { href: `/traces/${encodeURIComponent(run.trace_id)}`, id: "trace-link" }, `Trace ${fmt.shortId(run.trace_id)}`) : null],
  ]);
}

function taskTable(tasks) {
  return table(
    [
      { label: "Task", cell: (t) => (t.id ? h("a", { href: `/runs/${encodeURIComponent(t.id)}` }, t.name) : t.name), class: "script" },
      { label: "Status", cell: (t) => fmt.statusBadge(h, t.status) },
      { label: "Attempts", cell: (t) => String(t.attempts ?? 0), class: "num" },
      { label: "Needs", cell: (t) => (t.needs || []).join(", "), class: "wide" },
      { label: "Duration", cell: (t) => fmt.duration(t.duration_seconds), class: "num" },
      { label: "Exit", cell: (t) => (t.exit_code === null || t.exit_code === undefined ? "–" : String(t.exit_code)), class: "num" },
    ],
    tasks,
    (t) => ({ "data-task-row": t.name, "data-status": t.status }),
  );
}

async function act(action) {
  parts.actions.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    const answer = await postJSON(`/workflows/${encodeURIComponent(id)}/${action}`);
    if (action === "resume" && answer.run_id) {
      status("Resuming…");
      await waitForRun(answer.run_id);
      location.assign(`/workflows/${encodeURIComponent(answer.run_id)}`);
      return;
    }
    status(action === "cancel" ? "Cancel requested." : "Done.", "");
  } catch (error) {
    status(`Could not ${action}: ${error.message}`, "error");
  }
  renderActions();
}

async function renderActions() {
  const me = await whoAmI().catch(() => ({ role: "viewer" }));
  if (me.role !== "operator" || !current) {
    replace(parts.actions);
    return;
  }
  replace(
    parts.actions,
    h("button", { type: "button", id: "cancel", class: "danger", disabled: current.status !== "running", onclick: () => act("cancel") }, "Cancel"),
    h("button", { type: "button", id: "resume", disabled: !RESUMABLE.has(current.status), onclick: () => act("resume") }, "Resume from failed tasks"),
  );
}

async function load() {
  const run = await getJSON(`/workflows/${encodeURIComponent(id)}`);
  current = run;
  setTitle(`Workflow ${fmt.baseName(run.script)} · ${fmt.shortId(run.id)}`);
  keepFocus(() => {
    replace(parts.summary, summary(run));
    replace(parts.dag, dagSvg(run.tasks, run.edges || []));
    replace(parts.tasks, taskTable(run.tasks));
    gantt.update(run.tasks);
  });
  renderActions();
  return run;
}

startPage(async (app) => {
  parts.summary = h("div");
  parts.actions = h("div", { class: "toolbar", role: "group", "aria-label": "Actions" });
  parts.dag = h("div", { class: "scroll-x", tabindex: "0", "aria-label": "Task graph (scrollable)" });
  parts.tasks = h("div");
  replace(
    app,
    parts.actions,
    section("Summary", parts.summary),
    section("Tasks", parts.dag),
    section("Timeline", gantt.element),
    section("Task list", parts.tasks),
  );
  await load();
  const ours = (event) =>
    event.run_id === id || (event.payload && event.payload.workflow_run_id === id) || current.tasks.some((t) => t.id && t.id === event.run_id);
  const refresh = debounce(() => load().catch((error) => status(`Could not refresh: ${error.message}`, "error")), 150);
  new LiveEvents({
    types: ["workflow.*", "task.*", "run.*"],
    onEvent: (event) => {
      if (ours(event) || event.type.startsWith("task.")) refresh();
    },
    onState: (s) => {
      status(s === "live" ? "Live" : "Reconnecting…", s);
      if (s === "live") refresh(); // whatever happened before the stream was open
    },
  }).start();
  setInterval(() => {
    if (current && current.status === "running") refresh();
  }, 5000);
});
