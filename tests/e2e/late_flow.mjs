// A late proposal in every console list, in headless Chromium at 1440×900 and on a 390×844 phone:
// the command center's needs table and attention panel, the dispatcher's jobs, the site's own needs,
// and the need's drawer with the cause and the faster alternative (issue 17). On the desktop the
// operator asks for a named bus and the drawer shows the answer.
// Prints one JSON line per step; screenshots go to the given directory.
//   node late_flow.mjs <base url> <screenshot dir> <need id>
import { chromium } from "playwright-core";

const [base, shots, needId] = process.argv.slice(2);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"];
const T = 60000;
const log = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));
const SIZES = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1440, height: 900 } },
};
const row = `tr[data-need="${needId}"]`;
const fits = (page) => page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: innerWidth }));

async function signIn(ctx, token, hash) {
  const page = await ctx.newPage();
  page.on("pageerror", (e) => log("pageerror", { error: String(e) }));
  await page.goto(`${base}/`);
  await page.getByTestId("token").fill(token);
  await page.getByTestId("sign-in").click();
  if (hash) await page.goto(`${base}/${hash}`);
  return page;
}

// On the desktop, the operator asks for the second bus of the list: the drawer shows the answer.
async function faster() {
  const ctx = await browser.newContext({ ...SIZES.desktop, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await signIn(ctx, "demo-operator");
  await page.locator(`[data-testid=needs-table] ${row} a.needlink`).first().click();
  const drawer = page.getByTestId("need-drawer");
  await drawer.getByTestId("faster").waitFor({ timeout: T });
  const before = await drawer.locator("ul.jobs li").count();
  const bus = await drawer.locator("[data-testid=faster-bus] option").nth(1).getAttribute("value");
  await drawer.getByTestId("faster-bus").selectOption(bus);
  await drawer.getByTestId("faster-bus-go").click();
  // the answer: the drawer drawn again with a proposal it did not have, or why the bus cannot
  await page.waitForFunction((n) => {
    const d = document.querySelector("[data-testid=need-drawer]");
    return d && !(d.querySelector("[data-testid=faster-msg]")?.textContent || "").includes("正在")
      && (d.querySelector("[data-testid=unmet-reason]") || d.querySelectorAll("ul.jobs li").length > n);
  }, before, { timeout: T });
  log("faster", { bus, jobs: await drawer.locator("ul.jobs li").allTextContents(),
    unmet: await drawer.locator("[data-testid=unmet-reason]").allTextContents() });
  await page.screenshot({ path: `${shots}/console-late-faster.png` });
  await ctx.close();
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS, headless: true,
  env: { ...process.env, LANG: "zh_CN.UTF-8", LANGUAGE: "zh_CN:zh" } });

// Every size: each list that shows the need, then the drawer; in English once.
async function lists() {
  for (const [size, opts] of Object.entries(SIZES)) {
    const ctx = await browser.newContext({ ...opts, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await signIn(ctx, "demo-operator");
    const mark = page.locator(`[data-testid=needs-table] ${row} [data-testid=late]`);
    await mark.waitFor({ timeout: T });
    log("needs-table", { size, text: await mark.textContent(), title: await mark.getAttribute("title"), ...await fits(page) });
    const title = page.getByTestId("att-late-title");
    await title.waitFor({ timeout: T });
    const item = page.locator(`[data-testid=att-late][data-need="${needId}"]`);
    log("attention", { size, title: await title.textContent(), item: await item.textContent() });
    if (size === "desktop") await page.screenshot({ path: `${shots}/console-late.png`, clip: { x: 0, y: 0, width: 1440, height: 900 } });

    await item.locator("a.needlink").click();
    const drawer = page.getByTestId("need-drawer");
    await drawer.getByTestId("late-why").waitFor({ timeout: T });
    await drawer.getByTestId("faster").waitFor({ timeout: T });
    log("drawer", { size, why: await drawer.getByTestId("late-why").textContent(),
      buses: await drawer.locator("[data-testid=faster-bus] option").count(), ...await fits(page) });
    await page.screenshot({ path: `${shots}/console-late-drawer${size === "phone" ? "-phone" : ""}.png` });
    await page.locator("[data-close]").click();

    await page.goto(`${base}/#/dispatch`);
    const job = page.locator(`[data-testid=tasks-table] ${row} [data-testid=late]`).first();
    const seen = await job.waitFor({ timeout: 20000 }).then(() => true, () => false);
    log("dispatch", { size, seen, text: seen ? await job.textContent() : "", ...await fits(page) });

    await page.getByTestId("lang-toggle").click();
    await page.goto(`${base}/#/command`);
    const en = page.locator(`[data-testid=needs-table] ${row} [data-testid=late]`);
    await en.waitFor({ timeout: T });
    log("english", { size, text: await en.textContent(), title: await en.getAttribute("title") });
    await page.getByTestId("lang-toggle").click();
    await ctx.close();

    const sctx = await browser.newContext({ ...opts, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const spage = await signIn(sctx, "demo-site", "#/site");
    const smark = spage.locator(`[data-testid=needs-table] ${row} [data-testid=late]`);
    await smark.waitFor({ timeout: T });
    log("site", { size, text: await smark.textContent(), ...await fits(spage) });
    await sctx.close();
  }
}

await lists().then(faster).then(() => log("done"), (e) => { log("failed", { error: String(e.stack || e) }); process.exitCode = 1; })
  .finally(() => browser.close());
