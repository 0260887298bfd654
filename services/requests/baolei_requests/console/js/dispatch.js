// Dispatcher (调度台): my trips, rooms and picks; accept or decline holds; start and finish jobs;
// the live state of my buses and hotels; a printable dispatch sheet and CSV/XLSX exports.
import { api, can, download } from "./api.js";
import { esc, pick, t } from "./i18n.js";
import { errorText, hhmm, tag, toast } from "./common.js";

let root, me;
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);  // Beijing day

export async function render(el, who) {
  root = el; me = who;
  root.innerHTML = `<div class="card no-print"><h2>${t("h.mytasks")}</h2><div id="tasks"></div></div>
    <div class="grid g2 no-print" style="margin-top:14px">
      <div class="card"><h2>${t("h.mybuses")}</h2><div id="buses"></div></div>
      <div class="card"><h2>${t("h.myhotels")}</h2><div id="hotels"></div></div></div>
    <div class="card sheet" style="margin-top:14px"><h2>${t("h.sheet")}</h2>
      <div class="row no-print"><label>${t("f.day")} <input type="date" id="day" value="${today()}"></label>
        <button id="print" data-testid="print-sheet">${t("a.print")}</button><button id="csv">${t("a.csv")}</button>
        <button id="xlsx">${t("a.xlsx")}</button></div><div id="sheet"></div></div>`;
  const q = () => `organisation=${encodeURIComponent(me.role === "operator" ? "" : me.organisation)}&day=${root.querySelector("#day").value}`;
  root.querySelector("#day").onchange = () => sheet(q());
  root.querySelector("#print").onclick = () => window.print();
  root.querySelector("#csv").onclick = () => download(`/api/exports/dispatch-sheet?${q()}&format=csv`, `dispatch-${today()}.csv`);
  root.querySelector("#xlsx").onclick = () => download(`/api/exports/dispatch-sheet?${q()}&format=xlsx`, `dispatch-${today()}.xlsx`);
  await refresh();
}

export async function refresh() {
  if (!root?.isConnected) return;
  const [tasks, buses, hotels] = await Promise.all([
    api("/api/assignments?status=proposed,confirmed,under_way,arriving,done&limit=300"), api("/api/buses"), api("/api/hotels")]);
  taskTable(tasks);
  busTable(me.role === "operator" ? buses.slice(0, 30) : buses);
  hotelTable(me.role === "operator" ? hotels.slice(0, 30) : hotels);
  await sheet(`organisation=${encodeURIComponent(me.role === "operator" ? "" : me.organisation)}&day=${root.querySelector("#day").value}`);
}

function mine(a) {
  const org = me.role === "operator" ? null : me.organisation;
  const parts = [];
  for (const tr of a.trips.filter(x => !org || x.operator === org))
    parts.push(`<span class="tag">${t("c.bus")}</span> ${esc(tr.bus)} ${hhmm(tr.start_at)} · ${tr.stops.map(s => esc(s.site)).join(" → ")} → ${esc(tr.hotel)} ${hhmm(tr.arrive_at)}
      (${tr.stops.reduce((n, s) => n + s.load.reduce((m, l) => m + l.people, 0), 0)})`);
  if (a.room && (!org || a.room.operator === org))
    parts.push(`<span class="tag">${t("c.hotel")}</span> ${esc(a.room.hotel)} · ${t("f.standard")} ${a.room.standard} / ${t("f.family")} ${a.room.family} / ${t("f.accessible")} ${a.room.accessible}`);
  for (const p of a.picks.filter(x => !org || x.operator === org)) parts.push(`<span class="tag">${t("kind.supply")}</span> ${esc(p.warehouse)} · ${esc(p.sku)} × ${p.quantity}`);
  return parts.join("<br>");
}

function taskTable(tasks) {
  const el = root.querySelector("#tasks");
  if (!tasks.length) { el.innerHTML = `<p class="muted">${t("m.none")}</p>`; return; }
  const buttons = a => a.status === "proposed" && (!can(me, "assignment.answer") || (me.role !== "operator" && (a.accepted_by || []).includes(me.organisation))) ? ""
    : !can(me, "assignment.run") && a.status !== "proposed" ? ""
    : a.status === "proposed"
    ? `<button class="ok" data-act="accept" data-id="${a.id}" data-testid="accept-${a.id}">${t("a.accept")}</button>
       <button data-act="decline" data-id="${a.id}">${t("a.decline")}</button>`
    : a.status === "confirmed" ? `<button data-act="start" data-id="${a.id}">${t("a.start")}</button> <button data-act="done" data-id="${a.id}">${t("a.done")}</button>`
    : a.status === "under_way" ? `<button class="ok" data-act="done" data-id="${a.id}">${t("a.done")}</button>`
    : a.status === "arriving" && (me.role === "operator" || a.room?.operator === me.organisation)
      ? `<button class="ok" data-act="arrive" data-id="${a.id}" data-testid="arrive-${a.id}">${t("a.arrive")}</button>` : "";
  el.innerHTML = `<table data-testid="tasks-table"><tr><th>${t("c.task")}</th><th>${t("c.status")}</th><th>${t("c.reason")}</th><th>${t("c.action")}</th></tr>
    ${tasks.map(a => `<tr data-assignment="${a.id}" data-need="${a.need_id}"><td>${mine(a)}<br><span class="small muted">${esc(a.id)} · ${esc(a.need_id)}</span></td>
      <td>${tag(a.status)}${a.status === "proposed" && a.hold_expires_at ? `<br><span class="small muted">${t("m.expires")} ${hhmm(a.hold_expires_at)}</span>` : ""}
      ${a.status === "proposed" ? `<br><span class="small" data-testid="awaiting">${(a.accepted_by || []).length ? `${t("m.accepted_by")} ${esc(a.accepted_by.join("、"))}；` : ""}${t("m.awaiting")} ${esc((a.awaiting || []).join("、"))}</span>` : ""}
      ${["arriving", "done"].includes(a.status) ? `<br><span class="small">${t("m.delivered")} ${a.delivered}</span>` : ""}</td>
      <td class="small">${esc(pick(a, "explanation"))}</td><td>${buttons(a)}</td></tr>`).join("")}</table>`;
  el.querySelectorAll("[data-act]").forEach(b => b.onclick = () => act(b.dataset.act, b.dataset.id));
}

async function act(what, id) {
  try {
    if (what === "decline") {
      const reason = prompt(t("m.declinereason") + t("m.declinereason_hint")); if (reason === null) return;
      await api(`/api/assignments/${id}/decline`, { method: "POST", body: { reason } });
    } else if (what === "done") {
      const v = prompt(t("m.delivered_q"), ""); if (v === null) return;
      await api(`/api/assignments/${id}/done`, { method: "POST", body: v.trim() ? { delivered: Number(v) } : {} });
    } else if (what === "arrive") {
      const v = prompt(t("m.arrived_q"), ""); if (v === null) return;
      await api(`/api/assignments/${id}/arrive`, { method: "POST", body: v.trim() ? { arrived: Number(v) } : {} });
    } else await api(`/api/assignments/${id}/${what}`, { method: "POST" });
    toast(t("m.updated")); refresh();
  } catch (e) { toast(errorText(e)); }
}

function busTable(buses) {
  if (!buses.length) { root.querySelector("#buses").innerHTML = `<p class="muted">${t("m.none")}</p>`; return; }
  root.querySelector("#buses").innerHTML = `<table><tr><th>${t("c.bus")}</th><th>${t("c.status")}</th><th></th></tr>
    ${buses.map(b => `<tr data-bus="${esc(b.id)}"><td>${esc(b.plate)} <span class="small muted">${esc(b.id)} · ${b.seats}×${b.load_limit}</span></td>
      <td>${tag(b.state)}</td><td>${can(me, "bus.manage") ? `<button data-bus-state="${b.state === "in_service" ? "out_of_service" : "in_service"}" data-id="${esc(b.id)}">
      ${t(b.state === "in_service" ? "a.stop" : "a.resume")}</button>` : ""}</td></tr>`).join("")}</table>`;
  root.querySelectorAll("[data-bus-state]").forEach(b => b.onclick = async () => {
    let reason = "";
    if (b.dataset.busState === "out_of_service") {  // dangerous: confirm, with a reason for the audit
      const bus = buses.find(x => x.id === b.dataset.id);
      reason = prompt(t("m.stop_q").replace("{bus}", bus ? bus.plate || bus.id : b.dataset.id));
      if (reason === null) return;
      if (!reason.trim()) { toast(t("m.reason_needed")); return; }
    }
    try { await api(`/api/buses/${b.dataset.id}/state`, { method: "POST", body: { state: b.dataset.busState, reason } }); refresh(); }
    catch (e) { toast(errorText(e)); }
  });
}

function hotelTable(hotels) {
  if (!hotels.length) { root.querySelector("#hotels").innerHTML = `<p class="muted">${t("m.none")}</p>`; return; }
  const inp = (h, k) => `<input type="number" min="0" max="${h.rooms[k] || 0}" value="${(h.out_of_use || {})[k] || 0}" data-k="${k}" style="width:56px">`;
  root.querySelector("#hotels").innerHTML = `<table><tr><th>${t("c.hotel")}</th><th>${t("c.rooms")}</th><th>${t("c.out")}</th><th>${t("c.status")}</th><th></th></tr>
    ${hotels.map(h => `<tr data-hotel="${esc(h.id)}"><td>${esc(h.name)}</td><td>${h.rooms.standard}/${h.rooms.family}/${h.rooms.accessible}</td>
      <td>${inp(h, "standard")}${inp(h, "family")}${inp(h, "accessible")}</td>
      <td><select data-state>${["open", "closed"].map(s => `<option value="${s}" ${h.state === s ? "selected" : ""}>${t("st." + s)}</option>`).join("")}</select></td>
      <td>${can(me, "hotel.manage") ? `<button data-save="${esc(h.id)}">${t("a.save")}</button>` : ""}</td></tr>`).join("")}</table>`;
  root.querySelectorAll("[data-save]").forEach(b => b.onclick = async () => {
    const tr = b.closest("tr"), out = {};
    tr.querySelectorAll("input[data-k]").forEach(i => { out[i.dataset.k] = Number(i.value); });
    const state = tr.querySelector("[data-state]").value, h = hotels.find(x => x.id === b.dataset.save) || {};
    const before = h.out_of_use || {};
    let reason = "";
    if ((state === "closed" && h.state !== "closed") || Object.keys(out).some(k => out[k] > (before[k] || 0))) {
      reason = prompt(t("m.close_q").replace("{hotel}", h.name || b.dataset.save));  // dangerous: confirm, with a reason
      if (reason === null) return;
      if (!reason.trim()) { toast(t("m.reason_needed")); return; }
    }
    try { await api(`/api/hotels/${b.dataset.save}/state`, { method: "POST", body: { state, out_of_use: out, reason } }); toast(t("m.updated")); refresh(); }
    catch (e) { toast(errorText(e)); }
  });
}

async function sheet(query) {
  const s = await api(`/api/exports/dispatch-sheet?${query}&format=json`);
  root.querySelector("#sheet").innerHTML = `<p class="print-only"><b>${esc(s.title)}</b></p>
    <table class="small" data-testid="sheet-table"><tr>${s.columns.map(c => `<th>${esc(c[1])}<br>${esc(c[2])}</th>`).join("")}</tr>
    ${s.rows.map(r => `<tr>${s.columns.map(c => `<td>${esc(r[c[0]])}</td>`).join("")}</tr>`).join("") || `<tr><td colspan="12" class="muted">${t("m.none")}</td></tr>`}</table>`;
}
