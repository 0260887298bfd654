// Hotel stays (入住与腾房): the command center's occupancy per hotel with the rooms coming back over
// the next 72 hours, and the hotel dispatcher's stays with "left" (one stay, some of it, or everyone
// due today at once) and "stay longer". GET /api/occupancy, GET /api/hotels/{id}/stays,
// POST /api/hotels/{id}/departures, POST /api/stays/{id}/extend.
import { api, can } from "./api.js";
import { esc, getLang, riskName, t } from "./i18n.js";
import { errorText, hhmm, toast } from "./common.js";

// This panel's own words: [中文, English]
const D = {
  "title": ["酒店入住与未来72小时腾房", "Hotel occupancy and rooms freeing in the next 72 hours"],
  "mytitle": ["在住人员与解除隔离", "Guests and departures"],
  "hotel": ["酒店", "Hotel"], "occupied": ["在住房间", "Rooms in use"], "people": ["在住人数", "Guests"],
  "cleaning": ["终末消毒中", "Being cleaned"], "held": ["已预留", "Held"], "free": ["空房", "Free now"],
  "freeing": ["72小时内腾房", "Freeing in 72 h"], "next": ["最早腾房", "Next room free"],
  "certain": ["确定", "certain"], "expected": ["预计", "expected"],
  "total": ["全市合计", "City total"], "none": ["暂无酒店", "No hotels"], "nostay": ["暂无在住人员", "Nobody staying"],
  "until": ["预计解除隔离", "Expected end"], "due": ["今日到期", "due today"], "overdue": ["已到期", "overdue"],
  "left": ["离开", "Left"], "extend": ["延长", "Stay longer"],
  "all_due": ["今日到期人员全部离开（{n} 人）", "Everyone due today left ({n})"],
  "all_due_q": ["确认今日到期的 {n} 人已解除隔离离开？其房间将进入终末消毒。",
    "Confirm the {n} people due today have left isolation? Their rooms go to cleaning."],
  "left_q": ["离开人数（共 {n} 人）", "How many left (of {n})"],
  "days_q": ["延长几天？", "Longer by how many days?"], "people_q": ["延长的人数（共 {n} 人）", "How many stay longer (of {n})"],
  "reason_q": ["延长原因（必填，记入审计）", "Why (required, audited)"],
  "done_left": ["已登记 {p} 人离开，{r} 间房消毒至 {at}", "{p} left; {r} rooms being cleaned until {at}"],
  "done_ext": ["已延长", "Extended"], "over": ["超出可用", "over usable"],
  "days": ["隔离天数", "Days of isolation"], "clean_h": ["终末消毒 {h} 小时", "cleaning {h} h"],
  "legend": ["每格一小时：深色为确定腾出（消毒结束），浅色为预计（到期+消毒）",
    "One bar per hour: dark = certain (cleaning ends), light = expected (stay ends + cleaning)"],
};
const d = (k, vars) => {
  let out = D[k] ? D[k][getLang() === "zh" ? 0 : 1] : k;
  for (const [a, b] of Object.entries(vars || {})) out = out.replaceAll(`{${a}}`, b);
  return out;
};

// 72 bars, one per hour: certain rooms dark, expected light (aria-label says the totals)
function spark(freeing) {
  const max = Math.max(1, ...freeing.map(([a, b]) => a + b));
  const bars = freeing.map(([a, b], i) => `<i title="+${i}h: ${a} / ${b}" style="height:${Math.round(100 * (a + b) / max)}%">`
    + `<b style="height:${a + b ? Math.round(100 * a / (a + b)) : 0}%"></b></i>`).join("");
  return `<span class="spark" role="img" aria-label="${esc(d("freeing"))}">${bars}</span>`;
}

function stayDays(o) {
  const parts = Object.entries(o.stay_days).map(([r, n]) => `${riskName(r)} ${n}${getLang() === "zh" ? " 天" : " d"}`);
  return `${d("days")}${getLang() === "zh" ? "：" : ": "}${esc(parts.join(getLang() === "zh" ? "、" : ", "))} · ${esc(d("clean_h", { h: o.cleaning_hours }))}`;
}

// The command center's panel: every hotel the caller may see, fullest first.
export async function occupancyPanel(el) {
  let o;
  try { o = await api("/api/occupancy?hours=72"); } catch (e) { el.innerHTML = `<p class="err">${esc(errorText(e))}</p>`; return; }
  if (!o.hotels.length) { el.innerHTML = `<p class="muted">${d("none")}</p>`; return; }
  const rows = [...o.hotels].sort((a, b) => (a.free - b.free) || (b.occupied - a.occupied));
  const tt = o.totals;
  const cell = (label, v, cls = "") => `<td data-label="${esc(d(label))}" class="${cls}">${v}</td>`;
  const line = (h, name, testid) => `<tr data-testid="${testid}" data-hotel="${esc(h.id || "")}">
    <td data-label="${esc(d("hotel"))}"><b>${esc(name)}</b>${h.over ? ` <span class="tag unmet">${esc(d("over"))} ${h.over}</span>` : ""}</td>
    ${cell("occupied", `${h.occupied} / ${h.usable}<div class="progress"><i class="d" style="width:${Math.min(100, 100 * h.occupied / Math.max(1, h.usable))}%"></i></div>`)}
    ${cell("people", h.people)}${cell("cleaning", h.cleaning)}${cell("held", h.held)}
    ${cell("free", `<b data-testid="occ-free">${h.free}</b>`)}
    ${cell("freeing", `<span data-testid="occ-freeing">${h.freeing_certain + h.freeing_expected}</span> <span class="small muted">(${d("certain")} ${h.freeing_certain} · ${d("expected")} ${h.freeing_expected})</span>${spark(h.freeing)}`)}
    ${cell("next", h.next_free_at ? hhmm(h.next_free_at) : "—")}</tr>`;
  el.innerHTML = `<p class="small muted">${stayDays(o)}</p>
    <table class="occupancy" data-testid="occupancy"><thead><tr><th>${d("hotel")}</th><th>${d("occupied")}</th><th>${d("people")}</th>
      <th>${d("cleaning")}</th><th>${d("held")}</th><th>${d("free")}</th><th>${d("freeing")}</th><th>${d("next")}</th></tr></thead>
    <tbody>${line({ ...tt, freeing: tt.freeing, next_free_at: null, over: 0 }, d("total"), "occ-total")}
      ${rows.map(h => line(h, h.name, "occ-hotel")).join("")}</tbody></table>
    <p class="small muted">${d("legend")}</p>`;
}

// The hotel dispatcher's (or an operator's) stays: by hotel, soonest end first, with the actions.
export async function staysPanel(el, me, onChange = () => {}) {
  let o;
  try { o = await api("/api/occupancy?hours=72"); } catch (e) { el.innerHTML = `<p class="err">${esc(errorText(e))}</p>`; return; }
  const hotels = o.hotels.filter(h => h.people > 0 || h.cleaning > 0).slice(0, 20);
  if (!hotels.length) { el.innerHTML = `<p class="muted">${d("nostay")}</p>`; return; }
  const lists = await Promise.all(hotels.map(h => api(`/api/hotels/${encodeURIComponent(h.id)}/stays`).catch(() => [])));
  const may = can(me, "stay.record");
  el.innerHTML = hotels.map((h, i) => `<div class="stays" data-testid="stays-hotel" data-hotel="${esc(h.id)}">
    <h3>${esc(h.name)} <span class="small muted">${d("people")} ${h.people} · ${d("occupied")} ${h.occupied} · ${d("cleaning")} ${h.cleaning} · ${d("free")} ${h.free}</span></h3>
    ${may && h.due_today ? `<button class="ok" data-all-due="${esc(h.id)}" data-n="${h.due_today}" data-testid="all-due">${esc(d("all_due", { n: h.due_today }))}</button>` : ""}
    <ul>${lists[i].map(s => `<li data-testid="stay" data-stay="${esc(s.id)}"><b>${s.people}</b> ${getLang() === "zh" ? "人" : (s.people === 1 ? "person" : "people")} · ${esc(riskName(s.risk))}
      · ${d("until")} ${hhmm(s.stay_until)} ${s.overdue ? `<span class="tag unmet">${d("overdue")}</span>` : s.due_today ? `<span class="tag proposed">${d("due")}</span>` : ""}
      ${may ? `<span class="actions"><button data-left="${esc(s.id)}" data-hotel="${esc(h.id)}" data-n="${s.people}">${d("left")}</button>
        <button data-extend="${esc(s.id)}" data-n="${s.people}" data-until="${esc(s.stay_until)}">${d("extend")}</button></span>` : ""}</li>`).join("")}</ul></div>`).join("");
  const said = (r) => { toast(d("done_left", { p: r.people, r: r.rooms_vacated, at: r.cleaning_until ? hhmm(r.cleaning_until) : "—" })); onChange(); };
  el.querySelectorAll("[data-all-due]").forEach(b => b.onclick = async () => {
    if (!confirm(d("all_due_q", { n: b.dataset.n }))) return;
    try { said(await api(`/api/hotels/${encodeURIComponent(b.dataset.allDue)}/departures`, { method: "POST", body: { due_today: true } })); }
    catch (e) { toast(errorText(e)); }
  });
  el.querySelectorAll("[data-left]").forEach(b => b.onclick = async () => {
    const v = prompt(d("left_q", { n: b.dataset.n }), b.dataset.n); if (v === null) return;
    try {
      said(await api(`/api/hotels/${encodeURIComponent(b.dataset.hotel)}/departures`, { method: "POST",
        body: { leaving: [{ stay_id: b.dataset.left, people: Number(v) }] } }));
    } catch (e) { toast(errorText(e)); }
  });
  el.querySelectorAll("[data-extend]").forEach(b => b.onclick = async () => {
    const days = prompt(d("days_q"), "3"); if (days === null) return;
    const n = Number(b.dataset.n) > 1 ? prompt(d("people_q", { n: b.dataset.n }), b.dataset.n) : b.dataset.n; if (n === null) return;
    const reason = prompt(d("reason_q")); if (!reason) return;
    const until = new Date(Math.max(Date.now(), new Date(b.dataset.until).getTime()) + Number(days) * 86400e3).toISOString();
    try {
      await api(`/api/stays/${encodeURIComponent(b.dataset.extend)}/extend`, { method: "POST", body: { until, people: Number(n), reason } });
      toast(d("done_ext")); onChange();
    } catch (e) { toast(errorText(e)); }
  });
}

export const staysTitle = () => d("mytitle");
export const occupancyTitle = () => d("title");
