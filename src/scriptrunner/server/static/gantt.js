// A zoomable timeline (Gantt) of a workflow's tasks and their attempts, in SVG.
// Zoom with the buttons or the mouse wheel over the chart; scroll sideways to pan.

import { h, replace, s } from "./dom.js";
import * as fmt from "./format.js";

const LABEL_W = 190;
const ROW_H = 26;
const AXIS_H = 24;

export class Gantt {
  constructor() {
    this.zoom = 1;
    this.tasks = [];
    this.now = Date.now() / 1000;
    this.box = h("div", { class: "scroll-x", id: "gantt", tabindex: "0", "aria-label": "Timeline; use the zoom buttons or the mouse wheel" });
    this.level = h("span", { class: "muted", "aria-live": "polite" });
    this.box.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
    this.element = h(
      "div",
      {},
      h(
        "div",
        { class: "toolbar", role: "group", "aria-label": "Timeline zoom" },
        h("button", { type: "button", id: "zoom-in", onclick: () => this.setZoom(this.zoom * 1.5) }, "Zoom in"),
        h("button", { type: "button", id: "zoom-out", onclick: () => this.setZoom(this.zoom / 1.5) }, "Zoom out"),
        h("button", { type: "button", id: "zoom-reset", onclick: () => this.setZoom(1) }, "Fit"),
        this.level,
      ),
      this.box,
    );
  }

  update(tasks) {
    this.tasks = tasks.filter((t) => t.started_at);
    this.now = Date.now() / 1000;
    this.draw();
  }

  wheel(event) {
    if (!this.tasks.length || event.deltaY === 0) return;
    event.preventDefault();
    const rect = this.box.getBoundingClientRect();
    const anchor = this.box.scrollLeft + event.clientX - rect.left - LABEL_W;
    const before = this.zoom;
    this.setZoom(this.zoom * (event.deltaY < 0 ? 1.25 : 0.8));
    this.box.scrollLeft += anchor * (this.zoom / before - 1);
  }

  setZoom(value) {
    this.zoom = Math.min(Math.max(value, 1), 200);
    this.draw();
  }

  draw() {
    this.level.textContent = `${Math.round(this.zoom * 100)} %`;
    if (!this.tasks.length) {
      replace(this.box, h("p", { class: "muted" }, "No task has started yet."));
      return;
    }
    const t0 = Math.min(...this.tasks.map((t) => t.started_at - (firstDelay(t) || 0)));
    const t1 = Math.max(...this.tasks.map((t) => t.finished_at || this.now));
    const span = Math.max(t1 - t0, 0.001);
    const base = Math.max(this.box.clientWidth - LABEL_W - 20, 300);
    const width = base * this.zoom;
    const x = (t) => LABEL_W + ((t - t0) / span) * width;
    const height = AXIS_H + this.tasks.length * ROW_H + 6;
    const svg = s("svg", { class: "gantt", width: LABEL_W + width + 20, height, role: "img", "aria-label": `Timeline of ${this.tasks.length} tasks over ${fmt.duration(span)}` });
    for (let i = 0; i <= 8; i++) {
      const t = t0 + (span * i) / 8;
      const px = x(t);
      svg.append(
        s("line", { class: "grid", x1: px, x2: px, y1: AXIS_H - 4, y2: height }),
        s("text", { class: "tick", x: px, y: 14, "text-anchor": i === 0 ? "start" : "middle" }, `+${fmt.duration(t - t0)}`),
      );
    }
    this.tasks.forEach((task, row) => {
      const y = AXIS_H + row * ROW_H;
      svg.append(s("text", { class: "lane", x: 4, y: y + 17 }, `${fmt.icon(task.status)} ${clip(task.name)}`, s("title", {}, task.name)));
      const attempts = task.attempt_rows && task.attempt_rows.length ? task.attempt_rows : [{ attempt: 1, started_at: task.started_at, finished_at: task.finished_at, status: task.status, delay_before: 0 }];
      for (const a of attempts) {
        const start = a.started_at || task.started_at;
        const end = a.finished_at || this.now;
        if (a.delay_before > 0) {
          svg.append(s("rect", { class: "wait", x: x(start - a.delay_before), y: y + 9, width: Math.max(x(start) - x(start - a.delay_before), 1), height: 8 }, s("title", {}, `waited ${fmt.duration(a.delay_before)} before attempt ${a.attempt}`)));
        }
        svg.append(
          s(
            "rect",
            { class: `task-bar st-${a.status || task.status}`, "data-task": task.name, x: x(start), y: y + 5, width: Math.max(x(end) - x(start), 2), height: 16, rx: 3 },
            s("title", {}, `${task.name} attempt ${a.attempt}: ${a.status || task.status}, ${fmt.duration(end - start)}`),
          ),
        );
      }
    });
    replace(this.box, svg);
  }
}

function firstDelay(task) {
  const rows = task.attempt_rows || [];
  return rows.length ? rows[0].delay_before : 0;
}

function clip(text, max = 24) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
