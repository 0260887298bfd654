// The city map and the time charts, drawn with Apache ECharts (vendored from npm: ../vendor/README.md).
//   drawCityMap(el, data)        Shenzhen's districts, sites, hotels, depots, warehouses, assignment lines
//   drawStockCharts(el, stock)   available stock per staple over time, one chart per staple, in its unit
//   drawPriceCharts(el, stock)   prices per staple over time in 元 per unit; alerts marked
// Times are shown in Beijing time whatever the browser's zone; every visible text is in the user's language.
import * as echarts from "../vendor/echarts.esm.min.js";
import { esc, getLang, t } from "./i18n.js";

export const PALETTE = ["#c8102e", "#2e6fd8", "#12805c", "#e07a00", "#7a3fbf", "#667085", "#0e7490", "#a16207"];
const L = (zh, en) => (getLang() === "zh" ? zh : en);
const HOUR = 3600 * 1000;
const CST_MS = 8 * HOUR;  // CITY_TZ (common.js) has no daylight saving: UTC+8 all year
const cst = at => +new Date(at) + CST_MS;  // shown with useUTC, so the axis reads Beijing time

const DISTRICT_EN = { 福田: "Futian", 罗湖: "Luohu", 南山: "Nanshan", 盐田: "Yantian", 宝安: "Bao'an", 龙岗: "Longgang",
  龙华: "Longhua", 坪山: "Pingshan", 光明: "Guangming", 大鹏: "Dapeng", 大鹏新: "Dapeng", 深汕特别合作: "Shenshan" };
export function districtName(d) {
  if (getLang() === "zh" || !d) return d || "";
  return DISTRICT_EN[String(d).replace(/区$/, "")] || d;
}
const UNIT = { bag: ["袋", "bags"], bottle: ["瓶", "bottles"], kg: ["公斤", "kg"], tray: ["托", "trays"], case: ["箱", "cases"] };
const UNIT_ONE = { bag: "bag", bottle: "bottle", kg: "kg", tray: "tray", case: "case" };
const unitName = k => (getLang() === "zh" ? k.unit_zh || UNIT[k.unit]?.[0] : UNIT[k.unit]?.[1]) || k.unit || "";
const perUnit = k => (getLang() === "zh" ? `元/${k.unit_zh || UNIT[k.unit]?.[0] || k.unit}` : `yuan/${UNIT_ONE[k.unit] || k.unit}`);

// ---- instances: one per element, disposed once its element has left the page, resized with it
const charts = new Set();
const resizer = typeof ResizeObserver === "undefined" ? null
  : new ResizeObserver(entries => entries.forEach(e => echarts.getInstanceByDom(e.target)?.resize()));
window.addEventListener("resize", () => charts.forEach(c => c.resize()));

function chartOn(el) {
  for (const c of [...charts]) {
    if (!c.getDom().isConnected) { resizer?.unobserve(c.getDom()); c.dispose(); charts.delete(c); }
  }
  let c = echarts.getInstanceByDom(el);
  if (c && el.dataset.lang !== getLang()) { resizer?.unobserve(el); c.dispose(); charts.delete(c); c = null; }
  if (!c) {
    c = echarts.init(el, null, { renderer: "canvas", locale: getLang() === "zh" ? "ZH" : "EN" });
    el.dataset.lang = getLang();
    charts.add(c);
    resizer?.observe(el);
  }
  return c;
}
// for the browser tests: the instance drawn into an element
export const instanceOf = el => echarts.getInstanceByDom(el);

// ---- the city map
let geo = null;
export function loadShenzhen() {
  geo ??= fetch(new URL("../vendor/shenzhen.geo.json", import.meta.url)).then(r => {
    if (!r.ok) throw new Error(`shenzhen.geo.json: ${r.status}`);
    return r.json();
  }).then(json => {
    echarts.registerMap("shenzhen", json);
    return { json, bbox: extent(json), districts: json.features.map(f => f.properties.name) };
  });
  return geo;
}

function extent(json) {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  const walk = c => {
    if (typeof c[0] === "number") { x0 = Math.min(x0, c[0]); x1 = Math.max(x1, c[0]); y0 = Math.min(y0, c[1]); y1 = Math.max(y1, c[1]); }
    else c.forEach(walk);
  };
  json.features.forEach(f => walk(f.geometry.coordinates));
  return [x0, x1, y0, y1];
}

const ZONE = { sealed: ["封控区", "sealed zone", "#c8102e"], controlled: ["管控区", "controlled zone", "#e07a00"],
  precaution: ["防范区", "precaution zone", "#2e6fd8"], other: ["其他", "other", "#98a2b3"] };
const ROLE = {
  hotel: ["隔离酒店", "Isolation hotels", "rect", 11, "#12805c"],
  depot: ["公交车场", "Bus depots", "triangle", 13, "#6d28d9"],
  warehouse: ["物资仓库", "Warehouses", "diamond", 14, "#a16207"],
};
const LINE = { proposed: ["转运（待确认）", "Transfers awaiting answers", "#e07a00", "dashed"],
  active: ["转运（已确认/执行中）", "Transfers confirmed or under way", "#12805c", "solid"] };
// degrees around the outlines where a point is still drawn: at least the margin registration allows
// (baolei_common.fields.SHENZHEN_BOUNDS); the 深汕特别合作区 lies beyond the outlines and is counted instead
const MARGIN = 0.03;

// The chart option for `data` (GET /api/map) on the outlines' extent `bbox`; points beyond it are left
// out (and counted) so that one stray coordinate cannot shrink the city into a corner.
export function mapOption(data, bbox, { narrow = false } = {}) {
  const [x0, x1, y0, y1] = bbox;
  const inside = p => p.lon >= x0 - MARGIN && p.lon <= x1 + MARGIN && p.lat >= y0 - MARGIN && p.lat <= y1 + MARGIN;
  const places = [...data.sites, ...(data.warehouses || []).map(w => ({ ...w, role: "warehouse" }))];
  const shown = places.filter(inside), outside = places.filter(p => !inside(p));
  const at = Object.fromEntries(shown.map(p => [p.id, p]));
  const name = id => at[id]?.name || id;
  // labels to the right, except near the eastern edge, where they would leave the canvas (坝光)
  const item = p => ({ name: p.name, value: [p.lon, p.lat], id: p.id, district: p.district, role: p.role, zone: p.zone,
    ...(p.lon > x1 - (x1 - x0) * 0.3 ? { label: { position: "left" } } : {}) });
  const label = { show: true, formatter: "{b}", position: "right", distance: 4, fontSize: narrow ? 10 : 11, color: "#1d2330",
    textBorderColor: "#fff", textBorderWidth: 2 };
  const scatter = (name, color, symbol, size, points, z) => ({
    type: "scatter", coordinateSystem: "geo", name, symbol, symbolSize: narrow ? size - 2 : size, z,
    itemStyle: { color, borderColor: "#fff", borderWidth: 1 }, label, labelLayout: { hideOverlap: true },
    emphasis: { scale: 1.4, label: { show: true, fontWeight: "bold" } }, data: points.map(item),
  });
  const series = [];
  for (const [zone, [zh, en, color]] of Object.entries(ZONE)) {
    const pts = shown.filter(p => p.role === "community" && (ZONE[p.zone] ? p.zone : "other") === zone);
    if (pts.length) series.push(scatter(L(`${zh}社区`, `Communities, ${en}`), color, "circle", 10, pts, 4));
  }
  for (const [role, [zh, en, symbol, size, color]] of Object.entries(ROLE)) {
    const pts = shown.filter(p => p.role === role);
    if (pts.length) series.push(scatter(L(zh, en), color, symbol, size, pts, 5));
  }
  const drawn = data.lines.filter(l => at[l.from] && at[l.to]);
  for (const [kind, [zh, en, color, type]] of Object.entries(LINE)) {
    const ls = drawn.filter(l => (l.status === "proposed") === (kind === "proposed"));
    if (!ls.length) continue;
    series.push({ type: "lines", coordinateSystem: "geo", name: L(zh, en), z: 3, symbol: ["none", "arrow"], symbolSize: 7,
      lineStyle: { color, type, opacity: 0.85, curveness: 0.2 },
      data: ls.map(l => ({ coords: [[at[l.from].lon, at[l.from].lat], [at[l.to].lon, at[l.to].lat]],
        lineStyle: { width: 1.2 + Math.min(l.people, 40) / 8 }, from: name(l.from), to: name(l.to), people: l.people,
        status: l.status })) });
  }
  const tooltip = { trigger: "item", confine: true, formatter: p => {
    const d = p.data || {};
    if (p.seriesType === "lines") {
      return `<b>${esc(d.from)} → ${esc(d.to)}</b><br>${d.people} ${L("人", "people")} · ${esc(t("st." + d.status))}`;
    }
    if (p.componentType === "geo" || p.seriesType === "map") return `<b>${esc(districtName(p.name))}</b>`;
    const role = d.role === "community" ? L("社区", "community") + (ZONE[d.zone] ? ` · ${L(ZONE[d.zone][0], ZONE[d.zone][1])}` : "")
      : L(ROLE[d.role]?.[0] || "", ROLE[d.role]?.[1] || "");
    return `<b>${esc(d.name ?? p.name)}</b><br>${esc(districtName(d.district))} · ${esc(role)}`;
  } };
  const nameMap = getLang() === "zh" ? undefined
    : Object.fromEntries(Object.keys(DISTRICT_EN).map(d => [`${d}区`, DISTRICT_EN[d]]));
  const option = {
    animation: false, tooltip,
    // on a phone the legend wraps onto up to three lines (no scroll arrows to find)
    legend: { top: 0, left: 0, right: 0, type: "plain", itemWidth: 14, itemHeight: 10, itemGap: narrow ? 8 : 10,
      textStyle: { fontSize: narrow ? 11 : 12 } },
    geo: { map: "shenzhen", nameMap, roam: !narrow, scaleLimit: { min: 1, max: 10 }, selectedMode: false,
      aspectScale: Math.cos(((y0 + y1) / 2) * Math.PI / 180),  // degrees of longitude are shorter here
      top: narrow ? 72 : 40, bottom: 6, left: 6, right: 6,
      label: { show: true, color: "#98a2b3", fontSize: narrow ? 10 : 12 },
      itemStyle: { areaColor: "#f3f5f8", borderColor: "#9aa4b2", borderWidth: 1 },
      emphasis: { label: { show: true, color: "#475467" }, itemStyle: { areaColor: "#e8edf3" } },
      tooltip: { show: true } },
    series,
  };
  return { option, shown: shown.length, outside, lines: drawn.length };
}

export async function drawCityMap(el, data) {
  let box = el.querySelector("[data-testid=city-map]");
  if (!box) {
    el.innerHTML = `<div data-testid="city-map" role="img" style="width:100%;height:clamp(320px,62vw,500px)"></div>
      <p class="small muted" data-testid="map-outside" style="margin:4px 0 0"></p>`;
    box = el.querySelector("[data-testid=city-map]");
  }
  let sz;
  try { sz = await loadShenzhen(); }
  catch (e) { geo = null; box.textContent = L(`地图数据加载失败：${e.message}`, `The map data did not load: ${e.message}`); return null; }
  if (!box.isConnected) return null;
  const narrow = box.clientWidth < 520;
  const { option, shown, outside, lines } = mapOption(data, sz.bbox, { narrow });
  box.setAttribute("aria-label", L(`深圳市地图：${shown} 个地点，${lines} 条转运线`, `Map of Shenzhen: ${shown} places, ${lines} transfer lines`));
  Object.assign(box.dataset, { shown, outside: outside.length, lines, districts: sz.districts.length });
  chartOn(box).setOption(option, { replaceMerge: ["series"] });
  el.querySelector("[data-testid=map-outside]").textContent = outside.length
    ? L(`另有 ${outside.length} 处在本图范围外，未画出：${outside.map(p => p.name).join("、")}`,
      `${outside.length} place(s) beyond this map, not drawn: ${outside.map(p => p.name).join(", ")}`) : "";
  return box;
}

// ---- time charts: small multiples, one per staple, districts as lines in one colour each everywhere
function timeOption({ title, unit, series, fmt = v => v.toLocaleString(getLang() === "zh" ? "zh-CN" : "en") }) {
  return {
    animation: false, useUTC: true, color: PALETTE,
    title: { text: title, left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 600 } },
    grid: { left: 8, right: 14, top: 44, bottom: 22, containLabel: true },
    tooltip: { trigger: "axis", confine: true, valueFormatter: v => (v == null ? "—" : `${fmt(v)} ${unit}`) },
    // whole hours at both ends, at least six hours apart: observations made within seconds of each other
    // still read as times of day, and the end labels are not split seconds
    xAxis: { type: "time", splitNumber: 4, axisLabel: { fontSize: 10, hideOverlap: true,
      formatter: { year: "{yyyy}/{M}/{d}", month: "{M}/{d}", day: "{M}/{d}", hour: "{HH}:{mm}", minute: "{HH}:{mm}",
        second: "{HH}:{mm}", millisecond: "{HH}:{mm}" } },
      min: v => Math.floor(Math.min(v.min, v.max - 6 * HOUR) / HOUR) * HOUR, max: v => Math.ceil(v.max / HOUR) * HOUR },
    yAxis: { type: "value", name: unit, nameLocation: "end", nameGap: 8, nameTextStyle: { align: "left", fontSize: 11, color: "#667085" },
      scale: true, axisLabel: { fontSize: 10 }, splitNumber: 3 },
    series,
  };
}

function grid(container, items) {
  // one element per item, kept across refreshes (keyed), so a live update redraws in place
  if (!container.querySelector(":scope > .tgrid")) {
    // both span the whole width, also when the container is itself a grid
    container.innerHTML = `<div class="small tlegend" style="grid-column:1/-1;margin-bottom:6px"></div>
      <div class="charts tgrid" style="grid-column:1/-1"></div>`;
  }
  const holder = container.querySelector(":scope > .tgrid");
  const keep = new Set(items.map(i => i.key));
  holder.querySelectorAll(":scope > [data-chart]").forEach(e => { if (!keep.has(e.dataset.chart)) e.remove(); });
  for (const it of items) {
    let el = holder.querySelector(`:scope > [data-chart="${CSS.escape(it.key)}"]`);
    if (!el) {
      el = document.createElement("div");
      el.dataset.chart = it.key;
      el.dataset.testid = "time-chart";
      el.style.cssText = "width:100%;height:190px;min-width:0";
      holder.append(el);
    }
    el.dataset.unit = it.unit;
    chartOn(el).setOption(timeOption(it), { notMerge: true });
  }
  return container.querySelector(":scope > .tlegend");
}

function districtsOf(stock) {
  const ds = new Set([...Object.keys(stock.trend || {}), ...Object.keys(stock.prices || {})]);
  const sorted = [...ds].sort();
  return { sorted, color: Object.fromEntries(sorted.map((d, i) => [d, PALETTE[i % PALETTE.length]])) };
}
const skuLabel = k => (getLang() === "zh" ? k.name_zh : k.name_en) || k.id;
const legendHtml = (sorted, color) => sorted.map(d => `<span style="color:${color[d]}">━</span> ${esc(districtName(d))}`).join(" &nbsp; ");

export function drawStockCharts(el, stock) {
  const { sorted, color } = districtsOf(stock);
  const items = stock.skus.filter(k => sorted.some(d => (stock.now[d] || {})[k.id] !== undefined)).map(k => ({
    key: k.id, unit: unitName(k), title: skuLabel(k),
    series: sorted.filter(d => stock.trend[d]).map(d => ({ type: "line", name: districtName(d), color: color[d],
      symbolSize: 4, lineStyle: { width: 1.6 }, data: stock.trend[d].map(p => [cst(p.at), p[k.id] ?? 0]) })),
  }));
  grid(el, items).innerHTML = `${L("可用量，北京时间", "Available, Beijing time")} · ${legendHtml(sorted, color)}`;
}

export function drawPriceCharts(el, stock) {
  const { sorted, color } = districtsOf(stock);
  const base = Object.fromEntries((stock.baselines || []).map(b => [`${b.district}|${b.sku}`, b.baseline_fen]));
  const items = stock.skus.filter(k => sorted.some(d => stock.prices[d]?.[k.id]?.length)).map(k => ({
    key: k.id, unit: perUnit(k), title: skuLabel(k), fmt: v => v.toFixed(2),
    series: sorted.filter(d => stock.prices[d]?.[k.id]?.length).map(d => ({ type: "line", name: districtName(d), color: color[d],
      symbolSize: 4, lineStyle: { width: 1.6 },
      // a price over its alert threshold is a larger red point
      data: stock.prices[d][k.id].map(p => ({ value: [cst(p.at), p.fen / 100],
        ...(p.grade === "alert" || p.grade === "crisis" ? { symbolSize: 8, itemStyle: { color: "#c8102e" } } : {}) })),
      markLine: base[`${d}|${k.id}`] ? { silent: true, symbol: "none", label: { show: false },
        lineStyle: { color: color[d], type: "dotted", opacity: 0.6 }, data: [{ yAxis: base[`${d}|${k.id}`] / 100 }] } : undefined })),
  }));
  grid(el, items).innerHTML = `${L("元/单位，北京时间；点线为各区基准价，红点为超出预警", "Yuan per unit, Beijing time; dotted: each district's baseline, red: above the alert threshold")} · ${legendHtml(sorted, color)}`;
}
