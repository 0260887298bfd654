// Command center (指挥中心): open needs by priority and age, what is unmet and why, resources at a
// glance, the city picture, stock and price trends per district, price alerts, recent changes.
import { api, can } from "./api.js";
import { drawCityMap, drawPriceCharts, drawStockCharts } from "./charts.js";
import { esc, getLang, gradeName, pick, t } from "./i18n.js";
import { CITY_TZ, clock, colon, guarded, hhmm, listOf, needLink, needsTable, pri, toast, errorText } from "./common.js";
import { lateMark, lateSection } from "./late.js";
import { occupancyPanel, occupancyTitle } from "./stays.js";
import { askControls, asksSection, autoLine, bindAskControls } from "./asks.js";

let root, me, stockCache = null, stockAt = 0;

let ticker = null;

export async function render(el, who) {
  root = el; me = who;
  clearInterval(ticker);  // the expiry countdown moves even when nothing else happens
  ticker = setInterval(() => { if (root?.isConnected && can(me, "attention.read")) api("/api/attention").then(attention).catch(() => {}); else clearInterval(ticker); }, 30000);  // a missed tick keeps what is shown
  root.innerHTML = `<div class="card attention" id="attention-card" data-testid="attention"><h2>${t("h.attention")}</h2><div id="attention"></div></div>
    <div class="grid g6" id="kpis" data-testid="kpis" style="margin-top:14px"></div>
    ${can(me, "occupancy.read") ? `<div class="card" style="margin-top:14px" data-testid="occupancy-card"><h2>${occupancyTitle()}</h2><div id="occupancy"></div></div>` : ""}
    <div class="card" style="margin-top:14px"><h2>${t("h.needs")}</h2><div id="needs"></div></div>
    <div class="grid g2" style="margin-top:14px">
      <div class="card"><h2>${t("h.map")}</h2><div id="map"></div></div>
      <div class="grid"><div class="card"><h2>${t("h.alerts")}</h2><div id="alerts"></div></div></div>
    </div>
    <div class="grid g2" style="margin-top:14px">
      <div class="card"><h2>${t("h.stock")}</h2><div id="stock" class="charts"></div></div>
      <div class="card"><h2>${t("h.prices")}</h2><div id="prices" class="charts"></div></div>
    </div>
    <div class="card" id="audit-card" style="margin-top:14px"><h2>${t("h.audit")}</h2><div id="audit"></div></div>`;
  await refresh();
}

// every refresh goes through `guarded` (common.js): a failed fetch keeps the page and retries
export const refresh = guarded(load);

async function load(ev) {
  if (!root?.isConnected) return;
  const [ov, needs, map, att] = await Promise.all([api("/api/overview"), api("/api/needs?limit=300"), api("/api/map"),
    can(me, "attention.read") ? api("/api/attention") : null]);
  if (!root.querySelector("#kpis")) return;  // another page (or a newer render) took the place meanwhile
  const open = needs.filter(n => !["done", "cancelled"].includes(n.status));
  if (!stockCache || Date.now() - stockAt > 30000 || ev?.type === "stock" || ev?.type === "price_alert") {
    stockCache = await api("/api/city/stock"); stockAt = Date.now();
  }
  const s = stockCache;
  if (!root.querySelector("#kpis")) return;
  kpis(ov, s);
  attention(att);
  root.querySelector("#needs").innerHTML = needsTable(open, { actions: n => can(me, "need.cancel") && !["done", "cancelled", "under_way"].includes(n.status)
    ? `<button data-cancel="${esc(n.id)}">${t("a.cancel")}</button>` : "" });
  root.querySelectorAll("[data-cancel]").forEach(b => b.onclick = async () => {
    const reason = prompt(t("m.cancelreason")); if (!reason) return;
    try { await api(`/api/needs/${b.dataset.cancel}/cancel`, { method: "POST", body: { reason } }); refresh(); }
    catch (e) { toast(errorText(e)); }
  });
  const occ = root.querySelector("#occupancy");
  if (occ) await occupancyPanel(occ);
  await drawCityMap(root.querySelector("#map"), map);
  stockCharts(s);
  if (can(me, "audit.read")) {
    const audit = await api("/api/audit?limit=12");
    root.querySelector("#audit").innerHTML = `<table class="small" data-testid="audit"><tr><th>${t("c.when")}</th><th>${t("c.what")}</th></tr>
      ${audit.map(a => `<tr><td>${new Date(a.at).toLocaleTimeString("zh-CN", { timeZone: CITY_TZ, hour12: false })}</td>
        <td>${esc(pick(a, "text"))}</td></tr>`).join("")}</table>`;
  } else root.querySelector("#audit-card").style.display = "none";
}

function kpis(ov, s) {
  const k = (label, value, id, extra = "") =>
    `<div class="card kpi" data-testid="kpi-${id}"><div class="v">${value}</div><div class="l">${t(label)}${extra}</div></div>`;
  root.querySelector("#kpis").innerHTML = [
    k("k.open", ov.needs.open, "open"), k("k.waiting", ov.needs.people_waiting, "waiting"),
    k("k.unmet", ov.needs.by_status.unmet || 0, "unmet"),
    k("k.buses", `${ov.buses.in_service} / ${ov.buses.total}`, "buses", ` · ${t("k.busy")} ${ov.buses.busy}`),
    k("k.rooms", `${ov.rooms.free} / ${ov.rooms.total}`, "rooms"),
    k("k.alerts", s.available ? s.alerts.length : "—", "alerts"),
  ].join("");
}

function stockCharts(s) {
  const stockEl = root.querySelector("#stock"), priceEl = root.querySelector("#prices"), alertEl = root.querySelector("#alerts");
  if (!s.available) { stockEl.innerHTML = priceEl.innerHTML = alertEl.innerHTML = `<p class="muted">${t("m.noinv")}</p>`; return; }
  drawStockCharts(stockEl, s);
  drawPriceCharts(priceEl, s);
  alertEl.innerHTML = s.alerts.length ? `<ul data-testid="price-alerts">${s.alerts.map(a =>
    `<li><span class="tag unmet" data-grade="${esc(a.grade)}">${esc(gradeName(a.grade))}</span> ${esc(pick(a, "message"))} <span class="small muted">+${(a.rise_ratio * 100).toFixed(0)}%</span></li>`).join("")}</ul>`
    : `<p class="muted">${t("m.none")}</p>`;
}

// Action first: what waits for a decision, each item one click from its need.
function attention(att) {
  const card = root.querySelector("#attention-card");
  if (!att) { card.style.display = "none"; return; }
  const sec = (id, title, items, n = items.length) => items.length ? `<div class="att-sec" data-testid="att-${id}s"><h3>${t(title)} <span class="count">${n}</span></h3><ul>${items.join("")}</ul></div>` : "";
  const sep = getLang() === "zh" ? "、" : "; ";
  const holds = att.holds.map(h => `<li data-testid="att-hold" data-need="${esc(h.need_id)}">${pri(h.priority)} ${needLink(h.need_id, pick(h, "label"))}${lateMark(h)}
    <span class="small muted">${esc(pick(h, "resources"))}</span><br><b>${esc(t("m.waitfor", { who: listOf(h.awaiting) || "—" }))}</b> ·
    <span class="${h.expires_in_min !== null && h.expires_in_min <= 5 ? "err" : ""}" data-testid="att-expiry">${h.expires_in_min === null ? "" : h.expires_in_min > 0 ? esc(t("m.expires_in", { n: h.expires_in_min })) : t("m.expired")}</span>
    <span class="small muted">(${clock(h.expires_at)})</span></li>`);
  const unmet = att.unmet.map(g => `<li data-testid="att-unmet" data-cause="${esc(g.cause)}"><b>${esc(pick(g, "title"))}</b>${colon()}${esc(pick(g, "short"))}
    ${pick(g, "fix") ? `<br><span class="fix" data-testid="att-fix">${t("m.fix")}${colon()}${esc(pick(g, "fix"))}</span>` : ""}
    <br><span class="small">${g.needs.slice(0, 6).map(n => needLink(n.need_id, pick(n, "label"))).join(sep)}${g.count > 6 ? ` … <a href="#" data-rest="${esc(g.rest_url)}" data-testid="att-more">${esc(t("m.all_n", { n: g.count }))}</a>` : ""}</span>${askControls(g, me)}</li>`);
  // rooms and trips short for the city, each with the other assumed available (not per cause)
  if (att.shortfall && pick(att.shortfall, "text")) unmet.unshift(`<li data-testid="att-shortfall"><b>${esc(pick(att.shortfall, "text"))}</b></li>`);
  if (att.holds_total > holds.length) holds.push(`<li class="small muted" data-testid="att-holds-more">${esc(t("m.holds_more", { n: att.holds_total - holds.length }))}</li>`);
  const declines = att.declines.map(d => `<li data-testid="att-decline" data-need="${esc(d.need_id)}">${needLink(d.need_id, pick(d, "label"))}
    <br><span class="err">${esc(t("m.declined_by", { who: d.by, why: d.reason || t("m.noreason") }))}</span> <span class="small muted">${esc(pick(d, "resources"))} · ${hhmm(d.at)}</span></li>`);
  const stranded = att.stranded.map(x => `<li data-testid="att-stranded">${needLink(x.need_id, pick(x, "label"))}
    <span class="small">${esc(t("m.stranded", { d: x.delivered, r: x.remaining }))}</span></li>`);
  const html = lateSection(att.late) + sec("hold", "h.att.holds", holds, att.holds_total ?? holds.length) + sec("unmet", "h.att.unmet", unmet, att.unmet.length) + asksSection(att) + sec("decline", "h.att.declines", declines)
    + sec("stranded", "h.att.stranded", stranded);
  root.querySelector("#attention").innerHTML = (html ? `<div class="att-grid">${html}</div>` : `<p class="muted">${t("m.att.none")}</p>`) + autoLine(att);
  bindAskControls(root.querySelector("#attention"), att.unmet, () => refresh());
  // the panel lists the most urgent few of a cause; the rest on demand, by the cause's filter
  root.querySelectorAll("#attention [data-rest]").forEach(a => a.onclick = async (e) => {
    e.preventDefault();
    try {
      const rows = await api(`${a.dataset.rest}&limit=2000`);
      a.parentElement.innerHTML = rows.map(n => needLink(n.id, pick(n, "label"))).join(sep);
    } catch (err) { toast(errorText(err)); }
  });
}
