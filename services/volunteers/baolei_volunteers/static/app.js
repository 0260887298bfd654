// 先锋行动 pages: one script, three views by the signed-in role (volunteer, community worker,
// command center). Chinese first; the EN button switches every label. Only what the API returns
// for this caller is shown (the service filters by role, community and task).
"use strict";
const T = {
  zh: { title: "先锋行动", token: "登录令牌", signin: "登录", tokenHint: "演示：demo-vol-inside、demo-vol-sealed、demo-community、demo-operator",
    today: "今日任务（按上门顺序）", board: "可认领任务", none: "暂无", route: "路线", travel: "路程约", min: "分钟", foot: "步行", ebike: "电动车",
    accept: "接受", decline: "婉拒", start: "出发", done: "完成", claim: "认领", note: "完成情况", confirm: "确认完成",
    approve: "审核通过", verify: "审核通过", deadline: "截止", planned: "计划", why: "派单理由", reason: "原因", fix: "建议",
    reach: "可服务范围", compounds: "小区与管控等级", changeZone: "变更", raise: "发起上门任务", household: "住户",
    kind: "任务类型", raiseBtn: "发起", tasks: "任务", volunteers: "志愿者", households: "困难家庭", coverage: "各区覆盖情况",
    district: "区", vulnerable: "困难家庭", notVisited: "超期未探访", overdueMed: "送药超时", unmet: "未满足", open: "待接",
    onTime: "按时送达", late: "超时", phone: "电话", wish: "登记微心愿", pending: "待审核", verified: "已审核",
    community: "社区", pick: "选择社区查看台账", shown: "显示 {n} / {total}（进行中及近两日）", party: "党员", remark: "备注", sealedRemote: "线上", doneNote: "完成记录", needs: "需求",
    live: "实时", updated: "已更新", pickup: "取货", reserving: "正在向物资集团预留物资", stockShort: "物资不足",
    list: "代购清单（如：大米 2袋、鸡蛋 1托）", cancel: "取消任务" },
  en: { title: "Vanguard volunteers", token: "Sign-in token", signin: "Sign in", tokenHint: "Demo: demo-vol-inside, demo-vol-sealed, demo-community, demo-operator",
    today: "Today's tasks (visit order)", board: "Tasks you may claim", none: "None", route: "Route", travel: "travel about", min: "min", foot: "on foot", ebike: "e-bike",
    accept: "Accept", decline: "Decline", start: "Start", done: "Done", claim: "Claim", note: "What was done", confirm: "Confirm",
    approve: "Approve", verify: "Verify", deadline: "Deadline", planned: "Planned", why: "Why you", reason: "Reason", fix: "Fix",
    reach: "Where you may go", compounds: "Compounds and zones", changeZone: "Change", raise: "Raise a doorstep task", household: "Household",
    kind: "Kind", raiseBtn: "Raise", tasks: "Tasks", volunteers: "Volunteers", households: "Households", coverage: "Coverage by district",
    district: "District", vulnerable: "Vulnerable", notVisited: "No visit lately", overdueMed: "Medicine late", unmet: "Unmet", open: "Open",
    onTime: "On time", late: "Late", phone: "Phone", wish: "Record a wish", pending: "pending", verified: "verified",
    community: "Community", pick: "Choose a community to see its registers", shown: "Showing {n} / {total} (under way and the last two days)", party: "Party member", remark: "Note", sealedRemote: "remote", doneNote: "Done note", needs: "Needs",
    live: "live", updated: "updated", pickup: "Pick up", reserving: "reserving staples at the supply group",
    stockShort: "Not in stock", list: "Shopping list (e.g. rice 2 bags, eggs 1 tray)", cancel: "Cancel task" },
};
const KINDS = ["送餐", "送药", "送检上门", "代购", "快递代取", "垃圾清运", "定期探访", "电话关怀", "线上答疑", "核酸", "心理疏导"];
const ZONES = ["封控区", "管控区", "防范区", "常态"];
const STAPLES = { rice: ["大米", "袋", "bag"], flour: ["面粉", "袋", "bag"], oil: ["食用油", "瓶", "bottle"],
  pork: ["猪肉", "公斤", "kg"], eggs: ["鸡蛋", "托", "tray"], milk: ["牛奶", "箱", "case"] };
const lineText = (l) => { const s = STAPLES[l.sku] || [l.sku, "", ""]; return lang === "zh" ? `${s[0]} ${l.quantity}${s[1]}` : `${l.sku} ${l.quantity} ${s[2]}`; };
function stockLine(x) {  // a 代购 task's staples from the supply group: where to pick them up, or why not
  const st = x.stock || {};
  if (st.state === "reserved") return `<div class="small pickup" data-testid="pickup">${t("pickup")}：${esc(st.warehouse_name)} · ${esc((st.lines || []).map(lineText).join(lang === "zh" ? "、" : ", "))}</div>`;
  if (st.state === "short") return `<div class="small" data-testid="stock-short">${t("stockShort")}：${esc(lang === "zh" ? st.reason_zh : st.reason_en)}</div>
    <div class="small fix">${t("fix")}：${esc(lang === "zh" ? st.fix_zh : st.fix_en)}</div>`;
  if (st.state === "reserving") return `<div class="small">${t("reserving")}</div>`;
  return "";
}
let lang = localStorage.getItem("vol-lang") || "zh";
let token = new URLSearchParams(location.search).get("token") || localStorage.getItem("vol-token") || "";
let me = null;
const $ = (s) => document.querySelector(s);
const t = (k) => (T[lang][k] || k);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const hhmm = (iso) => iso ? new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }) : "";

async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { "Authorization": `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const d = (data.detail || [])[0] || {};
    throw new Error(lang === "zh" ? (d.reason_zh || r.status) : (d.reason_en || r.status));
  }
  return data;
}
function say(text) { $("#msg").textContent = text || ""; }
function i18n() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("#lang").textContent = lang === "zh" ? "EN" : "中文";
}
const tag = (cls, text) => `<span class="tag ${esc(cls)}">${esc(text)}</span>`;
const status = (x) => tag(`status-${x.status}`, lang === "zh" ? x.status_zh : x.status_en);

function taskCard(x, buttons) {
  const h = x.household;
  const addr = h ? `${esc(h.address.text)} ${tag(`zone-${h.address.zone}`, h.address.zone)}` : "";
  const who = h ? `<div class="small">${esc(h.contact)} · ${t("phone")} ${esc(h.phone)} · ${esc((h.vulnerability || []).join("、"))}</div>` : "";
  const needs = h && h.needs ? `<div class="small">${t("needs")}：${esc(h.needs)}</div>` : "";
  const dl = x.deadline ? `<div class="small">${t("deadline")} ${hhmm(x.deadline)}</div>` : "";
  const plan = x.start ? `<div class="small">${t("planned")} ${hhmm(x.start)}–${hhmm(x.end)}</div>` : "";
  const why = x.why_zh ? `<div class="small">${t("why")}：${esc(lang === "zh" ? x.why_zh : x.why_en)}</div>` : "";
  const unmet = x.status === "unmet" ? `<div class="small" data-testid="reason">${t("reason")}：${esc(lang === "zh" ? x.reason_zh : x.reason_en)}</div>
    <div class="small fix" data-testid="fix">${t("fix")}：${esc(lang === "zh" ? x.fix_zh : x.fix_en)}</div>` : "";
  const done = x.done_note ? `<div class="small">${t("doneNote")}：${esc(x.done_note)} ${x.on_time === true ? tag("status-done", t("onTime")) : x.on_time === false ? tag("status-unmet", t("late")) : ""}</div>` : "";
  const seq = x.seq && ["proposed", "accepted", "started"].includes(x.status) ? `${x.seq}. ` : "";
  return `<div class="card task" data-task="${esc(x.id)}" data-kind="${esc(x.kind)}" data-status="${esc(x.status)}">
    <h3>${seq}${esc(x.kind)} ${status(x)} ${x.remote ? tag("", t("sealedRemote")) : ""}</h3>
    <div>${addr}</div>${who}${needs}${dl}${plan}${why}${unmet}${stockLine(x)}${done}
    ${x.volunteer_id && me.role !== "volunteer" ? `<div class="small">${t("volunteers")}：${esc(x.volunteer_id)}</div>` : ""}
    <div class="actions">${buttons || ""}</div></div>`;
}
const CANCELLABLE = ["wish", "matching", "open", "unmet", "proposed", "accepted"];
const btn = (act, id, label, cls = "") => `<button type="button" class="${cls}" data-act="${act}" data-id="${esc(id)}">${t(label)}</button>`;

async function volunteerView() {
  const d = await api("GET", "/api/me/day");
  const v = d.volunteer;
  const r = d.route || {};
  const byId = Object.fromEntries(d.tasks.map((x) => [x.id, x]));
  const stops = (r.stops || []).map((id, i) => `${i + 1}. ${esc(byId[id] ? byId[id].kind + " " + (byId[id].household ? byId[id].household.address.text : "") : id)}`).join(" → ");
  const mine = d.tasks.map((x) => taskCard(x,
    x.status === "proposed" ? btn("accept", x.id, "accept", "primary") + btn("decline", x.id, "decline")
    : x.status === "accepted" ? btn("start", x.id, "start", "primary") + btn("decline", x.id, "decline") + noteBox(x.id)
    : x.status === "started" ? noteBox(x.id) : "")).join("") || `<p class="small">${t("none")}</p>`;
  const board = d.board.map((x) => taskCard(x, btn("claim", x.id, "claim", "primary"))).join("") || `<p class="small">${t("none")}</p>`;
  $("#view").innerHTML = `<div class="card" data-testid="me"><h3>${esc(v.name)} ${v.party_member ? tag("zone-封控区", t("party")) : ""}</h3>
    <div class="small">${esc(v.community)} · ${esc(v.compound)} ${tag(`zone-${v.zone}`, v.zone)} · ${esc(v.phone)}</div>
    <div class="reach" data-testid="reach">${t("reach")}：${esc(lang === "zh" ? d.reach_zh : d.reach_en)}</div></div>
    <h2>${t("today")}</h2>${stops ? `<div class="route" data-testid="route">${t("route")}：${stops}<br>${t("travel")} ${Math.round(r.travel_min || 0)} ${t("min")}</div>` : ""}
    <div id="mine">${mine}</div><h2>${t("board")}</h2><div id="board">${board}</div>`;
}
const noteBox = (id) => `<input data-note="${esc(id)}" placeholder="${t("note")}">` + btn("done", id, "done", "primary");

function zoneSelect(c) {
  return `<div class="row"><select data-zone="${esc(c.id)}">${ZONES.map((z) => `<option ${z === c.zone ? "selected" : ""}>${z}</option>`).join("")}</select>
    ${btn("zone", c.id, "changeZone", "primary")}</div>`;
}
async function communityView() {
  const chosen = me.role === "site" ? "" : localStorage.getItem("vol-community") || "";
  const d = await api("GET", "/api/community" + (chosen ? `?name=${encodeURIComponent(chosen)}` : ""));
  // the command center chooses one community at a time (the whole city's registers would not fit a page)
  const picker = d.communities ? `<h2>${t("community")}</h2><div class="card"><label for="pick-community">${t("pick")}</label>
    <select id="pick-community" data-testid="pick-community"><option value="">—</option>${d.communities.map((c) =>
      `<option ${c === d.community ? "selected" : ""}>${esc(c)}</option>`).join("")}</select></div>` : "";
  if (!d.community) { $("#view").innerHTML += picker; return; }
  const compounds = d.compounds.map((c) => `<div class="card" data-compound="${esc(c.id)}"><h3>${esc(c.name)} ${tag(`zone-${c.zone}`, c.zone)}</h3>
    <div class="small">${esc(c.district)} ${esc(c.street)} ${esc(c.community)}</div>${me.may["zone.change"] ? zoneSelect(c) : ""}</div>`).join("");
  const hh = d.households.map((h) => `<option value="${esc(h.id)}">${esc(h.address.text)} ${esc(h.contact)}</option>`).join("");
  const raise = me.may["task.raise"] ? `<h2>${t("raise")}</h2><div class="card" id="raise">
    <label>${t("household")}</label><select id="r-household">${hh}</select>
    <label>${t("kind")}</label><select id="r-kind">${KINDS.map((k) => `<option>${k}</option>`).join("")}</select>
    <label>${t("deadline")}</label><input id="r-deadline" type="datetime-local">
    <label>${t("remark")}</label><input id="r-note">
    <label>${t("list")}</label><input id="r-list">
    <div class="actions"><button type="button" class="primary" data-act="raise">${t("raiseBtn")}</button>
    <button type="button" data-act="wish">${t("wish")}</button></div></div>` : "";
  const tasks = d.tasks.map((x) => taskCard(x,
    x.status === "wish" && me.may["task.approve"] ? btn("approve", x.id, "approve", "primary")
    : x.status === "done" && me.may["task.confirm"] ? btn("confirm", x.id, "confirm", "primary")
    : CANCELLABLE.includes(x.status) && me.may["task.raise"] ? btn("cancel", x.id, "cancel") : "")).join("") || `<p class="small">${t("none")}</p>`;
  const vols = d.volunteers.map((v) => `<div class="card" data-volunteer="${esc(v.id)}"><h3>${esc(v.name)} ${tag(`zone-${v.zone}`, v.zone)} ${v.party_member ? tag("zone-封控区", t("party")) : ""}
    ${tag("", v.status === "verified" ? t("verified") : t("pending"))}</h3>
    <div class="small">${esc(v.compound)} · ${esc(v.phone)} · ${esc(v.skills.join(lang === "zh" ? "、" : ", "))} · ${v.minutes_per_day} ${t("min")} · ${esc(t(v.mode))}</div>
    ${v.status !== "verified" && me.may["volunteer.verify"] ? `<div class="actions">${btn("verify", v.id, "verify", "primary")}</div>` : ""}</div>`).join("");
  const homes = d.households.map((h) => `<div class="card"><h3>${esc(h.address.text)}</h3><div class="small">${esc(h.contact)} · ${esc(h.phone)} · ${esc(h.vulnerability.join("、"))}</div>
    <div class="small">${esc(h.needs)}</div></div>`).join("");
  const more = d.tasks_total > d.tasks.length ? `<p class="small" data-testid="tasks-shown">${esc(t("shown").replace("{n}", d.tasks.length).replace("{total}", d.tasks_total))}</p>` : "";
  $("#view").innerHTML += `${picker}<h2>${t("compounds")}</h2>${compounds}${raise}<h2>${t("tasks")}</h2>${more}<div id="tasks">${tasks}</div>
    <h2>${t("volunteers")}</h2>${vols}<h2>${t("households")}</h2>${homes}`;
}
async function coverageView() {
  const d = await api("GET", "/api/coverage");
  const rows = d.districts.map((r) => `<tr data-district="${esc(r.district)}"><td>${esc(r.district)}</td><td>${r.vulnerable}</td><td>${r.not_visited}</td>
    <td>${r.overdue_medicine}</td><td>${r.open}</td><td>${r.unmet} ${esc((r.unmet_causes || []).map((x) => `${lang === "zh" ? x.zh : x.en} ${x.n}`).join(lang === "zh" ? "；" : "; "))}</td></tr>`).join("");
  $("#view").innerHTML = `<h2>${t("coverage")}</h2><table data-testid="coverage"><tr><th>${t("district")}</th><th>${t("vulnerable")}</th>
    <th>${t("notVisited")} (${d.visit_gap_days}d)</th><th>${t("overdueMed")}</th><th>${t("open")}</th><th>${t("unmet")}</th></tr>${rows}</table>`;
}
async function render() {
  i18n();
  say("");
  if (!token) { $("#signin").hidden = false; $("#view").innerHTML = ""; return; }
  try {
    me = await api("GET", "/api/whoami");
    $("#signin").hidden = true;
    $("#who").textContent = `${me.user} · ${me.organisation}`;
    if (me.role === "volunteer") await volunteerView();
    else if (me.role === "site") { $("#view").innerHTML = ""; await communityView(); }
    else { await coverageView(); await communityView(); }
    follow();
  } catch (e) { say(e.message); $("#signin").hidden = false; }
}
// The live feed: a stream of task changes this caller may see (/api/live, read with fetch so the
// token goes in a header, not a URL). A change re-reads the page (notes being typed are kept).
let live = null;
let again = null;
function liveBadge(on) { const b = $("#live"); b.dataset.live = on ? "on" : "off"; b.textContent = on ? `● ${t("live")}` : ""; }
async function follow() {
  if (live || !token || !me) return;
  const ctrl = live = new AbortController();
  try {
    const r = await fetch("/api/live", { headers: { "Authorization": `Bearer ${token}` }, signal: ctrl.signal });
    if ([401, 403, 503].includes(r.status)) { live = null; return; }  // not for this caller, or the feed is off
    if (!r.ok || !r.body) throw new Error(String(r.status));
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (/^event: hello$/m.test(frame)) liveBadge(true);
        if (/^event: task$/m.test(frame)) refreshSoon();
      }
    }
  } catch (e) { /* closed or refused: try again below */ }
  liveBadge(false);
  if (live === ctrl) { live = null; setTimeout(follow, 2000); }
}
function stopFollowing() { if (live) { const c = live; live = null; c.abort(); } liveBadge(false); }
function refreshSoon() {
  clearTimeout(again);
  again = setTimeout(async () => {
    const notes = Object.fromEntries([...document.querySelectorAll("[data-note]")].map((el) => [el.dataset.note, el.value]));
    await render();
    for (const [id, v] of Object.entries(notes)) { const el = document.querySelector(`[data-note="${CSS.escape(id)}"]`); if (el) el.value = v; }
    $("#view").dataset.updated = String(Date.now());
  }, 250);
}

async function act(el) {
  const id = el.dataset.id;
  say("");
  try {
    switch (el.dataset.act) {
      case "accept": case "decline": case "start": case "claim": case "approve": case "confirm": case "cancel":
        await api("POST", `/api/tasks/${encodeURIComponent(id)}/${el.dataset.act}`); break;
      case "done":
        await api("POST", `/api/tasks/${encodeURIComponent(id)}/done`, { note: document.querySelector(`[data-note="${CSS.escape(id)}"]`).value }); break;
      case "verify": await api("POST", `/api/volunteers/${encodeURIComponent(id)}/verify`); break;
      case "zone":
        await api("PUT", `/api/compounds/${encodeURIComponent(id)}/zone`, { zone: document.querySelector(`[data-zone="${CSS.escape(id)}"]`).value }); break;
      case "raise": case "wish": {
        const body = { household_id: $("#r-household").value, kind: $("#r-kind").value, note: $("#r-note").value };
        if (body.kind === "代购" && $("#r-list").value.trim()) body.shopping_list = $("#r-list").value.trim();
        const dl = $("#r-deadline").value;
        if (dl) body.deadline = `${dl}:00+08:00`;
        await api("POST", el.dataset.act === "raise" ? "/api/tasks" : "/api/wishes", body); break;
      }
      default: return;
    }
    await render();
    say("✓");
  } catch (e) { say(e.message); }
}
document.addEventListener("change", (ev) => {
  if (ev.target.id === "pick-community") { localStorage.setItem("vol-community", ev.target.value); render(); }
});
document.addEventListener("click", (ev) => { const el = ev.target.closest("[data-act]"); if (el) act(el); });
$("#lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("vol-lang", lang); render(); });
$("#go").addEventListener("click", () => { token = $("#token").value.trim(); localStorage.setItem("vol-token", token); stopFollowing(); render(); });
render();
