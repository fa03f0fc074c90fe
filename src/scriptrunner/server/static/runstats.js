// The per-script charts of the Runs page: duration over time, failure rate per day.

import { h } from "./dom.js";
import { lineChart, stackedBars } from "./charts.js";
import * as fmt from "./format.js";

const FAILED = new Set(["failed", "timed_out", "timeout", "error", "blocked", "cancelled", "lost", "infrastructure"]);

export function scriptCharts(stats) {
  const series = stats.series || [];
  const durations = lineChart(
    `Duration of ${stats.script} over time`,
    [{ name: "duration", points: series.map((p) => [p.started_at, p.duration_seconds || 0]), runs: series }],
    { xFormat: fmt.day, yFormat: fmt.duration, marks: (one, j) => FAILED.has(one.runs[j].status) },
  );
  const days = new Map();
  for (const p of series) {
    const key = Math.floor(p.started_at / 86400) * 86400;
    const entry = days.get(key) || { runs: 0, failures: 0 };
    entry.runs += 1;
    if (FAILED.has(p.status)) entry.failures += 1;
    days.set(key, entry);
  }
  const keys = [...days.keys()].sort((a, b) => a - b);
  const rates = stackedBars(
    "Failure rate per day",
    keys,
    ["failed", "succeeded"],
    (b, g) => {
      const d = days.get(keys[b]);
      return g === 0 ? d.failures / d.runs : 1 - d.failures / d.runs;
    },
    { xFormat: fmt.day, yFormat: (v) => `${Math.round(v * 100)} %`, classOf: (g) => (g === 0 ? "c-bad" : "c-ok") },
  );
  const summary = h(
    "p",
    { class: "summary" },
    `${stats.runs} runs, ${stats.failures} failed (${Math.round((stats.failure_rate || 0) * 100)} %); `,
    `p50 ${fmt.duration(stats.p50_seconds)}, p95 ${fmt.duration(stats.p95_seconds)}.`,
  );
  return h("div", { class: "charts" }, summary, h("div", { class: "chart-grid" }, durations, rates));
}
