// Lateness (issue 17): every list that shows a need with a proposal marks a late one "逾期 N 分钟",
// its cause on hover; the attention panel counts late plans; the need's drawer says why and lets an
// operator ask for a faster alternative (lateness weighted higher, or a named bus). The answer — a
// new proposal, or why the named bus cannot — comes back into the drawer.
import { api, can } from "./api.js";
import { esc, getLang, pick } from "./i18n.js";
import { errorText, needLink, pri, toast } from "./common.js";

// This module's own words (kept here so the shared dictionary stays as it is): [中文, English]
const W = {
  late: ["逾期 {n} 分钟", "{n} min late"], why: ["逾期原因", "Why late"],
  faster: ["更快的方案", "A faster alternative"],
  weighted: ["提高逾期权重重新匹配", "Re-match with lateness weighted higher"],
  named: ["指定车辆重新匹配", "Re-match with this bus"], bus: ["车辆", "Bus"],
  asked: ["已提交，正在重新匹配…", "Asked; matching again…"], answered: ["已有新结果", "The answer is in"],
  waiting: ["仍在匹配，稍后刷新查看", "Still matching; look again shortly"],
  only_proposed: ["仅待确认的方案可替换", "Only a proposal still waiting for an answer can be replaced"],
};
const w = (k, vars = {}) => W[k][getLang() === "zh" ? 0 : 1].replace(/\{(\w+)\}/g, (_, v) => vars[v]);

const GONE = ["released", "releasing", "expiring"];  // a plan let go is no longer late

// "逾期 45 分钟" as a tag; the cause ("无更早可用车辆") on hover. Nothing for a plan on time.
export function lateMark(x) {
  if (!x || !x.late_minutes || GONE.includes(x.status)) return "";
  return ` <span class="tag late" data-testid="late" data-late="${x.late_minutes}" title="${esc(pick(x, "late"))}">${esc(w("late", { n: x.late_minutes }))}</span>`;
}

// The drawer's row: how late and why, in words.
export function lateRow(n) {
  if (!n.late_minutes) return "";
  return `<tr><th>${w("why")}</th><td><span class="err" data-testid="late-why">${esc(pick(n, "late"))}</span></td></tr>`;
}

// "逾期 45 分钟：无更早可用车辆" → "无更早可用车辆": the tag beside it already says how late.
const causeOnly = (text) => String(text || "").split(/：|: /).slice(1).join("：") || text;

// The attention panel's section: "3 个方案逾期", the latest first, each one click from its need.
export function lateSection(late) {
  if (!late || !late.count) return "";
  const items = late.items.map(x => `<li data-testid="att-late" data-need="${esc(x.need_id)}">${pri(x.priority)} ${needLink(x.need_id, pick(x, "label"))}${lateMark(x)}
    <br><span class="small err">${esc(w("why"))}${getLang() === "zh" ? "：" : ": "}${esc(causeOnly(pick(x, "late")))}</span></li>`).join("");
  return `<div class="att-sec" data-testid="att-lates"><h3 data-testid="att-late-title">${esc(pick(late, "title"))} <span class="count">${late.count}</span></h3><ul>${items}</ul></div>`;
}

let me = null;

// The faster-alternative controls in the drawer of a need whose proposal still waits for an answer.
export async function fasterPanel(el, n, reopen) {
  const waiting = n.assignments.filter(a => a.status === "proposed" && a.kind !== "supply");
  if (n.kind !== "transfer" || !waiting.length) return;
  me = me || await api("/api/me").catch(() => null);
  if (!can(me, "need.faster")) return;
  const buses = (await api("/api/buses").catch(() => [])).filter(b => b.state === "in_service");
  const box = document.createElement("div");
  box.className = "faster"; box.dataset.testid = "faster";
  box.innerHTML = `<h3>${w("faster")}</h3>
    <div class="row"><button data-faster="weight" data-testid="faster-weight">${w("weighted")}</button></div>
    <div class="row"><label>${w("bus")} <select data-testid="faster-bus">${buses.map(b =>
      `<option value="${esc(b.id)}">${esc(b.plate || b.id)} · ${esc(b.operator)}</option>`).join("")}</select></label>
      <button data-faster="bus" data-testid="faster-bus-go">${w("named")}</button></div>
    <p class="small muted" data-testid="faster-msg">${w("only_proposed")}</p>`;
  el.appendChild(box);
  const msg = box.querySelector("[data-testid=faster-msg]");
  box.querySelectorAll("[data-faster]").forEach(b => b.onclick = async () => {
    const body = b.dataset.faster === "bus" ? { bus_id: box.querySelector("select").value } : {};
    box.querySelectorAll("button").forEach(x => { x.disabled = true; });
    try {
      await api(`/api/needs/${encodeURIComponent(n.id)}/faster`, { method: "POST", body });
      msg.textContent = w("asked");
      await awaitAnswer(n, reopen, msg);
    } catch (e) { toast(errorText(e)); box.querySelectorAll("button").forEach(x => { x.disabled = false; }); }
  });
}

// Poll the need until the matcher has answered (a new proposal, or unmet), then show it.
async function awaitAnswer(n, reopen, msg) {
  const known = new Set(n.assignments.map(a => a.id));
  for (let i = 0; i < 40; i++) {
    await new Promise(r => setTimeout(r, 1000));
    const now = await api(`/api/needs/${encodeURIComponent(n.id)}`).catch(() => null);
    if (now && (now.status === "unmet" || now.assignments.some(a => !known.has(a.id)))) {
      toast(w("answered")); await reopen(n.id); return;
    }
  }
  msg.textContent = w("waiting");
}
