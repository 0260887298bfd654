// Command center (指挥中心): open needs by priority and age, what is unmet and why, resources at a
// glance, the city picture, stock and price trends per district, price alerts, recent changes.
import { api, can } from "./api.js";
import { drawCityMap, drawPriceCharts, drawStockCharts } from "./charts.js";
import { esc, getLang, pick, t } from "./i18n.js";
import { needsTable, toast, errorText } from "./common.js";

let root, me, stockCache = null, stockAt = 0;

export async function render(el, who) {
  root = el; me = who;
  root.innerHTML = `<div class="grid g6" id="kpis" data-testid="kpis"></div>
    <div class="card" style="margin-top:14px"><h2>${t("h.needs")}</h2><div id="needs"></div></div>
    <div class="grid g2" style="margin-top:14px">
      <div class="card"><h2>${t("h.map")}</h2><div id="map"></div></div>
      <div class="grid"><div class="card"><h2>${t("h.unmet")}</h2><div id="unmet"></div></div>
        <div class="card"><h2>${t("h.alerts")}</h2><div id="alerts"></div></div></div>
    </div>
    <div class="grid g2" style="margin-top:14px">
      <div class="card"><h2>${t("h.stock")}</h2><div id="stock" class="charts"></div></div>
      <div class="card"><h2>${t("h.prices")}</h2><div id="prices" class="charts"></div></div>
    </div>
    <div class="card" id="audit-card" style="margin-top:14px"><h2>${t("h.audit")}</h2><div id="audit"></div></div>`;
  await refresh();
}

export async function refresh(ev) {
  if (!root?.isConnected) return;
  const [ov, needs, map] = await Promise.all([api("/api/overview"), api("/api/needs?limit=300"), api("/api/map")]);
  const open = needs.filter(n => !["done", "cancelled"].includes(n.status));
  if (!stockCache || Date.now() - stockAt > 30000 || ev?.type === "stock" || ev?.type === "price_alert") {
    stockCache = await api("/api/city/stock"); stockAt = Date.now();
  }
  const s = stockCache;
  kpis(ov, s);
  root.querySelector("#needs").innerHTML = needsTable(open, { actions: n => can(me, "need.cancel") && !["done", "cancelled", "under_way"].includes(n.status)
    ? `<button data-cancel="${esc(n.id)}">${t("a.cancel")}</button>` : "" });
  root.querySelectorAll("[data-cancel]").forEach(b => b.onclick = async () => {
    const reason = prompt(t("m.cancelreason")); if (!reason) return;
    try { await api(`/api/needs/${b.dataset.cancel}/cancel`, { method: "POST", body: { reason } }); refresh(); }
    catch (e) { toast(errorText(e)); }
  });
  await drawCityMap(root.querySelector("#map"), map);
  root.querySelector("#unmet").innerHTML = ov.unmet.length ? `<ul>${ov.unmet.map(u =>
    `<li><b>${u.count}</b> × ${esc(pick(u, "reason"))} <span class="small muted">${esc(u.code)}</span></li>`).join("")}</ul>` : `<p class="muted">${t("m.none")}</p>`;
  stockCharts(s);
  if (can(me, "audit.read")) {
    const audit = await api("/api/audit?limit=12");
    root.querySelector("#audit").innerHTML = `<table class="small"><tr><th>${t("c.when")}</th><th>${t("c.who")}</th><th>${t("c.what")}</th><th>${t("c.entity")}</th></tr>
      ${audit.map(a => `<tr><td>${new Date(a.at).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai" })}</td><td>${esc(a.actor)}</td>
        <td>${esc(a.action)}</td><td>${esc(a.entity)}</td></tr>`).join("")}</table>`;
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
    `<li><span class="tag unmet">${esc(a.grade)}</span> ${esc(pick(a, "message"))} <span class="small muted">+${(a.rise_ratio * 100).toFixed(0)}%</span></li>`).join("")}</ul>`
    : `<p class="muted">${t("m.none")}</p>`;
}
