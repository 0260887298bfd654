// Small pieces shared by the three consoles: status tags, priority badges, progress, ages.
import { t, esc, pick } from "./i18n.js";

export const tag = (status) => `<span class="tag ${esc(status)}" data-status="${esc(status)}">${esc(t("st." + status))}</span>`;
export const pri = (p) => `<span class="pri p${p}">${p}</span>`;

export function ago(iso) {
  const min = Math.max(0, Math.round((Date.now() - new Date(iso)) / 60000));
  return min < 120 ? `${min} ${t("m.min")}` : `${Math.round(min / 60)} ${t("m.h")}`;
}

export function hhmm(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

export function progressBar(p) {
  const a = Math.max(p.asked, 1), w = v => `${Math.min(100, 100 * v / a)}%`;
  return `<div class="progress" title="${t("m.asked")} ${p.asked} / ${t("m.confirmed")} ${p.confirmed} / ${t("m.delivered")} ${p.delivered} / ${t("m.remaining")} ${p.remaining}">
    <i class="d" style="width:${w(p.delivered)}"></i><i class="c" style="width:${w(Math.max(0, p.confirmed - p.delivered))}"></i>
    <i class="p" style="width:${w(Math.max(0, p.proposed - p.confirmed))}"></i></div>
    <span class="small muted" data-testid="progress">${t("m.asked")} ${p.asked} · ${t("m.confirmed")} ${p.confirmed} · ${t("m.delivered")} ${p.delivered} · ${t("m.remaining")} ${p.remaining}</span>`;
}

export function amount(n) {
  return n.kind === "transfer" ? `${n.people} ${t("risk." + n.risk)}` : n.lines.map(l => `${esc(l.sku)}×${l.quantity}`).join(" ");
}

export function needNotes(n) {
  const parts = [];
  if (n.status === "unmet") parts.push(`<span class="err">${esc(pick(n, "unmet_reason"))}</span>`);
  for (const a of n.assignments.filter(a => ["proposed", "confirmed", "under_way", "arriving", "done"].includes(a.status)))
    parts.push(`<span class="small">${esc(pick(a, "explanation"))}</span>`);
  for (const a of n.assignments.filter(a => a.status === "proposed"))  // a hold: who still has to answer, until when
    parts.push(`<span class="small muted" data-testid="hold">${t("m.awaiting")} ${esc((a.awaiting || []).join("、") || "—")} · ${t("m.expires")} ${hhmm(a.hold_expires_at)}</span>`);
  for (const a of n.assignments.filter(a => (a.release_reason || "").startsWith("declined")))  // a dispatcher's decline, for the operators
    parts.push(`<span class="small err" data-testid="decline">${t("m.declined")}：${esc(resources(a))} — ${esc(a.decline_reason || "—")}（${esc(a.decided_by)}）</span>`);
  if (n.duplicate_of) parts.push(`<span class="small err">${t("m.dup")} ${esc(n.duplicate_of)}</span>`);
  if (n.priority_reason) parts.push(`<span class="small muted">${esc(n.priority_reason)}</span>`);
  return parts.join("<br>");
}

export function resources(a) {
  return [...new Set([...a.trips.map(x => x.bus), ...(a.room ? [a.room.hotel] : []), ...a.picks.map(x => x.warehouse)])].join("、");
}

export function needsTable(needs, { actions = () => "" } = {}) {
  if (!needs.length) return `<p class="muted">${t("m.none")}</p>`;
  return `<table data-testid="needs-table"><tr><th>${t("c.pri")}</th><th>${t("c.site")}</th><th>${t("c.kind")}</th>
    <th>${t("c.amount")}</th><th>${t("c.status")}</th><th>${t("c.age")}</th><th>${t("c.progress")}</th><th>${t("c.reason")}</th><th></th></tr>
    ${needs.map(n => `<tr data-need="${esc(n.id)}"><td>${pri(n.priority)}</td><td>${esc(n.site_name)}<br><span class="small muted">${esc(n.district)} · ${esc(n.id)}</span></td>
      <td>${t("kind." + n.kind)}</td><td>${amount(n)}</td><td>${tag(n.status)}</td><td>${ago(n.created_at)}</td>
      <td>${progressBar(n.progress)}</td><td>${needNotes(n)}</td><td>${actions(n)}</td></tr>`).join("")}</table>`;
}

export function toast(msg) {
  const el = document.getElementById("toast");
  el.textContent = msg; el.classList.add("show");
  clearTimeout(toast._t); toast._t = setTimeout(() => el.classList.remove("show"), 2500);
}

// The input a refusal is about, as the form labels it (an unknown field keeps its own name).
const FIELD_LABEL = { kind: "f.kind", site_id: "f.site", site: "f.site", people: "f.people", risk: "f.risk",
  standard: "f.standard", family: "f.family", accessible: "f.accessible", ready_at: "f.ready", due_at: "f.due",
  lines: "f.lines", sku: "f.lines", quantity: "f.lines", vulnerabilities: "f.vuln", note: "f.note", day: "f.day" };

export function fieldLabel(field) {
  const last = String(field || "").replace(/\[\d+\]/g, "").split(".").pop();
  return FIELD_LABEL[last] ? t(FIELD_LABEL[last]) : String(field || "");
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
