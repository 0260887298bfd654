// The command center of a city with 20,000 open needs (17,000 unmet, 3,000 holds), in headless
// Chromium at 1440×900 and 390×844: the first rows with "显示 100 / 20000", the attention panel's
// causes and holds per organisation, filters and search answered by the server, "more", a language
// switched back and forth while the page loads (never blank), and on a phone causes before detail.
// Prints one JSON line per step (times are printed, not asserted: bench/attention_bench.py measures).
//   node seeded_flow.mjs <base url>
import { chromium } from "playwright-core";

// With `--first-rows N` it only signs in N times at each width and prints the first-row times (the bench).
const [base, mode, times] = process.argv.slice(2);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"];
const T = 120000;
const log = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));
const SIZES = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1440, height: 900 } },
};
const firstRow = "[data-testid=needs-table] tr[data-need]";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });

async function signIn(size) {
  const ctx = await browser.newContext({ ...SIZES[size], locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => log("pageerror", { size, error: String(e) }));
  await page.goto(`${base}/`);
  await page.getByTestId("token").fill("demo-operator");
  // also timed inside the page: from the click event to the first frame after the first row is in the
  // table (the wall-clock figure adds Playwright's own round trips, which grow with the machine's load)
  await page.evaluate((sel) => {
    document.addEventListener("click", (e) => { window.__clickAt = e.timeStamp; }, { capture: true, once: true });
    new MutationObserver((_, obs) => {
      if (!document.querySelector(sel)) return;
      obs.disconnect();
      requestAnimationFrame(() => { window.__rowFrame = performance.now(); });
    }).observe(document.getElementById("main"), { childList: true, subtree: true });
  }, firstRow);
  const t0 = Date.now();
  await page.getByTestId("sign-in").click();
  await page.locator(firstRow).first().waitFor({ timeout: T });
  const ms = Date.now() - t0;
  await page.waitForFunction(() => window.__rowFrame !== undefined, null, { timeout: T });
  const inPage = await page.evaluate(() => Math.round(window.__rowFrame - window.__clickAt));
  log("first row", { size, ms, in_page_ms: inPage });
  return page;
}

const shownText = (page) => page.getByTestId("needs-shown").innerText();
// the table's "显示 N / M" once it matches `pattern` and differs from `before` (the filter answered)
async function waitShown(page, pattern, before = null) {
  await page.waitForFunction(([re, prev]) => {
    const text = document.querySelector("[data-testid=needs-shown]")?.textContent || "";
    return new RegExp(re).test(text) && text !== prev;
  }, [pattern, before], { timeout: T });
  return shownText(page);
}

try {
  if (mode === "--first-rows") {
    for (let i = 0; i < Number(times || 1); i++) {
      for (const size of ["desktop", "phone"]) await (await signIn(size)).context().close();
    }
    log("done");
    process.exit(0);
  }
  const page = await signIn("desktop");
  log("table", { shown: await shownText(page), rows: await page.locator(firstRow).count() });
  const att = page.getByTestId("attention");
  await att.getByTestId("att-unmet").first().waitFor({ timeout: T });
  await att.getByTestId("att-holds-org").first().waitFor({ timeout: T });
  log("attention", {
    causes: await att.getByTestId("att-unmet").count(),
    orgs: await att.getByTestId("att-holds-org").allInnerTexts(),
    holdsHeader: await att.getByTestId("att-holds").locator("h3").innerText(),
    listed: await att.getByTestId("att-hold").count(),
    bytes: await page.evaluate(async () => (await (await fetch("/api/attention", { headers: { Authorization: "Bearer demo-operator" } })).text()).length),
  });

  // filters and the search are the server's: the total follows them
  await page.getByTestId("filter-status").selectOption("unmet");
  const unmet = await waitShown(page, "/ 17000$");
  await page.getByTestId("filter-cause").selectOption("buses");
  const buses = await waitShown(page, "^显示 \\d+ / \\d+$", unmet);
  await page.getByTestId("filter-cause").selectOption("");
  await page.getByTestId("filter-status").selectOption("open");
  const all = await waitShown(page, "/ 20000$");
  await page.getByTestId("filter-q").fill("社区007");
  await page.getByTestId("filter-q").press("Enter");
  const searched = await waitShown(page, "^显示 \\d+ / \\d+$", all);
  const sites = await page.locator(`${firstRow} a.needlink`).allInnerTexts();
  await page.getByTestId("filter-q").fill("");
  await page.getByTestId("filter-q").press("Enter");
  await waitShown(page, "/ 20000$");
  await page.getByTestId("needs-more").click();
  const more = await waitShown(page, "^显示 200 / 20000$");
  log("filters", { unmet, buses, searched, sites: [...new Set(sites)], more, rows: await page.locator(firstRow).count() });

  // the language switched while the page loads, three times: never a blank page
  for (let i = 0; i < 3; i++) {
    await page.getByTestId("lang-toggle").click();
    await page.waitForTimeout(150);
  }
  await page.locator(firstRow).first().waitFor({ timeout: T });
  await page.getByTestId("kpi-open").waitFor({ timeout: T });
  await page.waitForTimeout(3000);  // late answers of the superseded loads arrive now
  log("language", { lang: await page.evaluate(() => document.documentElement.lang), shown: await shownText(page),
    errorCard: await page.getByTestId("page-error").count(), mainText: (await page.locator("#main").innerText()).length });

  const phone = await signIn("phone");
  await phone.getByTestId("attention").getByTestId("att-holds-org").first().waitFor({ timeout: T });
  log("phone", await phone.evaluate(() => {
    const top = (id) => document.querySelector(`[data-testid="${id}"]`)?.getBoundingClientRect().top ?? null;
    return { unmet: top("att-unmets"), holds: top("att-holds"), table: top("needs-table"),
             folded: !document.querySelector('[data-testid="att-hold-details"]')?.open,
             width: document.documentElement.scrollWidth, viewport: innerWidth,
             shown: document.querySelector("[data-testid=needs-shown]")?.textContent };
  }));
  log("done");
} catch (e) {
  log("failed", { error: String(e) });
  process.exitCode = 1;
} finally {
  await browser.close();
}
