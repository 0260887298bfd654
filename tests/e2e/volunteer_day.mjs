// 先锋行动 (issue 19) played end to end on a 390×844 phone in headless Chromium: a compound becomes a
// 管控区 and its volunteer's reach shrinks to it at once; an elderly resident's medicine inside it is
// delivered before its deadline by the volunteer living there; a doorstep task inside a 封控区 is
// unmet with the reason and the fix; the 封控区 volunteer takes a 电话关怀 task; the command center
// sees it by district. Prints one JSON line per step; screenshots go to the given directory.
// Matching runs in the service's background loop: a page is reloaded until the loop's answer shows.
//   node volunteer_day.mjs <base url> <screenshot dir> <deadline "YYYY-MM-DDTHH:MM" city time> <parcel task id>
import { chromium } from "playwright-core";

const [base, shots, deadline, parcel] = process.argv.slice(2);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"];
const T = 60000;
const log = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  locale: "zh-CN", timezoneId: "Asia/Shanghai" };
const fits = (page) => page.evaluate(() => document.documentElement.scrollWidth <= innerWidth);

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
async function open(token) {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  page.on("pageerror", (e) => log("pageerror", { error: String(e) }));
  await page.goto(`${base}/pages/?token=${token}`);
  await page.locator("#who").filter({ hasText: "·" }).waitFor({ timeout: T });
  return page;
}
const ok = async (page) => page.locator("#msg").filter({ hasText: "✓" }).waitFor({ timeout: T });
async function reloadUntil(page, cond) {  // the matching loop answers within seconds: wait on content
  const end = Date.now() + T;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("the matching loop's answer did not show");
    await page.waitForTimeout(500);
    await page.reload();
    await page.locator("#who").filter({ hasText: "·" }).waitFor({ timeout: T });
  }
}
const cards = (page, sel) => page.locator(`${sel} .task`).evaluateAll((els) => els.map((e) => ({
  id: e.dataset.task, kind: e.dataset.kind, status: e.dataset.status, text: e.innerText })));

try {
  // 1. the volunteer living in 莲花北村一区 before the change: a 一助一 parcel in 莲花北村二区
  const vol = await open("demo-vol-inside");
  await vol.getByTestId("reach").waitFor({ timeout: T });
  log("volunteer-before", { reach: await vol.getByTestId("reach").innerText(), tasks: await cards(vol, "#mine"),
    fits: await fits(vol) });
  await vol.screenshot({ path: `${shots}/volunteer-before.png`, fullPage: true });

  // 2. the community worker makes 莲花北村一区 a 管控区
  const worker = await open("demo-community");
  const c1 = worker.locator('[data-compound="C-LHB-1"]');
  await c1.locator("select").selectOption("管控区");
  await c1.locator('[data-act="zone"]').click();
  await ok(worker);
  log("zone-changed", { zone: await worker.locator('[data-compound="C-LHB-1"] h3').innerText(), fits: await fits(worker) });

  // 3. at once, the volunteer's reach is his compound; the parcel outside it goes once re-matched
  await vol.reload();
  await vol.getByTestId("reach").waitFor({ timeout: T });
  await reloadUntil(vol, async () => !(await cards(vol, "#mine")).some((t) => t.id === parcel));
  log("volunteer-after", { reach: await vol.getByTestId("reach").innerText(), tasks: await cards(vol, "#mine") });

  // 4. medicine for 刘奶奶 (82, alone, 7th floor) inside the 管控区, with a deadline
  async function raise(household, kind, withDeadline) {
    await worker.locator("#r-household").selectOption(household);
    await worker.locator("#r-kind").selectOption(kind);
    await worker.locator("#r-deadline").fill(withDeadline ? deadline : "");
    await worker.locator('[data-act="raise"]').click();
    await ok(worker);
  }
  await raise("H-LHB1-0701", "送药", true);
  const med = vol.locator('#mine .task[data-kind="送药"]');
  await reloadUntil(vol, async () => (await med.count()) > 0);
  const medId = await med.getAttribute("data-task");
  log("medicine-proposed", { id: medId, text: await med.innerText() });
  await med.locator('[data-act="accept"]').click();
  await ok(vol);
  await vol.locator(`[data-task="${medId}"] [data-act="start"]`).click();
  await ok(vol);
  await vol.locator(`[data-note="${medId}"]`).fill("降压药已送到，老人状态良好");
  await vol.locator(`[data-task="${medId}"] [data-act="done"]`).click();
  await ok(vol);
  const medDone = vol.locator(`[data-task="${medId}"]`);
  log("medicine-done", { id: medId, status: await medDone.getAttribute("data-status"), text: await medDone.innerText(),
    fits: await fits(vol) });
  await vol.screenshot({ path: `${shots}/volunteer-done.png`, fullPage: true });

  // 5. a meal inside the 封控区 彩田村: nobody may go to the door
  await raise("H-LHB3-0501", "送餐", false);
  const sealed = worker.locator('#tasks .task[data-kind="送餐"][data-status="unmet"]').first();
  await reloadUntil(worker, async () => (await sealed.count()) > 0);
  log("sealed-unmet", { reason: await sealed.getByTestId("reason").innerText(), fix: await sealed.getByTestId("fix").innerText() });
  await worker.screenshot({ path: `${shots}/community.png`, fullPage: true });

  // 6. a caring call for 吴大爷 in the 封控区: the volunteer at home there takes it
  await raise("H-LHB3-0202", "电话关怀", false);
  const home = await open("demo-vol-sealed");
  const call = home.locator('#mine .task[data-kind="电话关怀"]');
  await reloadUntil(home, async () => (await call.count()) > 0);
  const callId = await call.getAttribute("data-task");
  await call.locator('[data-act="accept"]').click();
  await ok(home);
  await home.locator(`[data-note="${callId}"]`).fill("电话问候，老人情绪稳定");
  await home.locator(`[data-task="${callId}"] [data-act="done"]`).click();
  await ok(home);
  log("call-done", { id: callId, status: await home.locator(`[data-task="${callId}"]`).getAttribute("data-status"),
    reach: await home.getByTestId("reach").innerText(), fits: await fits(home) });

  // 7. the command center: coverage by district
  const op = await open("demo-operator");
  const row = op.locator('[data-testid="coverage"] tr[data-district="福田"]');
  await row.waitFor({ timeout: T });
  log("coverage", { row: await row.innerText(), fits: await fits(op) });
  await op.screenshot({ path: `${shots}/coverage.png`, fullPage: true });

  // 8. English
  await vol.locator("#lang").click();
  await vol.getByTestId("reach").filter({ hasText: "Where you may go" }).waitFor({ timeout: T });
  log("english", { reach: await vol.getByTestId("reach").innerText(), heading: await vol.locator("h1").innerText() });
  log("done");
} catch (e) {
  log("error", { error: String(e && e.stack || e) });
  process.exitCode = 1;
} finally {
  await browser.close();
}
