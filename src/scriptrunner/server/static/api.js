// The API client: JSON over fetch with the session cookie (same origin only), cursor paging,
// and the live event stream (WebSocket) that reconnects and resumes from its last event id.

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

/** "?a=1&b=x&b=y" from an object (arrays repeat; empty values dropped). */
export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === null || v === undefined || v === "" || v === false) continue;
      search.append(key, String(v));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function toLogin() {
  const next = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

async function answer(response) {
  if (response.status === 401) {
    toLogin();
    throw new ApiError(401, "not logged in");
  }
  let body = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) body = await response.json();
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
    throw new ApiError(response.status, detail);
  }
  return body;
}

export async function getJSON(path, params = {}) {
  const response = await fetch(`${API}${path}${query(params)}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  return answer(response);
}

export async function postJSON(path, body = {}) {
  const response = await fetch(`${API}${path}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return answer(response);
}

/** One page of a list: {items, next}; pass the previous answer's `next` as cursor. */
export function page(path, params = {}, cursor = null) {
  return getJSON(path, { ...params, cursor });
}

/** Every item of a list, following cursors (bounded by `max`). */
export async function all(path, params = {}, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const answer = await page(path, { limit: 500, ...params }, cursor);
    items.push(...answer.items);
    cursor = answer.next;
  } while (cursor && items.length < max);
  return items;
}

/**
 * Wait until a run just started (by this server) is in the store: its first events are
 * stored with its row, so the events list (always 200) says when its page can be opened.
 */
export async function waitForRun(runId, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await getJSON("/events", { run_id: runId, limit: 1 });
    if (answer.items.length) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

let me = null;
/** The caller: {name, role}. */
export function whoAmI() {
  if (!me) me = getJSON("/me");
  return me;
}

/**
 * The live event stream. `onEvent(event)` gets each {id, type, run_id, ts, payload} once,
 * in id order; `onState("live" | "reconnecting")` reports the connection. After a drop
 * (or the server's "resume" message) it reconnects with ?after=LAST_ID, so nothing is missed.
 */
export class LiveEvents {
  constructor({ types = [], onEvent, onState = () => {} }) {
    this.types = types;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastId = null;
    this.socket = null;
    this.stopped = false;
    this.delay = 500;
    this.timer = null;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const params = query({ after: this.lastId, types: this.types.join(",") });
    return `${scheme}//${location.host}${API}/events/ws${params}`;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
  }

  connect() {
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.delay = 500;
      this.onState("live");
    });
    socket.addEventListener("message", (message) => this.receive(message.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket || this.stopped) return;
      this.onState("reconnecting");
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    });
  }

  receive(data) {
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (event.type === "ping") return;
    if (event.type === "resume") {
      if (event.after !== undefined && event.after !== null) this.lastId = event.after;
      this.delay = 0; // the server closes (4000) and we come straight back
      return;
    }
    if (event.id === undefined || event.id === null) return;
    if (this.lastId !== null && compareIds(event.id, this.lastId) <= 0) return; // seen
    this.lastId = event.id;
    try {
      this.onEvent(event);
    } catch (error) {
      console.warn("event handler failed", error);
    }
  }
}

function compareIds(a, b) {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Call `fn` at most once per `ms`, with the latest arguments (trailing). */
export function debounce(fn, ms = 200) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
