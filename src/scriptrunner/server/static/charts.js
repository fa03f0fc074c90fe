// SVG charts drawn here: a line chart (several series) and stacked bars. Geometry goes in
// attributes; colours come from classes (.s0 ... .s7) in app.css, so both themes apply.

import { h, s } from "./dom.js";

const W = 640;
const H = 220;
const PAD = { left: 70, right: 14, top: 12, bottom: 28 };

function ticks(min, max, count = 4) {
  if (!(max > min)) return [min];
  const step = niceStep((max - min) / count);
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(v);
  return out;
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function frame(title, label) {
  return s("svg", {
    class: "chart",
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-label": label || title,
    preserveAspectRatio: "xMidYMid meet",
  });
}

function axes(svg, x, y, xTicks, yTicks, xFormat, yFormat) {
  for (const v of yTicks) {
    const py = y(v);
    svg.append(
      s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: py, y2: py }),
      s("text", { class: "tick", x: PAD.left - 6, y: py + 4, "text-anchor": "end" }, yFormat(v)),
    );
  }
  for (const v of xTicks) {
    svg.append(
      s("text", { class: "tick", x: x(v), y: H - 8, "text-anchor": "middle" }, xFormat(v)),
    );
  }
  svg.append(
    s("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom }),
  );
}

function legend(names, classOf = (i) => `s${i % 8}`) {
  return h(
    "ul",
    { class: "legend" },
    names.map((name, i) =>
      h("li", {}, h("span", { class: `swatch ${classOf(i)}`, "aria-hidden": "true" }), name),
    ),
  );
}

function empty(title) {
  return h("figure", { class: "chart-box" }, h("figcaption", {}, title), h("p", { class: "muted" }, "No data yet."));
}

/**
 * series: [{name, points: [[x, y], ...]}]; x and y numbers. Points get a <title> tooltip.
 * Returns a <figure> with the SVG and a legend.
 */
export function lineChart(title, series, { xFormat = String, yFormat = String, yMin = 0, yMax = null, marks = null } = {}) {
  const points = series.flatMap((one) => one.points);
  if (!points.length) return empty(title);
  let [x0, x1] = [Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0]))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  const top = yMax ?? Math.max(...points.map((p) => p[1]), yMin + 1e-9);
  const x = (v) => PAD.left + ((v - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - yMin) / (top - yMin || 1)) * (H - PAD.top - PAD.bottom);
  const svg = frame(title);
  axes(svg, x, y, ticks(x0, x1, 4), ticks(yMin, top), xFormat, yFormat);
  series.forEach((one, i) => {
    if (!one.points.length) return;
    const d = one.points.map((p, j) => `${j ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    svg.append(s("path", { class: `line s${i % 8}`, d }));
    one.points.forEach((p, j) => {
      const bad = marks && marks(one, j);
      svg.append(
        s(
          "circle",
          { class: `dot s${i % 8}${bad ? " bad" : ""}`, cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: bad ? 4 : 2.5 },
          s("title", {}, `${one.name}: ${xFormat(p[0])} → ${yFormat(p[1])}`),
        ),
      );
    });
  });
  return h("figure", { class: "chart-box" }, h("figcaption", {}, title), svg, series.length > 1 ? legend(series.map((o) => o.name)) : null);
}

/**
 * Stacked bars. buckets: [label...]; groups: [name...]; value(bucketIndex, groupIndex) -> number.
 */
export function stackedBars(title, buckets, groups, value, { yFormat = String, xFormat = String, classOf = (g) => `s${g % 8}` } = {}) {
  if (!buckets.length || !groups.length) return empty(title);
  const totals = buckets.map((_, b) => groups.reduce((sum, _g, g) => sum + (value(b, g) || 0), 0));
  const top = Math.max(...totals, 1e-9);
  const width = (W - PAD.left - PAD.right) / buckets.length;
  const y = (v) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const svg = frame(title);
  const every = Math.ceil(buckets.length / 8);
  axes(svg, () => 0, y, [], ticks(0, top), xFormat, yFormat);
  buckets.forEach((bucket, b) => {
    let base = 0;
    const barWidth = Math.min(width * 0.8, 56);
    const bx = PAD.left + b * width + (width - barWidth) / 2;
    groups.forEach((group, g) => {
      const v = value(b, g) || 0;
      if (v <= 0) return;
      const y0 = y(base);
      const y1 = y(base + v);
      base += v;
      svg.append(
        s(
          "rect",
          { class: `bar ${classOf(g)}`, x: bx.toFixed(1), y: y1.toFixed(1), width: barWidth.toFixed(1), height: Math.max(y0 - y1, 0.5).toFixed(1) },
          s("title", {}, `${xFormat(bucket)} · ${group}: ${yFormat(v)}`),
        ),
      );
    });
    if (b % every === 0) {
      svg.append(s("text", { class: "tick", x: (bx + barWidth / 2).toFixed(1), y: H - 8, "text-anchor": "middle" }, xFormat(bucket)));
    }
  });
  return h("figure", { class: "chart-box" }, h("figcaption", {}, title), svg, legend(groups, classOf));
}
