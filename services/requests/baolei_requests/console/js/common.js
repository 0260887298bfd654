// Small pieces shared by the three consoles: status tags, priority badges, progress, ages.
import { api } from "./api.js";
import { t, esc, pick, getLang, riskName, linesText, peopleText, roomsText } from "./i18n.js";
import { fasterPanel, lateMark, lateRow } from "./late.js";

// The city's clock, whatever the browser's zone (the server's is baolei_common/citytime.py).
export const CITY_TZ = "Asia/Shanghai";

export const tag = (status) => `<span class="tag ${esc(status)}" data-status="${esc(status)}">${esc(t("st." + status))}</span>`;
export const pri = (p) => `<span class="pri p${p}">${p}</span>`;

export function ago(iso) {
  const min = Math.max(0, Math.round((Date.now() - new Date(iso)) / 60000));
  return min < 120 ? `${min} ${t("m.min")}` : `${Math.round(min / 60)} ${t("m.h")}`;
}

// A day and time in the city's zone that no reader takes for another day: "12月7日 21:30" / "7 Dec 21:30"
// ("07/12" is July to some and December to others).
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export function hhmm(iso) {
  if (!iso) return "";
  const d = new Date(new Date(iso).getTime() + 8 * 3600e3);  // Beijing has no summer time: UTC+8 all year
  const time = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
  return getLang() === "zh" ? `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${time}` : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${time}`;
}

// The time of day only ("15:55"), for what happens within the hour.
export function clock(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: CITY_TZ, hour: "2-digit", minute: "2-digit", hour12: false });
}

// A need's progress; a supply need's in words staple by staple (`progress_zh`: bags and bottles are
// never added up), its bar the share of each staple delivered or on the way, averaged.
export function progressBar(p, n = null) {
  if (n && n.kind === "supply" && (n.progress_lines || []).length) {
    const ls = n.progress_lines, share = (f) => `${100 * ls.reduce((m, l) => m + Math.min(1, f(l) / Math.max(l.asked, 1)), 0) / ls.length}%`;
    return `<div class="progress"><i class="d" style="width:${share(l => l.delivered)}"></i><i class="c" style="width:${share(l => l.in_flight)}"></i></div>
      <span class="small muted" data-testid="progress">${esc(pick(n, "progress"))}</span>`;
  }
  const a = Math.max(p.asked, 1), w = v => `${Math.min(100, 100 * v / a)}%`;
  return `<div class="progress" title="${t("m.asked")} ${p.asked} / ${t("m.confirmed")} ${p.confirmed} / ${t("m.delivered")} ${p.delivered} / ${t("m.remaining")} ${p.remaining}">
    <i class="d" style="width:${w(p.delivered)}"></i><i class="c" style="width:${w(Math.max(0, p.confirmed - p.delivered))}"></i>
    <i class="p" style="width:${w(Math.max(0, p.proposed - p.confirmed))}"></i></div>
    <span class="small muted" data-testid="progress">${t("m.asked")} ${p.asked} · ${t("m.confirmed")} ${p.confirmed} · ${t("m.delivered")} ${p.delivered} · ${t("m.remaining")} ${p.remaining}</span>`;
}

// Punctuation of the console's language: 、 and ： and （） in Chinese, ", " and ": " and () in English.
export const listOf = (xs) => (xs || []).filter(Boolean).join(getLang() === "zh" ? "、" : ", ");
export const colon = () => getLang() === "zh" ? "：" : ": ";
export const paren = (x) => x ? esc(getLang() === "zh" ? `（${x}）` : `(${x})`) : "";

export function amount(n) {
  return n.kind === "transfer" ? `${esc(peopleText(n.people))} · ${esc(riskName(n.risk))}` : esc(linesText(n.lines));
}

// The need in a few words ("莲花北社区 6 人转运"), as a button that opens its drawer.
export const needLabel = (n) => pick(n, "label") || `${n.site_name || ""}`;
export const needLink = (id, label) => `<a href="#" class="needlink" data-open-need="${esc(id)}">${esc(label)}</a>`;

export function priorityReason(n) {
  return getLang() === "zh" ? n.priority_reason || "" : n.priority_reason_en || n.priority_reason || "";
}

export function holdLine(a) {  // a hold: who still has to answer, until when
  const mins = Math.max(0, Math.ceil((new Date(a.hold_expires_at) - Date.now()) / 60000));
  const who = listOf(a.awaiting) || "—";
  return `<span class="small muted" data-testid="hold">${esc(t("m.waitfor", { who }))} · ${esc(a.hold_expires_at ? t("m.expires_in", { n: mins }) : "")} (${clock(a.hold_expires_at)})</span>`;
}

export function dupNote(n) {
  const d = n.duplicate;
  if (!d) return n.duplicate_of ? `<span class="small err" data-testid="dup">${t("m.dup")}</span>` : "";
  const what = pick(d, "label");
  return `<span class="small err" data-testid="dup">${d.need_id ? `${t("m.dup")} ${needLink(d.need_id, what)}`
    : esc(t("m.dup_named", { what, when: hhmm(d.created_at) }))}</span>`;
}

export function needNotes(n) {
  const parts = [];
  if (n.status === "unmet") parts.push(`<span class="err">${esc(pick(n, "unmet_reason"))}</span>`);
  for (const a of n.assignments.filter(a => ["proposed", "confirmed", "under_way", "arriving", "done"].includes(a.status)))
    parts.push(`<span class="small">${esc(pick(a, "explanation"))}</span>`);
  for (const a of n.assignments.filter(a => a.status === "proposed")) parts.push(holdLine(a));
  for (const a of n.assignments.filter(a => (a.release_reason || "").startsWith("declined")))  // a dispatcher's decline, for the operators
    parts.push(`<span class="small err" data-testid="decline">${t("m.declined")}${colon()}${esc(resources(a))} — ${esc(a.decline_reason || t("m.noreason"))} ${paren(a.decided_by)}</span>`);
  const dup = dupNote(n);
  if (dup) parts.push(dup);
  if (priorityReason(n)) parts.push(`<span class="small muted">${esc(priorityReason(n))}</span>`);
  return parts.join("<br>");
}

export function resources(a) {
  return pick(a, "resources") || [...new Set([...a.trips.map(x => x.plate || ""), ...(a.room ? [a.room.hotel_name || ""] : []),
    ...a.picks.map(x => x.warehouse_name || "")].filter(Boolean))].join(getLang() === "zh" ? "、" : ", ");
}

export function needsTable(needs, { actions = () => "" } = {}) {
  if (!needs.length) return `<p class="muted">${t("m.none")}</p>`;
  return `<table data-testid="needs-table"><tr><th>${t("c.pri")}</th><th>${t("c.site")}</th><th>${t("c.kind")}</th>
    <th>${t("c.amount")}</th><th>${t("c.status")}</th><th>${t("c.age")}</th><th>${t("c.progress")}</th><th>${t("c.reason")}</th><th></th></tr>
    ${needs.map(n => `<tr data-need="${esc(n.id)}"><td>${pri(n.priority)}</td><td>${needLink(n.id, n.site_name)}<br><span class="small muted">${esc(n.district)}</span></td>
      <td>${t("kind." + n.kind)}</td><td>${amount(n)}</td><td>${tag(n.status)}${lateMark(n)}</td><td>${ago(n.created_at)}</td>
      <td>${progressBar(n.progress, n)}</td><td>${needNotes(n)}</td><td>${actions(n)}</td></tr>`).join("")}</table>`;
}

// One need in a drawer (a side panel; the whole screen on a phone): what was asked, its window,
// priority and why, progress, every proposal or job with its resources by name, and why unmet.
export async function openNeed(id) {
  let n;
  try { n = await api(`/api/needs/${encodeURIComponent(id)}`); } catch (e) { toast(errorText(e)); return; }
  let el = document.getElementById("need-drawer");
  if (!el) { el = document.createElement("aside"); el.id = "need-drawer"; el.className = "drawer"; el.dataset.testid = "need-drawer"; document.body.appendChild(el); }
  const row = (k, v) => v ? `<tr><th>${t(k)}</th><td>${v}</td></tr>` : "";
  const jobs = n.assignments.map(a => `<li>${tag(a.status)}${lateMark(a)} ${esc(resources(a))}<br><span class="small">${esc(pick(a, "explanation"))}</span>
    ${a.status === "proposed" ? "<br>" + holdLine(a) : ""}${a.decline_reason ? `<br><span class="small err">${t("m.declined")}${colon()}${esc(a.decline_reason)} ${paren(a.decided_by)}</span>` : ""}</li>`).join("");
  el.innerHTML = `<div class="drawer-head"><h2>${esc(needLabel(n))}</h2><button class="link" data-close>${t("m.close")}</button></div>
    <table class="kv">${row("c.status", tag(n.status))}${row("f.priority", `${pri(n.priority)} ${esc(priorityReason(n))}`)}
    ${row("f.site", `${esc(n.site_name)} · ${esc(n.district)}`)}${row("f.org", esc(n.organisation))}
    ${row("f.kind", t("kind." + n.kind))}${row("f.amount", amount(n))}${n.kind === "transfer" ? row("f.rooms", esc(roomsText(n.rooms))) : ""}
    ${row("f.window", `${hhmm(n.ready_at)} – ${hhmm(n.due_at)}`)}${row("f.created", hhmm(n.created_at))}
    ${row("c.progress", progressBar(n.progress, n))}${lateRow(n)}${n.status === "unmet" ? row("f.unmet", `<span class="err" data-testid="unmet-reason">${esc(pick(n, "unmet_reason"))}</span>`) : ""}
    ${row("f.note", esc(n.note))}${dupNote(n) ? row("m.dup", dupNote(n)) : ""}</table>
    <h3>${t("f.assignments")}</h3>${jobs ? `<ul class="jobs">${jobs}</ul>` : `<p class="muted">${t("m.none")}</p>`}`;
  el.classList.add("open");
  el.querySelector("[data-close]").onclick = () => el.classList.remove("open");
  await fasterPanel(el, n, openNeed);
}

// Any element with data-open-need opens that need's drawer (one listener for every page).
document.addEventListener("click", (e) => {
  const a = e.target.closest?.("[data-open-need]");
  if (!a) return;
  e.preventDefault();
  openNeed(a.dataset.openNeed);
});

export function toast(msg) {
  const el = document.getElementById("toast");
  el.textContent = msg; el.classList.add("show");
  clearTimeout(toast._t); toast._t = setTimeout(() => el.classList.remove("show"), 2500);
}

// The input a refusal is about, as the form labels it (an unknown field keeps its own name).
const FIELD_LABEL = { kind: "f.kind", site_id: "f.site", site: "f.site", people: "f.people", risk: "f.risk",
  standard: "f.standard", family: "f.family", accessible: "f.accessible", ready_at: "f.ready", due_at: "f.due",
  lines: "f.lines", sku: "f.lines", quantity: "f.lines", vulnerabilities: "f.vuln", note: "f.note", day: "f.day",
  rooms: "f.rooms", organisation: "f.org", priority: "f.priority", priority_reason: "f.priority" };

export function fieldLabel(field) {
  const last = String(field || "").replace(/\[\d+\]/g, "").split(".").pop();
  return FIELD_LABEL[last] ? t(FIELD_LABEL[last]) : "";  // an input the form does not show: the reason alone
}

// Each refusal under the input it is about (the phone form: fix everything in one go); what no input
// shows is returned, one line, for the form's own message. `form`: the form element.
const FIELD_INPUTS = { rooms: ["standard", "family", "accessible"], site_id: ["site_id"], lines: ["lines"], sku: ["lines"], quantity: ["lines"] };
export function showFieldErrors(form, e) {
  form.querySelectorAll(".field-err").forEach(x => x.remove());
  const rest = [];
  for (const x of e.items || (Array.isArray(e.body?.detail) ? e.body.detail : [])) {
    const last = String(x.field || "").replace(/\[\d+\]/g, "").split(".").pop();
    const names = FIELD_INPUTS[last] || [last];
    const input = names.map(nm => form.querySelector(`[name="${CSS.escape(nm)}"]`)).find(Boolean);
    if (!input) { rest.push(x); continue; }
    const msg = document.createElement("span");
    msg.className = "field-err err small"; msg.dataset.testid = "field-error"; msg.dataset.field = last;
    msg.textContent = `${fieldLabel(x.field) || last}${colon()}${pick(x, "reason")}`;
    (input.closest("label") || input).after(msg);
  }
  return rest.length ? errorText({ items: rest, message: e.message }) : "";
}

// One line per refusal, each in the console's language only: "field: reason; field: reason".
export function errorText(e) {
  const items = e.items || (Array.isArray(e.body?.detail) ? e.body.detail : []);
  if (!items.length) return e.message;
  const shown = items.slice(0, 5).map(x => {
    const where = x.row ? `${t("m.row")} ${x.row} ${fieldLabel(x.column || x.field)}` : fieldLabel(x.field);
    return where && !["request", "body", "Authorization", "status"].includes(where) ? `${where}: ${pick(x, "reason")}` : pick(x, "reason");
  });
  return shown.join("; ") + (items.length > 5 ? ` (+${items.length - 5})` : "");
}

// Live refresh that never fails loudly (issue 18): a refresh whose fetch fails (503 from the
// admission gate after its retries, or the network) keeps what is shown, shows a small note
// "刷新失败，稍后重试" and tries again with a growing delay (1 s, 2 s, 4 s … 30 s); the next success
// clears the note. `guarded(load)` wraps a view's load so every caller (live events, buttons, the
// first render) gets this, and no promise is left rejected.
const again = { timer: null, delay: 1000 };

function refreshNote(failed) {
  let el = document.getElementById("refresh-note");
  if (!el && failed) {
    el = document.createElement("div");
    el.id = "refresh-note"; el.className = "refresh-note"; el.dataset.testid = "refresh-note";
    el.setAttribute("role", "status");
    document.body.appendChild(el);
  }
  if (!el) return;
  el.textContent = failed ? t("m.refresh_failed") : "";
  el.hidden = !failed;
  el.dataset.failed = failed ? "1" : "";
}

export function guarded(load) {
  const run = async (...args) => {
    try {
      await load(...args);
      again.delay = 1000;
      clearTimeout(again.timer); again.timer = null;
      refreshNote(false);
    } catch (e) {
      console.warn("refresh failed, retrying", e);
      refreshNote(true);
      clearTimeout(again.timer);  // one retry pending, whoever failed last
      again.timer = setTimeout(() => run(...args), again.delay);
      again.delay = Math.min(again.delay * 2, 30000);
    }
  };
  return run;
}
