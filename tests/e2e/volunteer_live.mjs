// The volunteers' pages update live (issue 19 §5, §6) on a 390×844 phone in headless Chromium: the
// volunteer's page and the community worker's page are opened once and never reloaded (a mark set in
// each page's window must survive); a task the worker raises appears on the volunteer's page when the
// matching loop proposes it to him, his acceptance appears on the worker's page, and a proposal he
// leaves unanswered leaves his page when its hold expires. Prints one JSON line per step.
//   node volunteer_live.mjs <base url> <screenshot dir>
import { chromium } from "playwright-core";
import { ARGS, PHONE, log } from "./pages.mjs";

const [base, shots] = process.argv.slice(2);
const T = 90000;
const fits = (page) => page.evaluate(() => document.documentElement.scrollWidth <= innerWidth);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });

async function open(token) {
  const ctx = await browser.newContext({ ...PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => log("pageerror", { error: String(e) }));
  await page.goto(`${base}/pages/?token=${token}`);
  await page.locator("#who").filter({ hasText: "·" }).waitFor({ timeout: T });
  await page.locator('[data-testid="live"][data-live="on"]').waitFor({ timeout: T });
  await page.evaluate(() => { window.__notReloaded = true; });
  return page;
}
const notReloaded = (page) => page.evaluate(() => window.__notReloaded === true);
const ok = async (page) => page.locator("#msg").filter({ hasText: "✓" }).waitFor({ timeout: T });

try {
  const vol = await open("demo-vol-inside");
  const worker = await open("demo-community");
  log("live", { volunteer: await vol.getByTestId("live").innerText(), worker: await worker.getByTestId("live").innerText() });

  async function raise(household, kind) {
    await worker.locator("#r-household").selectOption(household);
    await worker.locator("#r-kind").selectOption(kind);
    await worker.locator('[data-act="raise"]').click();
    await ok(worker);
  }
  // 1. the worker raises medicine for 刘奶奶: proposed to 王建国 (her 一助一 pair), shown on his page live
  await raise("H-LHB1-0701", "送药");
  const med = vol.locator('#mine .task[data-kind="送药"][data-status="proposed"]');
  await med.waitFor({ timeout: T });
  const medId = await med.getAttribute("data-task");
  log("proposed-live", { id: medId, text: await med.innerText(), notReloaded: await notReloaded(vol), fits: await fits(vol) });
  await vol.screenshot({ path: `${shots}/live-proposed.png`, fullPage: true });

  // 2. he accepts: the worker's page shows it without a reload
  await med.locator('[data-act="accept"]').click();
  await ok(vol);
  const seen = worker.locator(`#tasks .task[data-task="${medId}"][data-status="accepted"]`);
  await seen.waitFor({ timeout: T });
  log("accepted-live", { id: medId, notReloaded: await notReloaded(worker), fits: await fits(worker) });

  // 3. a parcel proposed to him that he leaves unanswered: gone from his page when the hold expires
  await raise("H-LHB2-0302", "快递代取");
  const parcel = vol.locator('#mine .task[data-kind="快递代取"][data-status="proposed"]');
  await parcel.waitFor({ timeout: T });
  const parcelId = await parcel.getAttribute("data-task");
  log("parcel-proposed", { id: parcelId });
  await vol.locator(`#mine [data-task="${parcelId}"]`).waitFor({ state: "detached", timeout: T });
  log("expired-live", { id: parcelId, notReloaded: await notReloaded(vol),
    mine: await vol.locator("#mine .task").evaluateAll((els) => els.map((e) => e.dataset.task)) });
  log("done");
} catch (e) {
  log("error", { error: String(e && e.stack || e) });
  process.exitCode = 1;
} finally {
  await browser.close();
}
