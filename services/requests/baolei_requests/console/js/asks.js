// Issue 18 in the console. Command center: from each unmet cause, ask the organisation the system
// names as best placed (or another offered), and follow each ask: "请求 21:31 → 答复 21:38 → 已匹配
// 124 人". Dispatcher: the asks sent to my organisation, answered here (buses added, shifts
// extended, rooms opened or added, another category taken, or refused with a reason); my work as
// runs and arrivals by hour, each accepted or declined as one decision; everything waiting accepted
// with one confirmation; the standing rule "confirm automatically".
import { api, can } from "./api.js";
import { esc, getLang, pick, skuName } from "./i18n.js";
import { errorText, hhmm, toast } from "./common.js";

// This module's words: [中文, English]
const W = {
  ask: ["发出请求", "Send the ask"], asked_to: ["请求对象", "Ask"], best: ["推荐", "best placed"],
  asks: ["增援请求", "Asks for capacity"], to_answer: ["待答复的增援请求", "Asks to answer"],
  extend_until: ["班次延长至", "Extend shifts to"], add_buses: ["增派车辆（辆）", "Buses added"],
  plates: ["车牌（可选，逗号分隔）", "Plates (optional, comma-separated)"], plates_ph: ["如 粤B·D2001, 粤B·D2002", "e.g. 粤B·D2001, 粤B·D2002"],
  plates_many: ["车牌 {a} 个，多于增派车辆 {b} 辆", "{a} plate(s) for {b} bus(es) added"], plates_twice: ["车牌重复：{p}", "plate typed twice: {p}"],
  open_rooms: ["恢复使用停用房间", "Put back in use"], add_rooms: ["新增房间", "Add rooms"],
  take: ["接收", "Take"], answer: ["提交答复", "Send the answer"], refuse: ["拒绝", "Refuse"],
  refuse_q: ["拒绝原因（必填）：", "Why refuse (required):"], reason_needed: ["请填写原因", "A reason is needed"],
  sent: ["请求已发出", "Ask sent"], answered: ["已答复，新增能力已交匹配", "Answered: the matcher has the new capacity"],
  runs: ["车次（一趟一个决定）", "Runs (one decision each)"], arrivals: ["按小时入住（一小时一个决定）", "Arrivals by hour (one decision each)"],
  accept_run: ["接受整趟", "Accept the run"], decline_run: ["拒绝整趟", "Decline the run"],
  accept_hour: ["接受该时段", "Accept the hour"], accept_all: ["全部接受", "Accept all"],
  accept_all_q: ["确认一次接受全部 {n} 项待确认方案？", "Accept all {n} proposals waiting for you, at once?"],
  decline_q: ["拒绝原因（必填，例如 车辆故障）：", "Why decline (required, e.g. breakdown):"],
  departs: ["出发", "departs"], due: ["预计到达", "due"], people: ["人", "people"], needs: ["项需求", "need(s)"],
  waiting: ["待确认", "waiting"], done_n: ["已处理 {n} 项", "{n} answered"], auto: ["自动确认本单位资源的方案", "Confirm proposals for our resources automatically"],
  auto_on: ["已开启自动确认：", "Confirming automatically:"], auto_set: ["自动确认已{s}", "Automatic confirmation {s}"],
  on: ["开启", "on"], off: ["关闭", "off"], shown: ["显示 {a} / {b}", "showing {a} of {b}"], none: ["暂无", "None"],
  more: ["加载更多", "More"],
  standard: ["标准间", "standard"], family: ["家庭房", "family"], accessible: ["无障碍房", "accessible"],
  short: ["缺", "short"], qty: ["数量", "Quantity"], into: ["调入仓库", "Into"], source: ["来源", "From"],
  received: ["新到货入库", "new stock received"], moved_from: ["从{w}调拨（可用 {n}）", "moved from {w} ({n} available)"],
  no_warehouse: ["本单位在库存系统中没有仓库", "Your organisation has no warehouse in the inventory"],
  close_contact: ["密接", "close contacts"], secondary_contact: ["次密接", "secondary contacts"], inbound: ["入境人员", "inbound travellers"],
};
const w = (k, vars = {}) => Object.entries(vars).reduce((s, [a, b]) => s.replace(`{${a}}`, b), (W[k] || [k, k])[getLang() === "zh" ? 0 : 1]);
const ROOMS = ["standard", "family", "accessible"];
const RUNS_SHOWN = 30;
let workShown = RUNS_SHOWN;  // runs and arrivals asked for (GET /api/work?limit=); "more" adds a page

// --- command center ------------------------------------------------------------------------------

// Under an unmet cause: the asks sent about it, and whom to ask (best placed first).
export function askControls(g, me) {
  const lines = (g.asks || []).map(a => `<br><span class="small" data-testid="att-group-ask" data-ask="${esc(a.id)}" data-status="${esc(a.status)}">
    <b>${esc(a.organisation)}</b> ${esc(pick(a, "line"))}</span>`).join("");
  const opts = g.ask_options || [];
  if (!opts.length || !can(me, "ask.send")) return lines;
  const [l, r] = getLang() === "zh" ? ["（", "）"] : [" (", ")"];
  const choice = opts.map((o, i) => `<option value="${i}" data-org="${esc(o.organisation)}">${esc(pick(o, "kind"))} · ${esc(o.organisation)}${l}${esc(o.resource_name)}${r}${i === 0 ? ` · ${w("best")}` : ""}</option>`).join("");
  return `${lines}<br><span class="row ask-row"><select data-ask-cause="${esc(g.cause)}" data-testid="ask-choice" title="${esc(pick(opts[0], "why"))}">${choice}</select>
    <button class="primary" data-ask-send="${esc(g.cause)}" data-testid="ask-send">${w("ask")}</button></span>`;
}

export function bindAskControls(el, groups, onDone) {
  el.querySelectorAll("[data-ask-send]").forEach(b => b.onclick = async () => {
    const g = groups.find(x => x.cause === b.dataset.askSend);
    const sel = el.querySelector(`select[data-ask-cause="${CSS.escape(b.dataset.askSend)}"]`);
    const o = g && g.ask_options[Number(sel.value)];
    if (!o) return;
    b.disabled = true;
    try {
      await api("/api/asks", { method: "POST", body: { cause: g.cause, organisation: o.organisation, kind: o.kind, resource_id: o.resource_id } });
      toast(w("sent")); onDone();
    } catch (e) { toast(errorText(e)); b.disabled = false; }
  });
}

// Every recent ask, open first, with what its answer unlocked (it stays after its cause is gone).
export function asksSection(att) {
  const items = (att.asks || []).map(a => `<li data-testid="att-ask" data-ask="${esc(a.id)}" data-status="${esc(a.status)}">
    <b>${esc(a.organisation)}</b> ${esc(pick(a, "text"))}<br><span class="small${a.status === "refused" ? " err" : ""}">${esc(pick(a, "line"))}</span>
    ${pick(a, "answer") ? `<span class="small muted"> · ${esc(pick(a, "answer"))}</span>` : ""}</li>`);
  const total = att.asks_total ?? items.length;  // the panel lists the latest (open first); the count is all of them
  const more = total > items.length ? `<li class="small muted" data-testid="att-asks-more">${esc(w("shown", { a: items.length, b: total }))}</li>` : "";
  return items.length ? `<div class="att-sec" data-testid="att-asks"><h3>${w("asks")} <span class="count">${total}</span></h3><ul>${items.join("")}${more}</ul></div>` : "";
}

// Who confirms automatically: operators see it on the panel.
export function autoLine(att) {
  const orgs = (att.auto_confirm || []).map(r => r.organisation);
  return orgs.length ? `<p class="small" data-testid="att-auto">${w("auto_on")} ${esc(orgs.join(getLang() === "zh" ? "、" : ", "))}</p>` : "";
}

// --- dispatcher ----------------------------------------------------------------------------------

const localInput = (iso) => new Date(new Date(iso).getTime() + 8 * 3600e3).toISOString().slice(0, 16);  // Beijing wall clock
const fromLocal = (v) => `${v}:00+08:00`;

function askForm(a, hotels) {
  const head = `<div class="ask" data-testid="ask" data-ask="${esc(a.id)}" data-kind="${esc(a.kind)}"><b>${esc(pick(a, "text"))}</b>
    <span class="small muted">${esc(pick(a, "line"))}</span>`;
  if (a.status !== "open") return `${head}<br><span class="small">${esc(pick(a, "answer") || a.reason)}</span></div>`;
  const num = (name, v, max = 10000) => `<input type="number" min="0" max="${max}" value="${v}" data-f="${name}" style="width:6em">`;
  let body;
  if (a.kind === "move_stock") {  // staples: received into, or moved between, the group's own warehouses
    const whs = a.warehouses || [];
    const named = [...whs].sort((x, y) => (y.id === a.resource_id) - (x.id === a.resource_id));
    body = whs.length ? Object.entries(a.figures.stock || {}).map(([sku, q], i) => `<div class="row" data-stock-line="${esc(sku)}">
      <b>${esc(skuName(sku))}</b> ${w("short")} ${q}
      <label>${w("qty")} <input type="number" min="1" max="10000000" value="${q}" data-f="stock.${i}.quantity" data-sku="${esc(sku)}" style="width:7em"></label>
      <label>${w("into")} <select data-f="stock.${i}.warehouse_id">${named.map(x => `<option value="${esc(x.id)}">${esc(x.name)}</option>`).join("")}</select></label>
      <label>${w("source")} <select data-f="stock.${i}.from_warehouse_id"><option value="">${w("received")}</option>${whs.filter(x => (x.available || {})[sku] > 0)
        .map(x => `<option value="${esc(x.id)}">${esc(w("moved_from", { w: x.name, n: x.available[sku] }))}</option>`).join("")}</select></label></div>`).join("")
      : `<p class="small err">${w("no_warehouse")}</p>`;
  } else if (a.kind === "add_buses" || a.kind === "extend_shifts") {
    const until = localInput(Date.now() + 6 * 3600e3);
    body = `<label>${w("extend_until")} <input type="datetime-local" data-f="extend_until" value="${a.kind === "extend_shifts" ? until : ""}"></label>
      <label>${w("add_buses")} ${num("add_buses", a.kind === "add_buses" ? Math.max(1, Math.ceil((a.figures.trips || 1) / 4)) : 0, 200)}</label>
      <label>${w("plates")} <input type="text" data-f="plates" data-testid="ask-plates" maxlength="2000" placeholder="${esc(w("plates_ph"))}" style="width:16em"></label>`;
  } else {
    const h = hotels.find(x => x.id === a.resource_id) || { out_of_use: {} };
    const want = a.figures.rooms || 0;
    let left = want;  // what is short, from the rooms out of use first; rooms added are typed by hand
    const open = {};
    for (const k of ROOMS) { open[k] = Math.min(left, (h.out_of_use || {})[k] || 0); left -= open[k]; }
    body = `<div class="row">${w("open_rooms")} ${ROOMS.map(k => `<label>${w(k)} ${num(`open_${k}`, open[k], (h.out_of_use || {})[k] || 0)}</label>`).join(" ")}</div>
      <div class="row">${w("add_rooms")} ${ROOMS.map(k => `<label>${w(k)} ${num(`add_${k}`, 0)}</label>`).join(" ")}</div>
      ${a.risk ? `<label><input type="checkbox" data-f="accept_risk" ${a.kind === "accept_risk" ? "checked" : ""}> ${w("take")}${w(a.risk)}</label>` : ""}`;
  }
  return `${head}<div class="row">${body}
    <button class="ok" data-ask-answer="${esc(a.id)}" data-testid="ask-answer">${w("answer")}</button>
    <button data-ask-refuse="${esc(a.id)}" data-testid="ask-refuse">${w("refuse")}</button></div></div>`;
}

function answerBody(box, a) {
  const v = (f) => box.querySelector(`[data-f="${f}"]`);
  if (a.kind === "move_stock") {
    const stock = [...box.querySelectorAll("[data-stock-line]")].map((row, i) => {
      const line = { sku: row.dataset.stockLine, quantity: Number(v(`stock.${i}.quantity`).value || 0), warehouse_id: v(`stock.${i}.warehouse_id`).value };
      if (v(`stock.${i}.from_warehouse_id`).value) line.from_warehouse_id = v(`stock.${i}.from_warehouse_id`).value;
      return line;
    }).filter(x => x.quantity > 0);
    return { stock };
  }
  if (a.kind === "add_buses" || a.kind === "extend_shifts") {
    const body = { add_buses: Number(v("add_buses").value || 0) };
    if (v("extend_until").value) body.extend_until = fromLocal(v("extend_until").value);
    const plates = v("plates").value.split(/[,，、;；\s]+/).map(x => x.trim()).filter(Boolean);
    if (plates.length) body.plates = plates;
    return body;
  }
  const rooms = (p) => Object.fromEntries(ROOMS.map(k => [k, Number(v(`${p}_${k}`).value || 0)]));
  const body = { open_rooms: rooms("open"), add_rooms: rooms("add") };
  if (v("accept_risk")?.checked) body.accept_risks = [a.risk];
  return body;
}

// What the form can tell before sending (the server checks again: plates already in use, …).
function answerProblems(body) {
  const plates = body.plates || [];
  if (plates.length > (body.add_buses || 0)) return [{ field: "plates", text: w("plates_many", { a: plates.length, b: body.add_buses || 0 }) }];
  const twice = plates.findIndex((p, i) => plates.indexOf(p) !== i);
  return twice >= 0 ? [{ field: `plates.${twice}`, text: w("plates_twice", { p: plates[twice] }) }] : [];
}

// Each refusal beside its input ("plates.1" → the plates input), in the console's language.
function showFieldErrors(box, items) {
  box.querySelectorAll(".field-err").forEach(x => x.remove());
  box.querySelectorAll("[data-f].invalid").forEach(x => x.classList.remove("invalid"));
  for (const it of items) {
    const full = String(it.field || ""), f = full.split(".")[0];
    const input = box.querySelector(`[data-f="${CSS.escape(full)}"]`) || box.querySelector(`[data-f="${CSS.escape(f)}"]`)
      || box.querySelector(`[data-f="${CSS.escape(full.replace(/^(open|add)_rooms\./, "$1_"))}"]`);
    if (!input) continue;
    input.classList.add("invalid");
    const msg = document.createElement("span");
    msg.className = "field-err err small"; msg.dataset.testid = "field-error"; msg.dataset.field = it.field;
    msg.textContent = it.text || pick(it, "reason");
    input.closest("label")?.after(msg) ?? input.after(msg);
  }
}

function stopsText(r) {
  const p = (n) => `${n} ${w("people")}`;
  const [l, rp] = getLang() === "zh" ? ["（", "）"] : [" (", ")"];
  return r.stops.map(s => `${esc(s.site_name)} ${hhmm(s.at).slice(-5)}${l}${p(s.people)}${rp}`).join(" → ");
}

function runRow(r) {
  const waiting = r.to_answer.length;
  return `<div class="run" data-testid="run" data-run="${esc(r.key)}" data-waiting="${waiting}"><b>${esc(r.plate)}</b> ${hhmm(r.start_at).slice(-5)} ${w("departs")} · ${stopsText(r)} → <b>${esc(r.hotel_name)}</b> · ${w("due")} ${hhmm(r.arrive_at).slice(-5)}
    · <b data-testid="run-people">${r.people}</b> ${w("people")} · ${r.need_ids.length} ${w("needs")}
    ${waiting ? `<span class="tag proposed">${w("waiting")} ${waiting}</span>
      <button class="ok" data-decide="accept" data-ids="${esc(r.to_answer.join(","))}" data-label="${esc(r.key)}" data-testid="run-accept">${w("accept_run")}</button>
      <button data-decide="decline" data-ids="${esc(r.to_answer.join(","))}" data-label="${esc(r.key)}" data-testid="run-decline">${w("decline_run")}</button>` : ""}</div>`;
}

function hourRow(a) {
  const rooms = ROOMS.filter(k => a.rooms[k]).map(k => `${w(k)} ${a.rooms[k]}`).join(getLang() === "zh" ? "、" : ", ");
  const waiting = a.to_answer.length;
  return `<div class="run" data-testid="arrival" data-hour="${esc(a.key)}" data-waiting="${waiting}"><b>${esc(a.hotel_name)}</b> ${esc(a.hour.slice(11))}–${String((Number(a.hour.slice(11, 13)) + 1) % 24).padStart(2, "0")}:00
    · <b>${a.people}</b> ${w("people")} · ${esc(rooms)}
    ${waiting ? `<span class="tag proposed">${w("waiting")} ${waiting}</span>
      <button class="ok" data-decide="accept" data-ids="${esc(a.to_answer.join(","))}" data-label="${esc(a.key)}" data-testid="hour-accept">${w("accept_hour")}</button>` : ""}</div>`;
}

// The dispatcher's asks, rule and work by run and hour, into `el`; `onDone` refreshes the page; `hotels`
// (GET /api/hotels, read by the page already) give a room ask's rooms out of use.
export async function renderWork(el, me, onDone, hotels = []) {
  if (!el?.isConnected) return;
  const mine = me.actions?.["assignment.answer"] !== "any";
  let asks, work, rules;
  try {
    [asks, work, rules] = await Promise.all([api("/api/asks?limit=20"), api(`/api/work?limit=${workShown}`),
      mine && can(me, "autoconfirm.set") ? api("/api/standing-rules") : []]);
  } catch (e) {  // busy (503 after its retries) or offline: keep what is shown; the next live event reads again
    if (!el.innerHTML) el.innerHTML = `<p class="small muted">${esc(errorText(e))}</p>`;
    return;
  }
  const rule = rules.find(r => r.organisation === me.organisation);
  // a page of each, those waiting for me first (the server's order), with the totals; "more" asks for more
  const runs = me.kind === "hotel" ? [] : work.runs, hours = me.kind === "bus" ? [] : work.arrivals;
  const runsTotal = me.kind === "hotel" ? 0 : work.runs_total, hoursTotal = me.kind === "bus" ? 0 : work.arrivals_total;
  const waitingIds = work.to_answer || [];
  const shown = (xs, total) => total > xs.length ? ` <span class="small muted" data-testid="work-shown">${w("shown", { a: xs.length, b: total })}</span>
    <button class="link" data-testid="work-more" data-work-more>${w("more")}</button>` : "";
  el.innerHTML = `${asks.length ? `<div class="card" data-testid="asks-card" style="margin-bottom:14px"><h2>${w("to_answer")}</h2>${asks.map(a => askForm(a, hotels)).join("")}</div>` : ""}
    <div class="card" data-testid="work-card"><div class="row spread"><h2>${me.kind === "hotel" ? w("arrivals") : w("runs")}</h2>
      <span class="row">${rule ? `<label class="small"><input type="checkbox" data-testid="auto-confirm" ${rule.auto_confirm ? "checked" : ""}> ${w("auto")}</label>` : ""}
      ${waitingIds.length ? `<button class="ok" data-testid="accept-all" data-ids="${esc(waitingIds.join(","))}">${w("accept_all")}${getLang() === "zh" ? `（${waitingIds.length}）` : ` (${waitingIds.length})`}</button>` : ""}</span></div>
      ${runs.length ? `<h3 class="small">${w("runs")}${shown(runs, runsTotal)}</h3>${runs.map(runRow).join("")}` : ""}
      ${hours.length ? `<h3 class="small">${w("arrivals")}${shown(hours, hoursTotal)}</h3>${hours.map(hourRow).join("")}` : ""}
      ${!runs.length && !hours.length ? `<p class="muted">${w("none")}</p>` : ""}</div>`;
  const decide = async (accept, ids, label, reason = "") => {
    try {
      const r = await api(`/api/assignments/${accept ? "accept" : "decline"}-many`, { method: "POST", body: { assignment_ids: ids, label, reason } });
      toast(w("done_n", { n: r.answered.length })); onDone();
    } catch (e) { toast(errorText(e)); }
  };
  el.querySelectorAll("[data-decide]").forEach(b => b.onclick = async () => {
    const ids = b.dataset.ids.split(","), accept = b.dataset.decide === "accept";
    let reason = "";
    if (!accept) { reason = prompt(w("decline_q")); if (reason === null) return; if (!reason.trim()) { toast(w("reason_needed")); return; } }
    b.disabled = true; await decide(accept, ids, b.dataset.label, reason);
  });
  el.querySelectorAll("[data-work-more]").forEach(b => b.onclick = () => { workShown = Math.min(500, workShown + RUNS_SHOWN); onDone(); });
  const all = el.querySelector('[data-testid="accept-all"]');
  if (all) all.onclick = async () => {
    const ids = all.dataset.ids.split(",");
    if (!confirm(w("accept_all_q", { n: ids.length }))) return;
    all.disabled = true; await decide(true, ids, "all");
  };
  const auto = el.querySelector('[data-testid="auto-confirm"]');
  if (auto) auto.onchange = async () => {
    try {
      await api(`/api/standing-rules/${encodeURIComponent(me.organisation)}`, { method: "PUT", body: { auto_confirm: auto.checked } });
      toast(w("auto_set", { s: w(auto.checked ? "on" : "off") })); onDone();
    } catch (e) { toast(errorText(e)); auto.checked = !auto.checked; }
  };
  el.querySelectorAll("[data-ask-answer]").forEach(b => b.onclick = async () => {
    const a = asks.find(x => x.id === b.dataset.askAnswer), box = b.closest("[data-ask]");
    const body = answerBody(box, a), wrong = answerProblems(body);
    showFieldErrors(box, wrong);
    if (wrong.length) return;
    b.disabled = true;
    try { await api(`/api/asks/${a.id}/answer`, { method: "POST", body }); toast(w("answered")); onDone(); }
    catch (e) { showFieldErrors(box, e.items || []); toast(errorText(e)); b.disabled = false; }
  });
  el.querySelectorAll("[data-ask-refuse]").forEach(b => b.onclick = async () => {
    const reason = prompt(w("refuse_q")); if (reason === null) return;
    if (!reason.trim()) { toast(w("reason_needed")); return; }
    try { await api(`/api/asks/${b.dataset.askRefuse}/answer`, { method: "POST", body: { refuse: true, reason } }); onDone(); }
    catch (e) { toast(errorText(e)); }
  });
}
