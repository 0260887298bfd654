// The command center's city map and time charts in headless Chromium, at 1440×900 and on a 390×844 phone:
// the map is an ECharts canvas on Shenzhen's district outlines, fitted to the city, with every place of
// /api/map that lies in Shenzhen drawn (and a stray coordinate left out and counted), assignment lines,
// labels that do not overlap, tooltips with names; stock and price charts with time axes and units.
// Prints one JSON line per step; screenshots go to the given directory.
//   node map_flow.mjs <base url> <screenshot dir> <registration box as JSON: {lon: [lo, hi], lat: [lo, hi]}>
import { chromium } from "playwright-core";

const [base, shots, boxJson] = process.argv.slice(2);
const accepted = JSON.parse(boxJson);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"];
const T = 60000;
const log = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));
const SIZES = {
  desktop: { viewport: { width: 1440, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};
const OP = { Authorization: "Bearer demo-operator" };
const apiMap = async () => (await fetch(`${base}/api/map`, { headers: OP })).json();

// everything the page can tell about the map and the charts, read from the ECharts instances themselves
function inspect(accepted) {
  return import("/console/js/charts.js").then(async (m) => {
    const box = document.querySelector("[data-testid=city-map]");
    const chart = m.instanceOf(box);
    const opt = chart.getOption();
    const sz = await m.loadShenzhen();
    const rect = box.getBoundingClientRect();
    const [x0, x1, y0, y1] = sz.bbox;
    const [ax, ay] = chart.convertToPixel({ geoIndex: 0 }, [x0, y1]);
    const [bx, by] = chart.convertToPixel({ geoIndex: 0 }, [x1, y0]);
    const points = opt.series.filter((s) => s.type === "scatter").flatMap((s) => s.data.map((d) => {
      const [x, y] = chart.convertToPixel({ geoIndex: 0 }, d.value);
      return { id: d.id, name: d.name, x, y };
    }));
    const lines = opt.series.filter((s) => s.type === "lines").reduce((n, s) => n + s.data.length, 0);
    // the labels actually drawn (hidden ones are not in zrender's display list), as boxes on the canvas
    const names = new Set(points.map((p) => p.name));
    const drawnEls = chart.getZr().storage.getDisplayList(true);
    const labels = drawnEls.filter((e) => names.has(e.style?.text))
      .map((e) => { const r = e.getBoundingRect().clone(); r.applyTransform(e.getComputedTransform()); return { text: e.style.text, r }; });
    const overlaps = [];
    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i].r, b = labels[j].r;
      if (a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5)
        overlaps.push([labels[i].text, labels[j].text]);
    }
    // a stray coordinate (Beijing) does not squash the city: left out and counted
    const stray = m.mapOption({ sites: [{ id: "far", name: "远方", lat: 39.9, lon: 116.4, role: "community", zone: "sealed" }],
      lines: [], warehouses: [] }, sz.bbox);
    // whatever registration accepts in the main box is drawn, its corners included
    const corners = m.mapOption({ sites: accepted.lon.flatMap((lon, i) => accepted.lat.map((lat, j) =>
      ({ id: `k${i}${j}`, name: `k${i}${j}`, lat, lon, role: "community" }))), lines: [], warehouses: [] }, sz.bbox);
    const series = opt.series.map((s) => ({ type: s.type, name: s.name, n: s.data.length, hideOverlap: !!s.labelLayout?.hideOverlap }));
    const tip = opt.tooltip[0].formatter({ seriesType: "scatter", componentType: "series", name: points[0]?.name, data: opt.series.find((s) => s.type === "scatter").data[0] });
    const charts = [...document.querySelectorAll("[data-testid=time-chart]")].map((el) => {
      const inst = m.instanceOf(el), o = inst.getOption();
      const first = o.series[0]?.data[0];
      // the x-axis labels as drawn, with the values they stand for (ECharts' own axis model)
      let ticks;
      try { ticks = inst.getModel().getComponent("xAxis", 0).axis.getViewLabels().map((l) => [l.tick.value, l.formattedLabel]); }
      catch (e) { ticks = String(e); }
      const xs = o.series.flatMap((s) => s.data.map((d) => (Array.isArray(d) ? d[0] : d.value[0])));
      return { panel: el.closest(".card").querySelector("h2").textContent, title: o.title[0].text, xType: o.xAxis[0].type,
        unit: o.yAxis[0].name, useUTC: o.useUTC, series: o.series.length, firstX: Array.isArray(first) ? first[0] : first?.value?.[0],
        canvas: !!el.querySelector("canvas"), width: el.getBoundingClientRect().width, ticks, maxX: Math.max(...xs) };
    });
    return { canvas: !!box.querySelector("canvas"), box: { w: rect.width, h: rect.height, right: rect.right },
      map: opt.geo[0].map, nameMap: opt.geo[0].nameMap || null, geoTop: opt.geo[0].top, districts: sz.districts, cityPx: { w: bx - ax, h: by - ay, left: ax, top: ay, right: bx, bottom: by },
      points, lines, series, labels: labels.map((l) => l.text), overlaps, stray: { outside: stray.outside.length, shown: stray.shown }, corners: corners.shown,
      outsideNote: document.querySelector("[data-testid=map-outside]").textContent, tip, charts,
      page: document.documentElement.scrollWidth, viewport: innerWidth,
      drawnTypes: [...new Set(drawnEls.map((e) => e.type))],
      over: [...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
        .map((e) => `${e.tagName.toLowerCase()}${e.dataset.testid ? "#" + e.dataset.testid : ""}`).slice(0, 5) };
  });
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS, headless: true,
  env: { ...process.env, LANG: "zh_CN.UTF-8", LANGUAGE: "zh_CN:zh" } });
try {
  // the matcher proposes for the demo's needs: wait for assignment lines to draw
  let expected;
  for (let i = 0; i < 60; i++) {
    expected = await apiMap();
    if (expected.lines.length && expected.warehouses?.length) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  log("api", { sites: expected.sites.length, warehouses: expected.warehouses?.length ?? null, lines: expected.lines.length });
  for (const [size, opts] of Object.entries(SIZES)) {
    // the phone is set to New York time: the charts must still read Beijing time
    const ctx = await browser.newContext({ ...opts, locale: "zh-CN", timezoneId: size === "phone" ? "America/New_York" : "Asia/Shanghai" });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => log("pageerror", { size, error: String(e) }));
    page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) log("http-error", { size, url: r.url(), status: r.status() }); });
    await page.goto(`${base}/`);
    await page.getByTestId("token").fill("demo-operator");
    await page.getByTestId("sign-in").click();
    await page.locator("[data-testid=city-map] canvas").first().waitFor({ timeout: T });
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=city-map]")?.dataset.lines) > 0, null, { timeout: T });
    await page.locator("[data-testid=time-chart] canvas").first().waitFor({ timeout: T });
    const zh = await page.evaluate(inspect, accepted);
    log("map", { size, timezone: await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), expected: { sites: expected.sites.length, warehouses: expected.warehouses?.length ?? 0, lines: expected.lines.length }, ...zh });

    // a tooltip on hovering a place names it (no ids)
    const p = zh.points.find((q) => q.id === "h-baguang") || zh.points[0];
    await page.getByTestId("city-map").scrollIntoViewIfNeeded();
    const boxAt = await page.getByTestId("city-map").boundingBox();
    await page.mouse.move(boxAt.x + p.x - 30, boxAt.y + p.y - 30);
    await page.mouse.move(boxAt.x + p.x, boxAt.y + p.y, { steps: 5 });
    await page.waitForTimeout(600);
    const tooltip = await page.evaluate(() => [...document.querySelectorAll("[data-testid=city-map] div")]
      .filter((d) => d.style.position === "absolute" && d.style.display !== "none" && d.textContent.trim()).map((d) => d.textContent.trim()).join(" | "));
    log("tooltip", { size, hovered: p.name, tooltip });

    const card = page.getByTestId("city-map").locator("xpath=ancestor::div[contains(@class,'card')][1]");
    await card.scrollIntoViewIfNeeded();
    if (size === "desktop") {
      // the map with the stock and price charts below it
      const a = await card.boundingBox(), b = await page.locator("#prices").boundingBox();
      await page.screenshot({ path: `${shots}/console-map.png`, fullPage: true,
        clip: { x: 0, y: a.y + (await page.evaluate(() => scrollY)) - 10, width: 1440, height: Math.min(1800, b.y + b.height - a.y + 30) } });
    } else {
      await card.screenshot({ path: `${shots}/console-map-phone.png` });
    }
    await page.getByTestId("lang-toggle").click();
    await page.waitForFunction(() => document.querySelector("[data-testid=city-map]")?.dataset.lang === "en", null, { timeout: T });
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=city-map]")?.dataset.lines) > 0, null, { timeout: T });
    const en = await page.evaluate(inspect, accepted);
    log("english", { size, nameMap: en.nameMap, series: en.series, units: en.charts.map((c) => c.unit), titles: en.charts.map((c) => c.title),
      tip: en.tip, labels: en.labels.length, page: en.page });
    await ctx.close();
  }
  log("done");
} catch (e) {
  log("failed", { error: String(e.stack || e) });
  process.exitCode = 1;
} finally {
  await browser.close();
}
