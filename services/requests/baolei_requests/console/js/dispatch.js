// Dispatcher (调度台): my trips, rooms and picks; accept or decline holds; start and finish jobs;
// the live state of my buses and hotels; the day's dispatch sheet, printable on A4 and as CSV/XLSX.
// People read plates, community, hotel and warehouse names, never ids: GET /api/assignments carries
// `names` (id -> display name), and the sheet comes from the server already in words.
import { api, can, download } from "./api.js";
import { esc, getLang, pick, skuName, t, unitEn } from "./i18n.js";
import { errorText, guarded, hhmm, listOf, tag, toast } from "./common.js";
import { lateMark } from "./late.js";
import { staysPanel, staysTitle } from "./stays.js";
import { renderWork } from "./asks.js";

// This page's own words (kept here so the shared dictionary stays as it is): [中文, English]
const D = {
  "open_sheet": ["查看调度单", "Open the sheet"], "transfer": ["转运", "Transfer"], "rooms": ["入住", "Check-in"],
  "supply": ["物资", "Supply"], "people": ["人", "people"], "departs": ["出发", "departs"], "due_at_hotel": ["预计到达", "due"],
  "from": ["来自", "from"], "to": ["送往", "to"], "by_bus": ["车辆", "buses"], "seats": ["座", "seats"],
  "load": ["限载", "load limit"], "delivered": ["已送达", "delivered"], "arrived": ["已入住", "checked in"],
  "of": ["/", "of"], "brought": ["车辆送达", "brought by bus"], "sheet_day": ["北京时间", "Beijing time"],
  "printed": ["打印时间", "Printed"], "sheet_none": ["当日暂无任务", "Nothing on this day"],
  "rooms_short": ["房间", "Rooms"], "out_short": ["关闭/消杀", "Closed/cleaning"],
  "page": ["第 {n} 页", "Page {n}"], "next": ["下一页", "Next page"], "prev": ["上一页", "Previous page"],
  "all_work": ["全部在办", "all in hand"], "kind_any": ["全部类型", "any kind"], "signature_note": ["签字栏请手写；实际送达数量以签收为准。",
    "Sign by hand; the delivered figures signed for are the ones that count."],
};
const d = (k) => (D[k] ? D[k][getLang() === "zh" ? 0 : 1] : k);
const ppl = (n) => `${n} ${getLang() === "zh" || n !== 1 ? d("people") : "person"}`;
// the staples (baolei_common/skus.py): name and unit in both languages
const SKU = { rice: ["大米", "袋", "rice", "bags"], flour: ["面粉", "袋", "flour", "bags"], oil: ["食用油", "瓶", "cooking oil", "bottles"],
  pork: ["猪肉", "公斤", "pork", "kg"], eggs: ["鸡蛋", "托", "eggs", "trays"], milk: ["牛奶", "箱", "milk", "cases"] };
const skuText = (code, n) => {
  const s = SKU[code]; if (!s) return `${esc(code)} ${n}`;
  return getLang() === "zh" ? `${s[0]} ${n} ${s[1]}` : `${s[2]} ${n} ${unitEn(s[3], n)}`;
};
const ROOM_KINDS = ["standard", "family", "accessible"];
const roomsText = (r) => ROOM_KINDS.filter(k => r && r[k]).map(k => getLang() === "zh"
  ? `${t("f." + k)} ${r[k]} 间` : `${r[k]} ${k}`).join(getLang() === "zh" ? "、" : ", ") + (getLang() === "zh" ? "" : " rooms");

let root, me;
let lastTasks = [];  // the jobs on screen: what a "done" asks about
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);  // Beijing day

export async function render(el, who) {
  root = el; me = who;
  root.innerHTML = `<div class="dispatch"><div id="work" class="no-print" style="margin-bottom:14px"></div><div class="card no-print"><div class="row spread"><h2>${t("h.mytasks")}</h2>
      <button id="to-sheet" data-testid="open-sheet">${d("open_sheet")}</button></div>${taskFilterBar()}
      <div id="tasks-shown" class="small muted" data-testid="tasks-shown"></div><div id="tasks"></div>
      <div class="row"><button id="tasks-prev" data-testid="tasks-prev" style="display:none">${d("prev")}</button>
        <button id="tasks-next" data-testid="tasks-next" style="display:none">${d("next")}</button></div></div>
    <div class="grid g2 no-print" style="margin-top:14px">
      <div class="card"><h2>${t("h.mybuses")}</h2><div id="buses"></div></div>
      <div class="card"><h2>${t("h.myhotels")}</h2><div id="hotels"></div></div></div>
    ${can(me, "stay.record") ? `<div class="card no-print" style="margin-top:14px" data-testid="stays-card"><h2>${staysTitle()}</h2><div id="stays"></div></div>` : ""}
    <div class="card sheet" id="sheet-card" data-testid="sheet-card" style="margin-top:14px"><h2 class="no-print">${t("h.sheet")}</h2>
      <div class="row no-print"><label>${t("f.day")} <input type="date" id="day" value="${today()}"></label>
        <button id="print" class="primary" data-testid="print-sheet">${t("a.print")}</button>
        <button id="csv" data-testid="sheet-csv">${t("a.csv")}</button><button id="xlsx" data-testid="sheet-xlsx">${t("a.xlsx")}</button></div>
      <div id="sheet"></div></div></div>`;
  const day = () => root.querySelector("#day").value;
  root.querySelector("#day").onchange = () => sheet();
  root.querySelector("#to-sheet").onclick = () => root.querySelector("#sheet-card").scrollIntoView({ behavior: "smooth" });
  root.querySelector("#print").onclick = () => window.print();
  const bar = root.querySelector("#tasks-filter");
  bar.onsubmit = (e) => { e.preventDefault(); taskFilters = readTaskFilters(bar); tasksPage(0); };
  bar.onchange = (e) => { if (e.target.type === "text") return; taskFilters = readTaskFilters(bar); tasksPage(0); };  // text: on Enter
  root.querySelector("#tasks-prev").onclick = () => tasksPage(Math.max(0, taskOffset - TASKS_PAGE));
  root.querySelector("#tasks-next").onclick = () => tasksPage(taskOffset + TASKS_PAGE);
  root.querySelector("#csv").onclick = () => download(`/api/exports/dispatch-sheet?${sheetQuery()}&format=csv`, `dispatch-${day()}.csv`)
    .catch(e => toast(errorText(e)));
  root.querySelector("#xlsx").onclick = () => download(`/api/exports/dispatch-sheet?${sheetQuery()}&format=xlsx`, `dispatch-${day()}.xlsx`)
    .catch(e => toast(errorText(e)));
  await refresh();
}

// Whoever answers for every organisation (an operator: the policy's "any" grant of assignment.answer)
// sees and declines every part of a job; a dispatcher its own organisation's.
const forAll = () => me?.actions?.["assignment.answer"] === "any";

function sheetQuery() {
  const org = forAll() ? "" : me.organisation;
  return `organisation=${encodeURIComponent(org)}&day=${root.querySelector("#day").value}&lang=${getLang()}`;
}

// every refresh goes through `guarded` (common.js): a failed fetch keeps the page and retries
export const refresh = guarded(load);

// My tasks: a page from the server with the total ("显示 100 / 504"), filters and a search; the
// caller's scope is the server's (a dispatcher's total counts only its own organisation's work).
const TASKS_PAGE = 100;
const WORK = "proposed,confirming,confirmed,under_way,arriving,done";
const TASK_STATUSES = ["proposed", "confirming", "confirmed", "under_way", "arriving", "done", "released"];
let taskFilters = { status: WORK }, taskOffset = 0, tasksAsked = 0;

function taskFilterBar() {
  const f = taskFilters;
  const opt = (v, label, cur) => `<option value="${esc(v)}"${v === cur ? " selected" : ""}>${esc(label)}</option>`;
  return `<form id="tasks-filter" class="row filters no-print" data-testid="tasks-filter">
    <label>${t("c.status")} <select name="status" data-testid="tasks-status">${opt(WORK, d("all_work"), f.status)}${TASK_STATUSES.map(v => opt(v, t("st." + v), f.status)).join("")}</select></label>
    <label>${t("f.kind")} <select name="kind" data-testid="tasks-kind">${opt("", d("kind_any"), f.kind || "")}${["transfer", "supply"].map(v => opt(v, t("kind." + v), f.kind)).join("")}</select></label>
    ${forAll() ? `<label>${t("f.org")} <input name="organisation" size="8" value="${esc(f.organisation || "")}" data-testid="tasks-org"></label>` : ""}
    <label><input type="checkbox" name="late" ${f.late ? "checked" : ""} data-testid="tasks-late"> ${t("m.late_only")}</label>
    <label>${t("m.search")} <input name="q" size="10" value="${esc(f.q || "")}" data-testid="tasks-q"></label>
    <button type="submit">${t("m.apply")}</button></form>`;
}

function readTaskFilters(form) {
  const f = form.elements;
  return { status: f.status.value, kind: f.kind.value, organisation: f.organisation ? f.organisation.value.trim() : "",
    late: f.late.checked, q: f.q.value.trim() };
}

function tasksUrl(offset) {
  const q = new URLSearchParams({ offset, limit: TASKS_PAGE });
  for (const [k, v] of Object.entries(taskFilters)) if (v) q.set(k, v === true ? "true" : v);
  return `/api/assignments/page?${q}`;
}

function showTasks(page) {
  taskOffset = page.offset;
  lastTasks = page.items;
  root.querySelector("#tasks-shown").textContent = getLang() === "zh" ? page.shown_zh : page.shown_en;
  root.querySelector("#tasks-prev").style.display = page.offset > 0 ? "" : "none";
  root.querySelector("#tasks-next").style.display = page.offset + page.items.length < page.total ? "" : "none";
  taskTable(page.items);
}

async function tasksPage(offset) {
  const mine = ++tasksAsked;  // only the latest question's answer is shown
  try {
    const page = await api(tasksUrl(offset));
    if (root?.querySelector("#tasks") && mine === tasksAsked) showTasks(page);
  } catch (e) { toast(errorText(e)); }
}

async function load() {
  if (!root?.isConnected) return;
  const asked = tasksAsked;
  const [tasks, buses, hotels] = await Promise.all([api(tasksUrl(taskOffset)), api("/api/buses"), api("/api/hotels")]);
  if (!root.querySelector("#work")) return;  // another page took the place meanwhile
  await renderWork(root.querySelector("#work"), me, refresh, hotels);
  if (asked === tasksAsked) showTasks(tasks);  // not over a page the filters asked for meanwhile
  busTable(forAll() ? buses.slice(0, 30) : buses, buses.length);
  hotelTable(forAll() ? hotels.slice(0, 30) : hotels, hotels.length);
  const staysEl = root.querySelector("#stays");
  if (staysEl) await staysPanel(staysEl, me, refresh);
  await sheet();
}

// What this job asks of me, in words: plates, places, times, people, rooms by type, staples.
function mine(a) {
  const org = forAll() ? null : me.organisation;
  const n = (id) => esc((a.names || {})[id] || id);
  const parts = [];
  const head = [a.kind === "supply" ? t("kind.supply") : t("kind.transfer"), esc(a.site_name || "")];
  if (a.kind !== "supply") head.push(ppl(a.people), a.risk ? t("risk." + a.risk) : "");
  parts.push(`<b>${head.filter(Boolean).join(" · ")}</b>`);
  for (const tr of (a.trips || []).filter(x => !org || x.operator === org)) {
    const [lp, rp] = getLang() === "zh" ? ["（", "）"] : [" (", ")"];
    const stops = tr.stops.map(s => `${n(s.site)} ${hhmm(s.at).slice(-5)}${lp}${ppl(s.load.reduce((m, l) => m + l.people, 0))}${rp}`);
    parts.push(`<span class="tag">${d("transfer")}</span> <b>${n(tr.bus)}</b> ${d("departs")} ${hhmm(tr.start_at)} · ${stops.join(" → ")} → ${n(tr.hotel)} · ${d("due_at_hotel")} ${hhmm(tr.arrive_at).slice(-5)}`);
  }
  if (a.room && (!org || a.room.operator === org)) {
    const plates = [...new Set((a.trips || []).map(x => n(x.bus)))].join("、");
    parts.push(`<span class="tag">${d("rooms")}</span> <b>${n(a.room.hotel)}</b> · ${d("from")} ${esc(a.site_name)} · ${roomsText(a.room)}${plates ? ` · ${d("by_bus")} ${plates}` : ""}`);
  }
  for (const p of (a.picks || []).filter(x => !org || x.operator === org))
    parts.push(`<span class="tag">${d("supply")}</span> <b>${n(p.warehouse)}</b> ${d("to")} ${esc(a.site_name)} · ${skuText(p.sku, p.quantity)}`);
  return parts.join("<br>");
}

function buttonsFor(a) {
  if (a.status === "proposed")
    return !a.must_answer ? ""  // the service says who must still answer (an operator's answer stands for all)
      : `<button class="ok" data-act="accept" data-id="${a.id}" data-testid="accept-${a.id}">${t("a.accept")}</button>
         <button data-act="decline" data-id="${a.id}">${t("a.decline")}</button>`;
  if (!can(me, "assignment.run")) return "";
  if (a.status === "confirmed") return `<button data-act="start" data-id="${a.id}">${t("a.start")}</button> <button data-act="done" data-id="${a.id}">${t("a.done")}</button>`;
  if (a.status === "under_way") return `<button class="ok" data-act="done" data-id="${a.id}">${t("a.done")}</button>`;
  if (a.must_confirm_arrival)
    return `<button class="ok" data-act="arrive" data-id="${a.id}" data-testid="arrive-${a.id}">${t("a.arrive")}</button>`;
  return "";
}

function statusCell(a) {
  const who = (xs) => esc(listOf(xs));
  let s = tag(a.status) + lateMark(a);
  if (a.status === "proposed" && a.hold_expires_at) s += `<br><span class="small muted">${t("m.expires")} ${hhmm(a.hold_expires_at)}</span>`;
  if (a.status === "proposed")
    s += `<br><span class="small" data-testid="awaiting">${(a.accepted_by || []).length ? `${t("m.accepted_by")} ${who(a.accepted_by)}${getLang() === "zh" ? "；" : "; "}` : ""}${t("m.awaiting")} ${who(a.awaiting)}</span>`;
  if (a.status === "arriving") s += `<br><span class="small">${d("brought")} ${a.delivered} ${d("of")} ${a.people}</span>`;
  if (a.status === "done") {  // a supply job staple by staple: bags and bottles are never added up
    const got = a.kind === "supply" ? listOf((a.picks || []).map(p => `${skuText(p.sku, p.delivered ?? p.quantity)} ${d("of")} ${p.quantity}`))
      : `${a.delivered} ${d("of")} ${a.people}`;
    s += `<br><span class="small" data-testid="delivered">${a.kind === "supply" ? d("delivered") : d("arrived")} ${got}</span>`;
  }
  return s;
}

function taskTable(tasks) {
  const el = root.querySelector("#tasks");
  if (!tasks.length) { el.innerHTML = `<p class="muted">${t("m.none")}</p>`; return; }
  el.innerHTML = `<table data-testid="tasks-table"><thead><tr><th>${t("c.task")}</th><th>${t("c.status")}</th><th>${t("c.reason")}</th><th>${t("c.action")}</th></tr></thead><tbody>
    ${tasks.map(a => `<tr data-assignment="${esc(a.id)}" data-need="${esc(a.need_id)}"><td data-label="${t("c.task")}">${mine(a)}</td>
      <td data-label="${t("c.status")}">${statusCell(a)}</td>
      <td class="small" data-label="${t("c.reason")}">${esc(pick(a, "explanation"))}</td><td class="actions">${buttonsFor(a)}</td></tr>`).join("")}</tbody></table>`;
  el.querySelectorAll("[data-act]").forEach(b => b.onclick = () => act(b.dataset.act, b.dataset.id));
}

async function act(what, id) {
  try {
    if (what === "decline") {
      const reason = prompt(t("m.declinereason") + t("m.declinereason_hint")); if (reason === null) return;
      if (!reason.trim()) { toast(t("m.reason_needed")); return; }  // the service refuses a decline without one
      await api(`/api/assignments/${id}/decline`, { method: "POST", body: { reason } });
    } else if (what === "done") {
      const body = await deliveredBody(id); if (body === null) return;
      await api(`/api/assignments/${id}/done`, { method: "POST", body });
    } else if (what === "arrive") {
      const v = prompt(t("m.arrived_q"), ""); if (v === null) return;
      await api(`/api/assignments/${id}/arrive`, { method: "POST", body: v.trim() ? { arrived: Number(v) } : {} });
    } else await api(`/api/assignments/${id}/${what}`, { method: "POST" });
    toast(t("m.updated")); refresh();
  } catch (e) { toast(errorText(e)); }
}

// What was handed over: one number, or for a supply job of several staples one per staple (the
// service needs each staple's own figure to match exactly what is left of each).
async function deliveredBody(id) {
  const a = lastTasks.find(x => x.id === id);
  const planned = {};
  for (const k of (a && a.kind === "supply" ? a.picks || [] : [])) planned[k.sku] = (planned[k.sku] || 0) + k.quantity;
  const skus = Object.keys(planned);
  if (skus.length < 2) {
    const v = prompt(t("m.delivered_q"), ""); if (v === null) return null;
    return v.trim() ? { delivered: Number(v) } : {};
  }
  const lines = {};
  for (const sku of skus) {
    const v = prompt(t("m.delivered_sku_q").replace("{sku}", skuName(sku)).replace("{n}", planned[sku]), String(planned[sku]));
    if (v === null) return null;
    lines[sku] = v.trim() ? Number(v) : planned[sku];
  }
  return { lines };
}

// an operator's first 30 of the city's, saying so (the whole registry is the operator's other pages)
const ofAll = (shown, total) => shown < total
  ? `<p class="small muted" data-testid="shown-of-all">${getLang() === "zh" ? `显示 ${shown} / ${total}` : `showing ${shown} of ${total}`}</p>` : "";

function busTable(buses, total = buses.length) {
  if (!buses.length) { root.querySelector("#buses").innerHTML = `<p class="muted">${t("m.none")}</p>`; return; }
  root.querySelector("#buses").innerHTML = `${ofAll(buses.length, total)}<table><thead><tr><th>${t("c.bus")}</th><th>${t("c.status")}</th><th></th></tr></thead><tbody>
    ${buses.map(b => `<tr data-bus="${esc(b.id)}"><td data-label="${t("c.bus")}"><b>${esc(b.plate || b.id)}</b> <span class="small muted">${b.seats} ${d("seats")} · ${d("load")} ${Math.round(b.load_limit * 100)}%</span></td>
      <td data-label="${t("c.status")}">${tag(b.state)}</td><td class="actions">${can(me, "bus.manage") ? `<button data-bus-state="${b.state === "in_service" ? "out_of_service" : "in_service"}" data-id="${esc(b.id)}">
      ${t(b.state === "in_service" ? "a.stop" : "a.resume")}</button>` : ""}</td></tr>`).join("")}</tbody></table>`;
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

function hotelTable(hotels, total = hotels.length) {
  if (!hotels.length) { root.querySelector("#hotels").innerHTML = `<p class="muted">${t("m.none")}</p>`; return; }
  const inp = (h, k) => `<label class="room-in">${t("f." + k)} <input type="number" min="0" max="${h.rooms[k] || 0}" value="${(h.out_of_use || {})[k] || 0}" data-k="${k}"></label>`;
  root.querySelector("#hotels").innerHTML = `${ofAll(hotels.length, total)}<table><thead><tr><th>${t("c.hotel")}</th><th>${d("rooms_short")}</th><th>${t("c.out")}</th><th>${t("c.status")}</th><th></th></tr></thead><tbody>
    ${hotels.map(h => `<tr data-hotel="${esc(h.id)}"><td data-label="${t("c.hotel")}"><b>${esc(h.name)}</b></td><td data-label="${d("rooms_short")}">${roomsText(h.rooms)}</td>
      <td data-label="${d("out_short")}">${ROOM_KINDS.map(k => inp(h, k)).join(" ")}</td>
      <td data-label="${t("c.status")}"><select data-state>${["open", "closed"].map(s => `<option value="${s}" ${h.state === s ? "selected" : ""}>${t("st." + s)}</option>`).join("")}</select></td>
      <td class="actions">${can(me, "hotel.manage") ? `<button data-save="${esc(h.id)}">${t("a.save")}</button>` : ""}</td></tr>`).join("")}</tbody></table>`;
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

// The day's sheet, as the server words it: one table per section, its header repeated on every
// printed page, empty signature cells to sign by hand (dispatch.css has the A4 print rules).
async function sheet() {
  const s = await api(`/api/exports/dispatch-sheet?${sheetQuery()}&format=json`);
  const cell = (c, r) => {
    const v = r[c.key];
    const sign = c.key.startsWith("sign_");
    return `<td data-label="${esc(c.label)}" data-col="${esc(c.key)}"${sign ? ' class="sign"' : ""}>${esc(Array.isArray(v) ? v.join("、") : v ?? "")}</td>`;
  };
  const empty = s.sections.every(x => !x.rows.length);
  root.querySelector("#sheet").innerHTML = `<div class="sheet-head"><h1 data-testid="sheet-title">${esc(s.title)}</h1>
      <p class="small muted">${d("printed")} ${esc(s.printed_at)} ${getLang() === "zh" ? `（${d("sheet_day")}）` : `(${d("sheet_day")})`} · ${d("signature_note")}</p></div>
    ${empty ? `<p class="muted" data-testid="sheet-empty">${d("sheet_none")}</p>` : ""}
    ${s.sections.filter(x => x.rows.length).map(x => `<section class="sheet-section" data-section="${esc(x.key)}"><h3>${esc(x.title)}</h3>
      <table class="sheet-table" data-testid="sheet-${esc(x.key)}"><thead><tr>${x.columns.map(c => `<th data-col="${esc(c.key)}">${esc(c.label)}</th>`).join("")}</tr></thead>
      <tbody>${x.rows.map(r => `<tr data-assignments="${esc((r.assignments || []).join(" "))}">${x.columns.map(c => cell(c, r)).join("")}</tr>`).join("")}</tbody></table></section>`).join("")}`;
}
