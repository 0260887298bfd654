// Command center (指挥中心): open needs by priority and age, what is unmet and why, resources at a
// glance, the city picture, stock and price trends per district, price alerts, recent changes.
import { api, can } from "./api.js";
import { drawCityMap, drawPriceCharts, drawStockCharts } from "./charts.js";
import { esc, getLang, gradeName, pick, t } from "./i18n.js";
import { CITY_TZ, clock, colon, guarded, hhmm, listOf, needLink, needsTable, pri, toast, errorText } from "./common.js";
import { lateMark, lateSection } from "./late.js";
import { occupancyPanel, occupancyTitle } from "./stays.js";
import { coveragePanel, coverageTitle } from "./coverage.js";
import { askControls, asksSection, autoLine, bindAskControls } from "./asks.js";

let root, me, stockCache = null, stockAt = 0;

let ticker = null, generation = 0;
// Whether this page is what the shell shows: `root` (<main>) is always connected, so a late answer
// (the 30 s ticker, a refresh begun before the language switch or a change of page) must check
// that its page is still there, or it writes into elements that are gone ("Cannot set properties of
// null") and the page stays blank.
const shown = () => Boolean(root?.isConnected && root.querySelector("[data-page=command]"));

export async function render(el, who) {
  root = el; me = who;
  clearInterval(ticker);  // the expiry countdown moves even when nothing else happens
  ticker = setInterval(() => { if (shown() && can(me, "attention.read")) api("/api/attention").then(a => shown() && attention(a)).catch(() => {}); else clearInterval(ticker); }, 30000);  // a missed tick keeps what is shown
  root.innerHTML = `<div data-page="command"><div class="card attention" id="attention-card" data-testid="attention"><h2>${t("h.attention")}</h2><div id="attention"></div></div>
    <div class="grid g6" id="kpis" data-testid="kpis" style="margin-top:14px"></div>
    ${can(me, "occupancy.read") ? `<div class="card" style="margin-top:14px" data-testid="occupancy-card"><h2>${occupancyTitle()}</h2><div id="occupancy"></div></div>` : ""}
    ${can(me, "coverage.read") ? `<div class="card" style="margin-top:14px" data-testid="coverage-card"><h2>${coverageTitle()}</h2><div id="coverage"></div></div>` : ""}
    <div class="card" style="margin-top:14px"><h2>${t("h.needs")}</h2>${filterBar()}<div id="needs-shown" class="small muted" data-testid="needs-shown"></div><div id="needs"></div>
      <button id="needs-more" data-testid="needs-more" style="display:none">${t("a.more")}</button></div>
    <div class="grid g2" style="margin-top:14px">
      <div class="card"><h2>${t("h.map")}</h2><div id="map"></div></div>
      <div class="grid"><div class="card"><h2>${t("h.alerts")}</h2><div id="alerts"></div></div></div>
    </div>
    <div class="grid g2" style="margin-top:14px">
      <div class="card"><h2>${t("h.stock")}</h2><div id="stock" class="charts"></div></div>
      <div class="card"><h2>${t("h.prices")}</h2><div id="prices" class="charts"></div></div>
    </div>
    <div class="card" id="audit-card" style="margin-top:14px"><h2>${t("h.audit")}</h2><div id="audit"></div></div></div>`;
  const bar = root.querySelector("#needs-filter");
  bar.onsubmit = (e) => { e.preventDefault(); filters = readFilters(bar); needsPage(0); };
  bar.onchange = (e) => { if (e.target.type === "text") return; filters = readFilters(bar); needsPage(0); };  // text: on Enter
  root.querySelector("#needs-more").onclick = () => needsPage(shownRows.length);
  await refresh();
}

// The needs table: a page from the server with the total ("显示 100 / 504"), filters and a search;
// "more" appends the next page. The filters stay while the live feed refreshes the page.
const PAGE = 100;
let filters = { status: "open" }, shownRows = [];
const STATUSES = ["open", "unmet", "proposed", "confirmed", "under_way", "submitted", "done", "cancelled"];
const CAUSES = ["buses", "rooms", "standard_rooms_full", "family_rooms_full", "accessible_rooms_full", "stock", "no_hotel_for_risk", "hotel_not_open"];

function filterBar() {
  const opt = (v, label, cur) => `<option value="${esc(v)}"${v === cur ? " selected" : ""}>${esc(label)}</option>`;
  return `<form id="needs-filter" class="row filters" data-testid="needs-filter">
    <label>${t("c.status")} <select name="status" data-testid="filter-status">${STATUSES.map(v => opt(v, v === "open" ? t("m.all_open") : t("st." + v), filters.status)).join("")}</select></label>
    <label>${t("m.cause")} <select name="cause" data-testid="filter-cause">${opt("", t("m.any"), filters.cause || "")}${CAUSES.map(v => opt(v, t("cause." + v), filters.cause)).join("")}</select></label>
    <label>${t("m.district")} <input name="district" size="6" value="${esc(filters.district || "")}" data-testid="filter-district"></label>
    <label>${t("f.org")} <input name="organisation" size="8" value="${esc(filters.organisation || "")}" data-testid="filter-org"></label>
    <label><input type="checkbox" name="late" ${filters.late ? "checked" : ""} data-testid="filter-late"> ${t("m.late_only")}</label>
    <label>${t("m.search")} <input name="q" size="10" value="${esc(filters.q || "")}" data-testid="filter-q"></label>
    <button type="submit">${t("m.apply")}</button></form>`;
}

function readFilters(form) {
  const f = form.elements;
  return { status: f.status.value, cause: f.cause.value, district: f.district.value.trim(), organisation: f.organisation.value.trim(),
    late: f.late.checked, q: f.q.value.trim() };
}

function pageUrl(offset, limit) {
  const q = new URLSearchParams({ offset, limit });
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v === true ? "true" : v);
  return `/api/needs/page?${q}`;
}

function showNeeds(page, append) {
  shownRows = append ? shownRows.concat(page.items) : page.items;
  const shownText = getLang() === "zh" ? `显示 ${shownRows.length} / ${page.total}` : `showing ${shownRows.length} of ${page.total}`;
  root.querySelector("#needs-shown").textContent = shownText;
  root.querySelector("#needs-more").style.display = shownRows.length < page.total ? "" : "none";
  root.querySelector("#needs").innerHTML = needsTable(shownRows, { actions: n => can(me, "need.cancel") && !["done", "cancelled", "under_way"].includes(n.status)
    ? `<button data-cancel="${esc(n.id)}">${t("a.cancel")}</button>` : "" });
  root.querySelectorAll("[data-cancel]").forEach(b => b.onclick = async () => {
    const reason = prompt(t("m.cancelreason")); if (!reason) return;
    try { await api(`/api/needs/${b.dataset.cancel}/cancel`, { method: "POST", body: { reason } }); refresh(); }
    catch (e) { toast(errorText(e)); }
  });
}

let pageAsked = 0;
async function needsPage(offset) {
  const mine = ++pageAsked;  // only the latest question's answer is shown (filters change fast)
  try {
    const page = await api(pageUrl(offset, PAGE));
    if (shown() && mine === pageAsked) showNeeds(page, offset > 0);
  } catch (e) { toast(errorText(e)); }
}

// every refresh goes through `guarded` (common.js): a failed fetch keeps the page and retries
export const refresh = guarded(load);

async function load(ev) {
  if (!shown()) return;
  const mine = ++generation;  // a newer refresh (or render) supersedes this one
  const current = () => mine === generation && shown();
  // The first rows come from the first request, alone: the table's page (about 200 ms at 20,000 open
  // needs). The other panels are asked for only once it has answered, so they do not share the
  // server with it (started together, the six requests made the first row wait for the slowest:
  // 2 s at 1440 px). Each panel is drawn as soon as its own answer arrives.
  const asked = pageAsked;
  const page = await api(pageUrl(0, Math.max(PAGE, shownRows.length)));
  if (!current()) return;
  if (asked === pageAsked) showNeeds(page, false);  // not over a page the filters asked for meanwhile
  const attP = can(me, "attention.read") ? api("/api/attention") : Promise.resolve(null);
  const ovP = api("/api/overview"), mapP = api("/api/map");
  const stockP = (!stockCache || Date.now() - stockAt > 30000 || ev?.type === "stock" || ev?.type === "price_alert")
    ? api("/api/city/stock").then(x => { stockCache = x; stockAt = Date.now(); return x; }) : Promise.resolve(stockCache);
  // started together, awaited one by one: a part that fails after an earlier one failed (or after this
  // refresh was superseded) is not an unhandled rejection; awaiting it below still throws to `guarded`
  for (const p of [ovP, mapP, attP, stockP]) p.catch(() => {});
  const att = await attP;
  if (!current()) return;
  attention(att);
  const [ov, s, map] = await Promise.all([ovP, stockP, mapP]);
  if (!current()) return;
  kpis(ov, s);
  const occ = root.querySelector("#occupancy");
  if (occ) await occupancyPanel(occ);
  const cov = root.querySelector("#coverage");
  if (cov) coveragePanel(cov).catch(() => {});  // another service's figures: the map and charts do not wait
  if (!current()) return;
  await drawCityMap(root.querySelector("#map"), map);
  if (!current()) return;
  stockCharts(s);
  if (can(me, "audit.read")) {
    const audit = await api("/api/audit?limit=12");
    if (!current()) return;
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
  // whose answers are awaited: per organisation, how many and the soonest to expire, before the holds
  // themselves (folded on a phone: causes and counts before detail)
  const byOrg = (att.holds_by_organisation || []).map(o => `<li data-testid="att-holds-org" data-org="${esc(o.organisation)}"><b>${esc(o.organisation)}</b>
    <span class="count">${o.count}</span> <span class="small ${o.soonest_in_min !== null && o.soonest_in_min <= 5 ? "err" : "muted"}">${o.soonest_in_min === null ? "" : esc(t("m.soonest_in", { n: o.soonest_in_min }))}</span></li>`).join("");
  const phone = window.matchMedia("(max-width: 700px)").matches;
  const holdItems = holds.length ? `${byOrg ? `<ul class="by-org">${byOrg}</ul>` : ""}<details data-testid="att-hold-details"${phone ? "" : " open"}><summary>${esc(t("m.hold_list"))}</summary><ul>${holds.join("")}</ul></details>` : "";
  const declines = att.declines.map(d => `<li data-testid="att-decline" data-need="${esc(d.need_id)}">${needLink(d.need_id, pick(d, "label"))}
    <br><span class="err">${esc(t("m.declined_by", { who: d.by, why: d.reason || t("m.noreason") }))}</span> <span class="small muted">${esc(pick(d, "resources"))} · ${hhmm(d.at)}</span></li>`);
  const stranded = att.stranded.map(x => `<li data-testid="att-stranded">${needLink(x.need_id, pick(x, "label"))}
    <span class="small">${esc(t("m.stranded", { d: x.delivered, r: x.remaining }))}</span></li>`);
  const holdSec = holdItems ? `<div class="att-sec" data-testid="att-holds"><h3>${t("h.att.holds")} <span class="count">${att.holds_total ?? holds.length}</span></h3>${holdItems}</div>` : "";
  const html = lateSection(att.late) + sec("unmet", "h.att.unmet", unmet, att.unmet.length) + asksSection(att) + holdSec + sec("decline", "h.att.declines", declines)
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
