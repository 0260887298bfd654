// The dispatchers' journey in headless Chromium: a bus company's and a hotel's dispatcher see their
// tasks with plates and names (no ids or codes in the Chinese page), at 1440×900 and on a 390×844
// phone (nothing wider than the screen); both accept a transfer, the bus runs it, the hotel confirms
// who arrived; the day's sheet shows planned vs delivered and signature columns, and renders for
// print (A4: navigation hidden, header row repeated). Writes one JSON line per step.
//   node dispatch_flow.mjs <base url> <screenshot dir> <tmp dir>
import { chromium } from "playwright-core";
import { ARGS, DESKTOP, PHONE, log, openAs, widthOf } from "./pages.mjs";
import { existsSync, statSync } from "node:fs";

const [base, shots, tmp] = process.argv.slice(2);
const T = 60000;
// what must never show in the Chinese page: ids of buses, communities, hotels, depots, warehouses,
// needs and assignments, and codes of risk categories, room types, staples and statuses
const RAW = /\bbus-|\b(?:futian|east-longgang|west-baoan)-\d\d\b|\bc-[a-z]|\bh-[a-z]|\bH-[a-z]|\bd-(?:bus|east|west)|\bfmg-|\bN-[0-9a-f]{6}|\bA-[0-9a-f]{6}|close_contact|secondary_contact|\binbound\b|\bstandard\b|\bfamily\b|\baccessible\b|\brice\b|\bflour\b|\boil\b|\bpork\b|\beggs\b|\bmilk\b|\btray\b|\bbottle\b|\bproposed\b|\bconfirmed\b|\bunder_way\b|\barriving\b|\bin_service\b|[a-z]×\d/;

async function signIn(browser, token, size = DESKTOP) {
  const page = await openAs(browser, base, token, size, T);
  await page.getByTestId("tasks-table").waitFor({ timeout: T });
  await page.getByTestId("sheet-title").waitFor({ timeout: T });
  return page;
}

const scan = (page) => page.evaluate((re) => {
  const text = document.body.innerText, m = text.match(new RegExp(re.source, re.flags));
  return m ? { raw: m[0], around: text.slice(Math.max(0, m.index - 60), m.index + 60) } : null;
}, { source: RAW.source, flags: RAW.flags });

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS, headless: true,
  env: { ...process.env, LANG: "zh_CN.UTF-8", LANGUAGE: "zh_CN:zh" } });
try {
  const bus = await signIn(browser, "demo-bus");
  const hotel = await signIn(browser, "demo-hotel");
  // a transfer both have to answer: the bus company's trip to the hotel operator's rooms
  let aId = null;
  for (let i = 0; i < 120 && !aId; i++) {
    const ids = (page) => page.locator("tr[data-assignment]:has(button[data-act=accept])").evaluateAll((rs) => rs.map((r) => r.dataset.assignment));
    const mine = await ids(bus), theirs = await ids(hotel);
    aId = mine.find((n) => theirs.includes(n)) || null;
    if (!aId) await bus.waitForTimeout(500);
  }
  if (!aId) throw new Error("no transfer awaiting both the bus company and the hotel");
  const busRow = bus.locator(`tr[data-assignment="${aId}"]`), hotelRow = hotel.locator(`tr[data-assignment="${aId}"]`);
  const needId = await busRow.getAttribute("data-need");
  const busTask = await busRow.locator("td").first().innerText(), hotelTask = await hotelRow.locator("td").first().innerText();
  log("tasks", { needId, assignmentId: aId, busTask, hotelTask, busRaw: await scan(bus), hotelRaw: await scan(hotel),
    busWidth: await widthOf(bus), hotelWidth: await widthOf(hotel) });

  await busRow.locator("button[data-act=accept]").click();
  await busRow.locator('[data-testid="awaiting"]').filter({ hasText: "投控公司" }).waitFor({ timeout: T });
  await hotelRow.locator("button[data-act=accept]").click();
  await busRow.locator('[data-status="confirmed"]').waitFor({ timeout: T });
  await hotelRow.locator('[data-status="confirmed"]').waitFor({ timeout: T });
  const planned = Number((busTask.match(/(\d+) 人/) || [])[1]);
  log("accepted by both", { planned });

  await busRow.locator("button[data-act=start]").click();
  await busRow.locator('[data-status="under_way"]').waitFor({ timeout: T });
  bus.once("dialog", (dlg) => dlg.accept(""));  // delivered as planned
  await busRow.locator("button[data-act=done]").click();
  await busRow.locator('[data-status="arriving"]').waitFor({ timeout: T });
  const arrived = planned - 1;  // one stays behind at the door (fever): goes back to matching
  await hotelRow.locator("button[data-act=arrive]").waitFor({ timeout: T });
  hotel.once("dialog", (dlg) => dlg.accept(String(arrived)));
  await hotelRow.locator("button[data-act=arrive]").click();
  await hotelRow.locator('[data-status="done"]').waitFor({ timeout: T });
  log("driven and checked in", { arrived, hotelDelivered: await hotelRow.getByTestId("delivered").innerText() });

  // the sheets: planned vs delivered, signature columns, in words
  await bus.getByTestId("open-sheet").click();
  const trips = bus.getByTestId("sheet-trips");
  await trips.locator('td[data-col="status"]', { hasText: "已完成" }).first().waitFor({ timeout: T });  // live, after the check-in
  const sheetOf = (page, key) => page.getByTestId(`sheet-${key}`).evaluate((t) => ({
    headers: [...t.querySelectorAll("thead th")].map((th) => th.innerText.trim()),
    rows: [...t.querySelectorAll("tbody tr")].map((tr) => Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.col, td.innerText.trim()]))),
  }));
  await hotel.getByTestId("open-sheet").click();
  await hotel.getByTestId("sheet-rooms").locator('td[data-col="delivered"]', { hasText: String(arrived) }).first().waitFor({ timeout: T });
  const busSheet = await sheetOf(bus, "trips"), hotelSheet = await sheetOf(hotel, "rooms");
  log("sheets", { busSheet, hotelSheet, busRaw: await scan(bus), hotelRaw: await scan(hotel) });

  await bus.locator(".toast.show").waitFor({ state: "hidden", timeout: T });  // the picture without the toast
  await bus.waitForTimeout(400);  // (it fades out)
  if (shots) await bus.screenshot({ path: `${shots}/console-dispatcher.png`, fullPage: true });

  // the supply group: staples by name with their units, warehouses by name
  const fmg = await signIn(browser, "demo-fmg");
  // the demo's supply jobs wait for an answer: on the sheet in the proposals' own section, marked
  const supplies = fmg.locator('[data-testid="sheet-supplies"], [data-testid="sheet-supplies_proposed"]');
  await supplies.locator("td").first().waitFor({ timeout: T });
  const key = (await supplies.first().getAttribute("data-testid")).replace("sheet-", "");
  const fmgTask = await fmg.locator("tr[data-assignment] td").first().innerText();
  const title = await fmg.locator(`section[data-section="${key}"] h3`).innerText();
  log("supply", { fmgTask, fmgSheet: await sheetOf(fmg, key), key, title, fmgRaw: await scan(fmg) });
  await fmg.context().close();

  // on a phone: the same pages as lists, nothing wider than the screen
  const phones = {};
  for (const token of ["demo-bus", "demo-hotel"]) {
    const p = await signIn(browser, token, PHONE);
    await p.locator(`tr[data-assignment="${aId}"] [data-status="done"]`).waitFor({ timeout: T });
    const before = await widthOf(p), raw = await scan(p);
    // the rest of the need (the one who did not arrive) is proposed again: the hotel answers it by phone
    let tapped = null, acceptBox = null;
    if (token === "demo-hotel") {
      const row = p.locator("tr[data-assignment]:has(button[data-act=accept])").first();
      await row.waitFor({ timeout: T });
      tapped = await row.getAttribute("data-assignment");
      acceptBox = await row.locator("button[data-act=accept]").boundingBox();
      await row.locator("button[data-act=accept]").tap();
      await p.locator(`tr[data-assignment="${tapped}"] button[data-act=accept]`).waitFor({ state: "detached", timeout: T });
      await p.locator(`tr[data-assignment="${tapped}"] [data-testid="awaiting"]`).waitFor({ timeout: T });
    }
    await p.getByTestId("open-sheet").tap();
    await p.waitForTimeout(600);
    phones[token] = { width: before, sheetWidth: await widthOf(p), raw, rawAfter: await scan(p), tapped, acceptBox,
      awaiting: tapped ? await p.locator(`tr[data-assignment="${tapped}"] [data-testid="awaiting"]`).innerText() : null };
    if (token === "demo-bus" && shots) {
      await p.evaluate(() => scrollTo(0, 0));
      await p.screenshot({ path: `${shots}/console-dispatcher-phone.png`, fullPage: true });
    }
    await p.context().close();
  }
  log("phones", { phones });

  // print: A4 landscape, only the sheet, header row repeated, rows kept whole, cells to sign in; the
  // viewport is the printable width of the page (297 mm less 2 × 8 mm margins at 96 dpi)
  const printCheck = async (token, key, png) => {
    const ctx = await browser.newContext({ viewport: { width: 1062, height: 718 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => log("pageerror", { token, error: String(e) }));
    await page.addInitScript((tok) => { localStorage.setItem("baolei.token", tok); localStorage.setItem("baolei.lang", "zh"); }, token);
    await page.goto(`${base}/#/dispatch`);
    await page.getByTestId(`sheet-${key}`).waitFor({ timeout: T });
    await page.emulateMedia({ media: "print" });
    const printed = await page.evaluate((key) => {
      const shown = (sel) => { const e = document.querySelector(sel); return !!e && getComputedStyle(e).display !== "none" && e.getBoundingClientRect().height > 0; };
      const table = document.querySelector(`[data-testid="sheet-${key}"]`);
      const sign = table.querySelector("td.sign");
      return { header: shown("header.top"), tasks: shown("#tasks"), printButton: shown('[data-testid="print-sheet"]'),
        sheet: shown(`[data-testid="sheet-${key}"]`), theadDisplay: getComputedStyle(table.querySelector("thead")).display,
        rowBreak: getComputedStyle(table.querySelector("tbody tr")).breakInside,
        headers: [...table.querySelectorAll("thead th")].map((th) => th.innerText.trim()),
        tableRight: table.getBoundingClientRect().right, width: innerWidth,
        signHeight: sign ? sign.getBoundingClientRect().height : 0, title: document.querySelector('[data-testid="sheet-title"]').innerText };
    }, key);
    await page.screenshot({ path: png, fullPage: true });
    let pdf = { ok: false };
    try {
      const path = `${tmp}/dispatch-sheet-${key}.pdf`;
      await page.pdf({ path, format: "A4", landscape: true, preferCSSPageSize: true, printBackground: true });
      pdf = { ok: existsSync(path), bytes: existsSync(path) ? statSync(path).size : 0, path };
    } catch (e) { pdf = { ok: false, error: String(e) }; }
    await ctx.close();
    return { printed, pdf };
  };
  log("print", { bus: await printCheck("demo-bus", "trips", shots ? `${shots}/dispatch-sheet-a4.png` : `${tmp}/a4-bus.png`),
    hotel: await printCheck("demo-hotel", "rooms", `${tmp}/a4-hotel.png`) });

  // English one click away: the same sheet in English
  await bus.getByTestId("lang-toggle").click();
  await bus.getByTestId("sheet-trips").locator("th", { hasText: "Driver's signature" }).waitFor({ timeout: T });
  if (tmp) await bus.screenshot({ path: `${tmp}/dispatcher-en.png`, fullPage: true });
  log("english", { headers: (await sheetOf(bus, "trips")).headers, task: await busRow.locator("td").first().innerText() });
  log("done", { needId, assignmentId: aId });
} catch (e) {
  log("failed", { error: String(e) });
  process.exitCode = 1;
} finally {
  await browser.close();
}
