// Stays end and rooms come back, in the console (headless Chromium, 1440×900 and a 390×844 phone):
// the hotel dispatcher sees who stays until when and records that they left; the command center's
// occupancy panel shows the rooms in use, being cleaned and freeing over the next 72 hours, in
// Chinese and in English. Prints one JSON line per step; screenshots go to the given directory.
//   node stays_flow.mjs <base url> <screenshot dir>
import { chromium } from "playwright-core";

const [base, shots] = process.argv.slice(2);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"];
const T = 60000;
const log = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));
const DESKTOP = { viewport: { width: 1440, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function open(browser, token, hash, size) {
  const ctx = await browser.newContext({ ...size, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => log("pageerror", { token, error: String(e) }));
  await page.addInitScript((tok) => { localStorage.setItem("baolei.token", tok); localStorage.setItem("baolei.lang", "zh"); }, token);
  await page.goto(`${base}/${hash}`);
  return page;
}

const widthOf = (page) => page.evaluate(() => {
  const over = [...document.querySelectorAll("body *")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > innerWidth + 1 && getComputedStyle(e).position !== "fixed";
  }).map((e) => `${e.tagName.toLowerCase()}${e.dataset.testid ? "#" + e.dataset.testid : ""}`).slice(0, 5);
  return { page: document.documentElement.scrollWidth, viewport: innerWidth, over };
});

const occupancy = (page) => page.evaluate(() => {
  const card = document.querySelector("[data-testid=occupancy-card]");
  const row = (tr) => Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.label, td.innerText.trim()]));
  return { title: card.querySelector("h2").innerText, total: row(card.querySelector("[data-testid=occ-total]")),
    hotels: [...card.querySelectorAll("[data-testid=occ-hotel]")].map((tr) => ({ id: tr.dataset.hotel, ...row(tr) })),
    bars: card.querySelectorAll(".spark i").length, cardRight: card.getBoundingClientRect().right };
});

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS, headless: true,
  env: { ...process.env, LANG: "zh_CN.UTF-8", LANGUAGE: "zh_CN:zh" } });
try {
  // the hotel dispatcher: who stays until when; two of the three left today
  const hotel = await open(browser, "demo-hotel", "#/dispatch", DESKTOP);
  await hotel.getByTestId("stay").first().waitFor({ timeout: T });
  const before = await hotel.getByTestId("stays-card").innerText();
  hotel.once("dialog", (dlg) => dlg.accept("2"));
  await hotel.locator("[data-left]").first().click();
  await hotel.getByTestId("stays-card").filter({ hasText: "消毒中 2" }).waitFor({ timeout: T });
  const after = await hotel.getByTestId("stays-card").innerText();
  log("left", { before, after, width: await widthOf(hotel) });
  if (shots) await hotel.screenshot({ path: `${shots}/stays-hotel.png`, fullPage: true });

  // the command center: occupancy per hotel, in Chinese, then English
  const op = await open(browser, "demo-operator", "#/command", DESKTOP);
  await op.getByTestId("occ-hotel").first().waitFor({ timeout: T });
  const zh = await occupancy(op);
  if (shots) await op.getByTestId("occupancy-card").screenshot({ path: `${shots}/occupancy.png` });
  await op.getByTestId("lang-toggle").click();
  await op.getByTestId("occupancy-card").filter({ hasText: "Being cleaned" }).waitFor({ timeout: T });
  const en = await occupancy(op);
  log("command", { zh, en, width: await widthOf(op) });

  // a 390 px phone: the panel and the stays fit the screen
  const phone = await open(browser, "demo-operator", "#/command", PHONE);
  await phone.getByTestId("occ-hotel").first().waitFor({ timeout: T });
  const phoneOcc = await occupancy(phone);
  const phoneHotel = await open(browser, "demo-hotel", "#/dispatch", PHONE);
  await phoneHotel.getByTestId("stay").first().waitFor({ timeout: T });
  log("phone", { occupancy: phoneOcc, width: await widthOf(phone), hotelWidth: await widthOf(phoneHotel) });
  if (shots) await phone.screenshot({ path: `${shots}/occupancy-phone.png`, fullPage: true });
  log("done");
} finally {
  await browser.close();
}
