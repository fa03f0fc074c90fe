// Formatting of stored values for display (all results are plain strings).

const ICONS = {
  succeeded: "✔",
  success: "✔",
  passed: "✔",
  failed: "✖",
  error: "✖",
  timeout: "⏱",
  timed_out: "⏱",
  cancelled: "⊘",
  canceled: "⊘",
  blocked: "⛔",
  skipped: "↷",
  lost: "⚠",
  infrastructure: "⚡",
  running: "▶",
  pending: "…",
  queued: "…",
  retrying: "↻",
};

export function icon(status) {
  return ICONS[String(status || "").toLowerCase()] || "•";
}

/** A status as icon + text (never colour alone); the class gives the colour. */
export function statusBadge(h, status) {
  const name = String(status || "unknown");
  return h(
    "span",
    { class: `badge st-${name.toLowerCase().replace(/[^a-z_]/g, "")}` },
    h("span", { "aria-hidden": "true", class: "icon" }, icon(name)),
    " ",
    name,
  );
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const s = Number(seconds);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} m`;
}

export function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function time(epoch) {
  if (epoch === null || epoch === undefined) return "–";
  const d = new Date(Number(epoch) * 1000);
  const pad = (x) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function day(epoch) {
  return time(epoch).slice(0, 10);
}

export function usd(value) {
  if (value === null || value === undefined) return "–";
  const v = Number(value);
  if (v === 0) return "$0.00";
  return Math.abs(v) < 0.01 ? `$${Number(v.toPrecision(2))}` : `$${v.toFixed(2)}`;
}

export function percent(value) {
  if (value === null || value === undefined) return "–";
  return `${Number(value).toFixed(1)} %`;
}

export function shortId(id) {
  return String(id || "").slice(0, 8);
}

export function tags(obj) {
  return Object.entries(obj || {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** The last path part of a script or workflow file. */
export function baseName(path) {
  const text = String(path || "");
  return text.split("/").pop() || text;
}
