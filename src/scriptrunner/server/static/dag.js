// The workflow DAG: a layered (longest-path) layout drawn as SVG. One box per task; the
// instances of a matrix task are grouped in one box. States are text and an icon.

import { s } from "./dom.js";
import * as fmt from "./format.js";

const NODE_W = 230;
const GAP_X = 70;
const GAP_Y = 24;
const HEAD = 26;
const LINE = 20;
const PAD = 16;

function clip(text, max = 30) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Jobs (task groups) in plan order with their instances, and edges between jobs. */
export function graph(tasks, edges) {
  const jobs = new Map();
  const jobOf = new Map();
  for (const task of tasks) {
    const key = task.job || task.name;
    if (!jobs.has(key)) jobs.set(key, { key, tasks: [], preds: new Set(), succs: new Set() });
    jobs.get(key).tasks.push(task);
    jobOf.set(task.name, key);
  }
  for (const [from, to] of edges) {
    const a = jobOf.get(from);
    const b = jobOf.get(to);
    if (!a || !b || a === b) continue;
    jobs.get(a).succs.add(b);
    jobs.get(b).preds.add(a);
  }
  return jobs;
}

/** Longest-path layers; then a barycenter pass orders each layer to cut crossings. */
export function layout(jobs) {
  const layer = new Map();
  const visiting = new Set();
  const depth = (key) => {
    if (layer.has(key)) return layer.get(key);
    if (visiting.has(key)) return 0; // a cycle (should not happen): break it
    visiting.add(key);
    let d = 0;
    for (const p of jobs.get(key).preds) d = Math.max(d, depth(p) + 1);
    visiting.delete(key);
    layer.set(key, d);
    return d;
  };
  const layers = [];
  for (const key of jobs.keys()) {
    const d = depth(key);
    (layers[d] = layers[d] || []).push(key);
  }
  const order = new Map();
  layers.forEach((keys) => keys.forEach((k, i) => order.set(k, i)));
  for (let i = 1; i < layers.length; i++) {
    const center = (k) => {
      const preds = [...jobs.get(k).preds];
      return preds.length ? preds.reduce((sum, p) => sum + order.get(p), 0) / preds.length : order.get(k);
    };
    layers[i].sort((a, b) => center(a) - center(b));
    layers[i].forEach((k, j) => order.set(k, j));
  }
  const boxes = new Map();
  let height = 0;
  layers.forEach((keys, col) => {
    let y = PAD;
    for (const key of keys) {
      const job = jobs.get(key);
      const grouped = job.tasks.length > 1 || job.tasks.some((t) => t.matrix);
      const h = HEAD + LINE * (grouped ? job.tasks.length : 1) + 8;
      boxes.set(key, { x: PAD + col * (NODE_W + GAP_X), y, w: NODE_W, h, grouped });
      y += h + GAP_Y;
    }
    height = Math.max(height, y);
  });
  return { boxes, width: PAD * 2 + layers.length * (NODE_W + GAP_X) - GAP_X, height: height + PAD - GAP_Y };
}

function instanceLabel(task, grouped) {
  if (!grouped) return "";
  const values = Object.entries(task.matrix || {}).map(([k, v]) => `${k}=${v}`).join(", ");
  return values || task.name;
}

function instance(task, x, y, grouped) {
  const statusText = `${fmt.icon(task.status)} ${task.status}`;
  const label = instanceLabel(task, grouped);
  const line = s(
    "g",
    { class: `instance st-${task.status}`, "data-task": task.name, "data-status": task.status },
    s("title", {}, `${task.name}: ${task.status}${task.attempts > 1 ? ` (${task.attempts} attempts)` : ""}`),
    label ? s("text", { x: x + 10, y, class: "label" }, clip(label, 18)) : null,
    s("text", { x: x + (label ? NODE_W - 10 : 10), y, class: "state", "text-anchor": label ? "end" : "start" }, statusText),
  );
  if (!task.id) return line;
  const hit = s("rect", { class: "hit", x: x + 4, y: y - 14, width: NODE_W - 8, height: LINE - 1, rx: 3 });
  return s("a", { href: `/runs/${encodeURIComponent(task.id)}`, "aria-label": `${task.name}: ${task.status}` }, hit, line);
}

function worst(tasks) {
  const rank = ["failed", "blocked", "infrastructure", "lost", "error", "timed_out", "timeout", "cancelled", "running", "pending", "skipped", "succeeded"];
  const states = tasks.map((t) => t.status);
  return rank.find((r) => states.includes(r)) || states[0] || "pending";
}

/** The SVG for a workflow's tasks and needs edges. */
export function dagSvg(tasks, edges) {
  const jobs = graph(tasks, edges);
  const { boxes, width, height } = layout(jobs);
  const svg = s("svg", {
    class: "dag",
    id: "dag",
    width: Math.max(width, 200),
    height: Math.max(height, 60),
    viewBox: `0 0 ${Math.max(width, 200)} ${Math.max(height, 60)}`,
    role: "group",
    "aria-label": "Task graph",
  });
  svg.append(
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }))),
  );
  for (const [key, job] of jobs) {
    const a = boxes.get(key);
    for (const succ of job.succs) {
      const b = boxes.get(succ);
      const x1 = a.x + a.w;
      const y1 = a.y + a.h / 2;
      const x2 = b.x;
      const y2 = b.y + b.h / 2;
      const mid = (x1 + x2) / 2;
      svg.append(s("path", { class: "edge", d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, "marker-end": "url(#arrow)" }));
    }
  }
  for (const [key, job] of jobs) {
    const box = boxes.get(key);
    const state = worst(job.tasks);
    const title = box.grouped ? `${key} · ${job.tasks.length} instances` : key;
    const node = s(
      "g",
      { class: `node st-${state}`, "data-job": key },
      s("rect", { class: "box", x: box.x, y: box.y, width: box.w, height: box.h, rx: 6 }),
      s("text", { class: "title", x: box.x + 10, y: box.y + 18 }, clip(title), s("title", {}, title)),
    );
    job.tasks.forEach((task, i) => node.append(instance(task, box.x, box.y + HEAD + 12 + i * LINE, box.grouped)));
    svg.append(node);
  }
  return svg;
}
