// 先锋行动 on the command center: doorstep coverage by district, read from the volunteers service
// through GET /api/city/coverage (vulnerable households without a visit in N days, medicine past its
// deadline, doorstep tasks open and unmet by cause). Districts with something to act on first.
import { api } from "./api.js";
import { esc, getLang } from "./i18n.js";
import { errorText } from "./common.js";

// This panel's own words: [中文, English]
const D = {
  "title": ["先锋行动：上门服务覆盖", "Vanguard volunteers: doorstep coverage"],
  "district": ["区", "District"], "vulnerable": ["困难家庭", "Vulnerable households"],
  "not_visited": ["{n} 天未探访", "Not visited in {n} days"], "medicine": ["送药超时", "Medicine late"],
  "open": ["待办", "Open"], "unmet": ["无法满足", "Unmet"], "sealed": ["封控/管控小区", "Sealed / controlled"],
  "causes": ["原因", "Causes"], "none": ["暂无先锋行动数据", "No doorstep data yet"],
  "down": ["志愿者服务暂不可用：{e}", "The volunteers service is not answering: {e}"],
  "total": ["全市合计", "City total"], "open_pages": ["打开先锋行动页面", "Open the volunteers' pages"],
};
const d = (k, vars) => {
  let out = D[k] ? D[k][getLang() === "zh" ? 0 : 1] : k;
  for (const [a, b] of Object.entries(vars || {})) out = out.replaceAll(`{${a}}`, b);
  return out;
};

const urgency = (r) => r.overdue_medicine * 1000 + r.unmet * 10 + r.not_visited;

export const coverageTitle = () => d("title");

// read at most every 30 s (the command center refreshes on every live event; the figures move slowly)
let cached = null, cachedAt = 0;

export async function coveragePanel(el) {
  let c = cached;
  if (!c || Date.now() - cachedAt > 30000) {
    try { c = await api("/api/city/coverage"); } catch (e) { el.innerHTML = `<p class="err">${esc(errorText(e))}</p>`; return; }
    if (c.available) { cached = c; cachedAt = Date.now(); }
  }
  if (!c.available) { el.innerHTML = `<p class="muted">${esc(d("down", { e: c.error || "" }))}</p>`; return; }
  if (!c.districts.length) { el.innerHTML = `<p class="muted">${d("none")}</p>`; return; }
  const zh = getLang() === "zh";
  const rows = [...c.districts].sort((a, b) => urgency(b) - urgency(a) || a.district.localeCompare(b.district));
  const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
  const causes = (r) => (r.unmet_causes || []).map(x => `${esc(zh ? x.zh : x.en)} ${x.n}`).join(zh ? "；" : "; ");
  const cell = (label, v, cls = "") => `<td data-label="${esc(label)}" class="${cls}">${v}</td>`;
  const gap = d("not_visited", { n: c.visit_gap_days });
  const line = (r) => `<tr data-testid="coverage-row" data-district="${esc(r.district)}">
    ${cell(d("district"), `<b>${esc(r.district)}</b>`)}
    ${cell(d("vulnerable"), r.vulnerable)}
    ${cell(gap, r.not_visited, r.not_visited ? "warn" : "")}
    ${cell(d("medicine"), r.overdue_medicine, r.overdue_medicine ? "bad" : "")}
    ${cell(d("open"), r.open)}
    ${cell(d("unmet"), r.unmet, r.unmet ? "bad" : "")}
    ${cell(d("sealed"), `${r.sealed_compounds} / ${r.controlled_compounds}`)}
    ${cell(d("causes"), causes(r) || "—")}</tr>`;
  el.innerHTML = `<table class="coverage" data-testid="coverage-table"><thead><tr><th>${d("district")}</th>
    <th>${d("vulnerable")}</th><th>${esc(gap)}</th><th>${d("medicine")}</th><th>${d("open")}</th><th>${d("unmet")}</th>
    <th>${d("sealed")}</th><th>${d("causes")}</th></tr></thead><tbody>${rows.map(line).join("")}</tbody>
    <tfoot><tr data-testid="coverage-total">${cell(d("district"), `<b>${d("total")}</b>`)}${cell(d("vulnerable"), sum("vulnerable"))}
    ${cell(gap, sum("not_visited"))}${cell(d("medicine"), sum("overdue_medicine"))}${cell(d("open"), sum("open"))}
    ${cell(d("unmet"), sum("unmet"))}<td></td><td></td></tr></tfoot></table>`;
}
