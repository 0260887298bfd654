// What the browser flows share: Chromium's flags, the two screen sizes, one JSON line per step, signing
// in as a token (Chinese, Beijing time), and what on a page is wider than the screen.
export const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"];
export const DESKTOP = { viewport: { width: 1440, height: 900 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const log = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));

// A new context signed in as `token`, the console in Chinese; returns the page once it says who.
export async function openAs(browser, base, token, size = DESKTOP, timeout = 60000) {
  const ctx = await browser.newContext({ ...size, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => log("pageerror", { token, error: String(e) }));
  await page.addInitScript(() => localStorage.setItem("baolei.lang", "zh"));
  await page.goto(`${base}/`);
  await page.getByTestId("token").fill(token);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("who").filter({ hasText: "·" }).waitFor({ timeout });
  return page;
}

// The page's width against the screen's, and the first elements that stick out (fixed ones aside).
export const widthOf = (page) => page.evaluate(() => {
  const over = [...document.querySelectorAll("body *")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > innerWidth + 1 && getComputedStyle(e).position !== "fixed";
  }).map((e) => `${e.tagName.toLowerCase()}${e.dataset.testid ? "#" + e.dataset.testid : ""}${e.className ? "." + e.className : ""}`).slice(0, 5);
  return { page: document.documentElement.scrollWidth, viewport: innerWidth, over };
});
