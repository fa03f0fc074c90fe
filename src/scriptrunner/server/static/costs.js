// Costs page: stacked bars of attributed cloud cost per day by component, provider, service
// or a tag, and the most expensive scripts.

import { getJSON } from "./api.js";
import { stackedBars } from "./charts.js";
import { field, h, replace, section, select, status, table } from "./dom.js";
import * as fmt from "./format.js";
import { startPage } from "./shell.js";

const parts = {};

function form() {
  const group = select([["component", "component"], ["provider", "provider"], ["service", "service"], ["tag", "tag…"]], "component");
  group.name = "group";
  const tag = h("input", { type: "text", name: "tag", placeholder: "team" });
  const days = select([["7", "7 days"], ["30", "30 days"], ["90", "90 days"], ["365", "a year"]], "30");
  days.name = "days";
  const el = h(
    "form",
    { class: "filters", "aria-label": "Cost breakdown" },
    field("Group by", group),
    field("Tag key", tag),
    field("Period", days),
    h("button", { type: "submit" }, "Show"),
  );
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    draw(el);
  });
  return el;
}

async function draw(el) {
  const data = Object.fromEntries(new FormData(el));
  const groupBy = data.group === "tag" ? `tag:${String(data.tag || "").trim()}` : data.group;
  if (groupBy === "tag:") {
    status("Give the tag key to group by.", "error");
    return;
  }
  const since = Date.now() / 1000 - Number(data.days) * 86400;
  try {
    const [grouped, top] = await Promise.all([
      getJSON("/costs", { group_by: groupBy, since, bucket: "day" }),
      getJSON("/costs/top", { limit: 10, since }),
    ]);
    const items = grouped.items || [];
    const buckets = [...new Set(items.map((i) => i.bucket))].sort((a, b) => a - b);
    const totals = new Map();
    for (const i of items) totals.set(i.group, (totals.get(i.group) || 0) + i.usd);
    const groups = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a));
    const value = new Map(items.map((i) => [`${i.bucket}|${i.group}`, i.usd]));
    replace(
      parts.chart,
      stackedBars(`Cost per day by ${groupBy}`, buckets, groups, (b, g) => value.get(`${buckets[b]}|${groups[g]}`) || 0, { xFormat: fmt.day, yFormat: fmt.usd }),
      groups.length ? table([{ label: "Group", cell: (g) => g }, { label: "Total", cell: (g) => fmt.usd(totals.get(g)), class: "num" }], groups) : null,
    );
    const rows = Array.isArray(top) ? top : top.items || [];
    replace(
      parts.top,
      rows.length
        ? table(
            [
              { label: "Script", cell: (r) => r.script, class: "script" },
              { label: "Cost", cell: (r) => fmt.usd(r.usd), class: "num" },
              { label: "Runs", cell: (r) => String(r.runs), class: "num" },
              { label: "Per run", cell: (r) => fmt.usd(r.runs ? r.usd / r.runs : 0), class: "num" },
            ],
            rows,
          )
        : h("p", { class: "muted" }, "No attributed costs in this period."),
    );
    status("", "");
  } catch (error) {
    status(`Could not load costs: ${error.message}`, "error");
  }
}

startPage(async (app) => {
  parts.chart = h("div", { id: "cost-chart" });
  parts.top = h("div", { id: "cost-top" });
  const el = form();
  replace(app, el, section("Breakdown", parts.chart), section("Most expensive scripts", parts.top));
  await draw(el);
});
