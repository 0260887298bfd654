// The console's only way to the server: fetch with the stored bearer token, and the live feed.
import { pick } from "./i18n.js";

const KEY = "baolei.token";
export const token = () => localStorage.getItem(KEY);
export const setToken = (v) => v ? localStorage.setItem(KEY, v) : localStorage.removeItem(KEY);

// Every refusal is {"detail": [{"field", "reason_zh", "reason_en", ...}]}: `items` holds them, the
// message is the first reason in the console's language.
export class ApiError extends Error {
  constructor(status, body) {
    const items = Array.isArray(body?.detail) ? body.detail : [];
    super(items.length ? pick(items[0], "reason") : `HTTP ${status}`);
    this.status = status; this.body = body; this.items = items;
  }
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// A 503 means the server took nothing (it sheds load before doing any work, or rolled the work
// back), so it is always safe to send again: up to 3 times, after the delay it asks for.
export async function api(path, { method = "GET", body, raw, headers = {} } = {}) {
  const h = { Authorization: `Bearer ${token()}`, ...headers };
  let payload = raw;
  if (body !== undefined) { h["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(path, { method, headers: h, body: payload });
    const ct = r.headers.get("content-type") || "";
    const data = ct.includes("json") ? await r.json() : await r.blob();
    if (r.status === 503 && attempt < 3) {
      const ms = Number(r.headers.get("retry-after-ms")) || Number(data?.retry_after_ms) || 1000;
      await sleep(Math.min(ms, 5000));
      continue;
    }
    if (!r.ok) throw new ApiError(r.status, data);
    return data;
  }
}

export async function download(path, filename) {
  const blob = await api(path);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob); a.download = filename; a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

// What the signed-in user may do, from the one policy the services enforce (GET /api/me -> actions):
// "any" (every organisation), "own" (own organisation only) or absent (not at all).
export const can = (me, action) => Boolean(me?.actions?.[action]);

// Server-Sent Events from /api/live; calls onUpdate(summary) for each event, onState(true|false).
// The bearer token never goes into a URL: each connection first POSTs for a single-use ticket valid
// for seconds, and a dropped connection asks for a new one (a used ticket cannot open the stream again).
export function connectLive(onUpdate, onState) {
  const live = { es: null, closed: false, timer: null, close() { this.closed = true; clearTimeout(this.timer); this.es?.close(); } };
  let delay = 1000;
  const open = async () => {
    if (live.closed) return;
    try {
      const { ticket } = await api("/api/live/ticket", { method: "POST" });
      if (live.closed) return;
      const es = live.es = new EventSource(`/api/live?ticket=${encodeURIComponent(ticket)}`);
      es.addEventListener("hello", () => { delay = 1000; onState(true); });
      es.addEventListener("update", (e) => onUpdate(JSON.parse(e.data)));
      es.onerror = () => { es.close(); onState(false); retry(); };
    } catch { onState(false); retry(); }
  };
  const retry = () => { if (!live.closed) { live.timer = setTimeout(open, delay); delay = Math.min(delay * 2, 15000); } };
  open();
  return live;
}
