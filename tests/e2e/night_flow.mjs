// Issue 18's night in headless Chromium: the operator asks 巴士集团 for buses (desk, 1440 px) and a
// hotel operator for rooms (phone, 390 px) from the attention panel; 巴士集团's dispatcher answers on
// a phone, 投控公司's at a desk; a run is accepted as one decision, and everything waiting for the
// hotel with one confirmation; the unmet count falls and each ask says what it unlocked. One JSON
// line per step.
//   node night_flow.mjs <base url> <tmp dir>
import { chromium } from "playwright-core";
import { ARGS, DESKTOP, PHONE, log, openAs, widthOf } from "./pages.mjs";

const [base, tmp] = process.argv.slice(2);
const T = 120000;

async function signIn(browser, token, size, ready) {
  const page = await openAs(browser, base, token, size, T);
  await page.getByTestId(ready).waitFor({ timeout: T });
  return page;
}

const tap = (page, loc) => (page.viewportSize().width < 500 ? loc.tap() : loc.click());
const unmetKpi = async (page) => Number((await page.getByTestId("kpi-unmet").locator(".v").innerText()).trim());

// Send the ask of one unmet cause to `org` (the option the system offers first, when it is that one).
async function ask(page, cause, org) {
  const group = page.locator(`[data-testid="att-unmet"][data-cause="${cause}"]`);
  const select = group.getByTestId("ask-choice");
  await select.waitFor({ timeout: T });
  const offered = await select.locator("option").evaluateAll((os) => os.map((o) => ({ value: o.value, org: o.dataset.org, text: o.textContent })));
  const chosen = offered.find((o) => o.org === org);
  if (!chosen) throw new Error(`${org} is not offered for ${cause}: ${JSON.stringify(offered)}`);
  await select.selectOption(chosen.value);
  await tap(page, group.getByTestId("ask-send"));
  const line = group.locator('[data-testid="att-group-ask"][data-status="open"]').first();
  await line.waitFor({ timeout: T });
  return { offered, best: offered[0], line: await line.innerText() };
}

// Answer the ask waiting on this dispatcher's page with what the form proposes (plus `extra`).
async function answer(page, fill = async () => {}) {
  const box = page.getByTestId("ask").filter({ has: page.getByTestId("ask-answer") }).first();
  await box.waitFor({ timeout: T });
  const id = await box.getAttribute("data-ask"), text = await box.locator("b").first().innerText();
  await fill(box);
  await tap(page, box.getByTestId("ask-answer"));
  await page.locator(`[data-testid="ask"][data-ask="${id}"]:not(:has([data-testid="ask-answer"]))`).waitFor({ timeout: T });
  return { id, text, after: await page.locator(`[data-testid="ask"][data-ask="${id}"]`).innerText() };
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS, headless: true,
  env: { ...process.env, LANG: "zh_CN.UTF-8", LANGUAGE: "zh_CN:zh" } });
try {
  // 1. the operator at a desk: the causes, and the ask for buses to the company named first
  const op = await signIn(browser, "demo-operator", DESKTOP, "attention");
  await op.locator('[data-testid="att-unmet"]').first().waitFor({ timeout: T });
  const unmetBefore = await unmetKpi(op);
  const causes = await op.locator('[data-testid="att-unmet"]').evaluateAll((ls) => ls.map((l) => ({ cause: l.dataset.cause, text: l.innerText.split("\n")[0] })));
  const busAsk = await ask(op, "buses", "巴士集团");
  log("asked for buses", { unmetBefore, causes, ...busAsk, width: await widthOf(op) });

  // 2. the operator on a phone: rooms, from the hotel operator named for the room cause
  const opPhone = await signIn(browser, "demo-operator", PHONE, "attention");
  const roomCause = causes.map((c) => c.cause).find((c) => c === "rooms" || c.endsWith("_rooms_full"));
  if (!roomCause) throw new Error(`no room cause on the panel: ${JSON.stringify(causes)}`);
  const roomAsk = await ask(opPhone, roomCause, "投控公司");
  log("asked for rooms", { roomCause, ...roomAsk, width: await widthOf(opPhone) });
  await opPhone.context().close();

  // 3. 巴士集团's dispatcher on a phone: shifts extended (as proposed) and two buses added
  const busPhone = await signIn(browser, "demo-bus", PHONE, "work-card");
  let platesRefused = "";
  const busAnswer = await answer(busPhone, async (box) => {
    await box.locator('[data-f="add_buses"]').fill("2");
    // plates (optional): three for two buses is refused beside the field, before anything is sent
    await box.locator('[data-f="plates"]').fill("粤B·D2001, 粤B·D2002, 粤B·D2003");
    await box.getByTestId("ask-answer").tap();
    platesRefused = await box.getByTestId("field-error").innerText();
    await box.locator('[data-f="plates"]').fill("粤B·D2001，粤B·D2002");
  });
  log("bus company answered", { ...busAnswer, platesRefused, width: await widthOf(busPhone) });
  await busPhone.context().close();

  // 4. 投控公司's dispatcher at a desk: the rooms out of use put back, as the form proposes
  const hotel = await signIn(browser, "demo-hotel", DESKTOP, "work-card");
  const hotelAnswer = await answer(hotel);
  log("hotel answered", { ...hotelAnswer, width: await widthOf(hotel) });
  await hotel.context().close();

  // 4b. staples: the operator asks the supply group named for the rice; its dispatcher (desk) answers
  // with what the form proposes: the rice short, received into the warehouse named
  const stockAsk = await ask(op, "stock", "食品物资集团");
  log("asked for stock", stockAsk);
  const fmg = await signIn(browser, "demo-fmg", DESKTOP, "work-card");
  const stockAnswer = await answer(fmg);
  log("supply group answered", { ...stockAnswer, width: await widthOf(fmg) });
  await fmg.context().close();

  // 5. the bus company accepts a run as one decision (desk), however many needs it carries
  const bus = await signIn(browser, "demo-bus", DESKTOP, "work-card");
  const run = bus.locator('[data-testid="run"]:has([data-testid="run-accept"])').first();
  await run.waitFor({ timeout: T });
  const runKey = await run.getAttribute("data-run"), runText = await run.innerText();
  const runWaiting = Number(await run.getAttribute("data-waiting"));
  await run.getByTestId("run-accept").click();
  await bus.locator(".toast.show", { hasText: "已处理" }).waitFor({ timeout: T });
  await bus.locator(`[data-testid="run"][data-run="${runKey}"] [data-testid="run-accept"]`).waitFor({ state: "detached", timeout: T });
  log("run accepted", { runKey, runText, runWaiting, width: await widthOf(bus) });
  await bus.context().close();

  // 6. the hotel accepts everything waiting for it with one confirmation (phone)
  const hotelPhone = await signIn(browser, "demo-hotel", PHONE, "work-card");
  const all = hotelPhone.getByTestId("accept-all");
  await all.waitFor({ timeout: T });
  const allText = await all.innerText();
  let asked = null;
  hotelPhone.once("dialog", (d) => { asked = d.message(); d.accept(); });
  await all.tap();
  const toast = hotelPhone.locator(".toast.show", { hasText: "已处理" });
  await toast.waitFor({ timeout: T });
  log("all accepted", { allText, asked, toast: await toast.innerText(), width: await widthOf(hotelPhone) });
  await hotelPhone.context().close();

  // 7. the command center: the unmet count falls; each ask says when it was answered and what it unlocked
  let unmetAfter = unmetBefore, lines = [];
  for (let i = 0; i < 60; i++) {
    await op.reload();
    await op.getByTestId("kpi-unmet").waitFor({ timeout: T });
    unmetAfter = await unmetKpi(op);
    lines = await op.locator('[data-testid="att-ask"]').evaluateAll((ls) => ls.map((l) => ({ status: l.dataset.status, text: l.innerText })));
    const unlocked = lines.filter((l) => /已匹配 [1-9]\d* 人/.test(l.text)).length;
    if (unmetAfter < unmetBefore && unlocked >= 2) break;
    await op.waitForTimeout(2000);
  }
  await op.screenshot({ path: `${tmp}/night-command.png`, fullPage: false });
  const opPhone2 = await signIn(browser, "demo-operator", PHONE, "attention");
  log("after", { unmetBefore, unmetAfter, lines, width: await widthOf(op), phoneWidth: await widthOf(opPhone2) });
  log("done");
} catch (e) {
  log("failed", { error: String(e) });
  process.exitCode = 1;
} finally {
  await browser.close();
}
