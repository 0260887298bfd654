// Simplified Chinese first, English one click away. Keys are English; every visible text goes through t().
const DICT = {
  "app.title": ["堡垒 · 应急资源调度", "Baolei · emergency dispatch"],
  "nav.command": ["指挥中心", "Command center"], "nav.dispatch": ["调度台", "Dispatcher"],
  "nav.site": ["社区/隔离点", "Site"], "nav.signout": ["退出", "Sign out"], "nav.audit": ["审计日志", "Audit log"],
  "login.title": ["登录", "Sign in"], "login.token": ["访问令牌", "Access token"],
  "login.hint": ["演示令牌：demo-operator（指挥部）、demo-bus（巴士集团）、demo-hotel（投控公司）、demo-fmg（食品物资集团）、demo-site（莲花街道社区）、demo-viewer（只读）",
                 "Demo tokens: demo-operator, demo-bus, demo-hotel, demo-fmg, demo-site, demo-viewer (read only)"],
  "login.go": ["登录", "Sign in"], "login.bad": ["令牌无效", "Invalid token"],
  "live.on": ["实时", "Live"], "live.off": ["离线", "Offline"],
  "k.open": ["待处理需求", "Open needs"], "k.waiting": ["等待转运人数", "People waiting"], "k.unmet": ["暂无法满足", "Unmet"],
  "k.buses": ["在运车辆 / 总数", "Buses in service / all"], "k.busy": ["执行任务车辆", "Buses on jobs"],
  "k.rooms": ["可用房间 / 总数", "Free rooms / all"], "k.alerts": ["价格预警", "Price alerts"],
  "h.needs": ["待处理需求（按优先级与等待时长）", "Open needs by priority and age"],
  "h.unmet": ["无法满足的原因", "What is unmet and why"], "h.map": ["城市态势图", "City picture"],
  "h.stock": ["各区库存趋势（可用量）", "Stock per district (available)"], "h.prices": ["各区主副食价格", "Staple prices per district"],
  "h.alerts": ["价格预警", "Price alerts"], "h.audit": ["最近操作", "Recent changes"],
  "h.mytasks": ["我的任务", "My jobs"], "h.mybuses": ["我的车辆", "My buses"], "h.myhotels": ["我的隔离酒店", "My hotels"],
  "h.sheet": ["调度单", "Dispatch sheet"], "h.raise": ["提交需求", "Raise a need"], "h.upload": ["表格导入（CSV / XLSX）", "Import a spreadsheet (CSV / XLSX)"],
  "h.myneeds": ["我的需求", "My needs"],
  "c.pri": ["优先级", "Priority"], "c.site": ["地点", "Site"], "c.kind": ["类型", "Kind"], "c.amount": ["人数/数量", "People/qty"],
  "c.status": ["状态", "Status"], "c.age": ["已等待", "Waiting"], "c.progress": ["进度", "Progress"], "c.reason": ["说明", "Notes"],
  "c.task": ["任务", "Job"], "c.action": ["操作", "Action"], "c.bus": ["车辆", "Bus"], "c.hotel": ["酒店", "Hotel"],
  "c.rooms": ["房间（标准/家庭/无障碍）", "Rooms (std/family/acc.)"], "c.out": ["关闭或消杀中", "Closed or cleaning"],
  "c.baseline": ["基准价", "baseline"], "c.when": ["时间", "When"], "c.who": ["操作人", "Who"], "c.what": ["操作", "What"], "c.entity": ["对象", "Entity"],
  "kind.transfer": ["转运隔离", "Transfer"], "kind.supply": ["物资保障", "Supply"],
  "st.submitted": ["已提交", "submitted"], "st.proposed": ["已匹配待确认", "proposed"], "st.confirmed": ["已确认", "confirmed"],
  "st.under_way": ["执行中", "under way"], "st.done": ["已完成", "done"], "st.unmet": ["暂无法满足", "unmet"], "st.cancelled": ["已取消", "cancelled"],
  "st.released": ["已释放", "released"], "st.expiring": ["超时释放中", "expiring"],
  "st.arriving": ["待酒店确认入住", "awaiting arrival check"], "st.releasing": ["释放中", "releasing"], "st.confirming": ["确认中", "confirming"],
  "st.in_service": ["运营中", "in service"], "st.out_of_service": ["停运", "out of service"], "st.open": ["开放", "open"], "st.closed": ["关闭", "closed"],
  "m.accepted_by": ["已接受：", "accepted by"], "m.awaiting": ["待确认：", "awaiting"],
  "a.accept": ["接受", "Accept"], "a.decline": ["拒绝", "Decline"], "a.start": ["出发/开始", "Start"], "a.done": ["完成/送达", "Done"], "a.arrive": ["确认入住", "Confirm arrival"],
  "a.cancel": ["取消", "Cancel"], "a.stop": ["停运", "Take out of service"], "a.resume": ["恢复运营", "Back in service"],
  "a.save": ["保存", "Save"], "a.submit": ["提交", "Submit"], "a.print": ["打印调度单", "Print sheet"], "a.csv": ["导出 CSV", "CSV"], "a.xlsx": ["导出 Excel", "Excel"],
  "a.upload": ["上传并导入", "Upload and import"],
  "f.kind": ["需求类型", "Kind"], "f.site": ["地点", "Site"], "f.people": ["人数", "People"], "f.risk": ["人员类别", "Risk category"],
  "f.standard": ["标准间", "Standard rooms"], "f.family": ["家庭房", "Family rooms"], "f.accessible": ["无障碍房", "Accessible rooms"],
  "f.ready": ["可出发时间", "Ready at"], "f.due": ["最晚完成时间", "Due by"], "f.lines": ["物资（品类:数量，每行一项）", "Supplies (sku:qty, one per line)"],
  "f.vuln": ["脆弱人群", "Vulnerable people"], "f.note": ["备注", "Note"], "f.day": ["日期", "Day"],
  "v.elderly_alone": ["独居老人", "elderly alone"], "v.disabled": ["残障人士", "disabled"], "v.pregnant": ["孕妇", "pregnant"],
  "v.children_alone": ["留守儿童", "children alone"], "v.medicine_needed": ["需用药", "needs medicine"],
  "m.asked": ["需", "asked"], "m.confirmed": ["已确认", "confirmed"], "m.delivered": ["已送达", "delivered"], "m.remaining": ["待解决", "remaining"],
  "m.none": ["暂无", "None"], "m.created": ["需求已提交", "Need submitted"], "m.dup": ["疑似重复，参见", "Likely duplicate of"],
  "m.imported": ["已导入", "Imported"], "m.noinv": ["库存服务暂不可用", "Inventory service unavailable"],
  "m.expires": ["确认时限", "Hold expires"], "m.updated": ["已更新", "Updated"], "m.refresh_failed": ["刷新失败，稍后重试", "Refresh failed, retrying"],
  "m.render_failed": ["页面加载失败，稍后重试", "The page did not load; retrying"], "m.trips": ["车次", "trips"],
  "m.declinereason": ["拒绝原因？", "Reason for declining?"], "m.cancelreason": ["取消原因？", "Reason for cancelling?"],
  "m.stop_q": ["确认将车辆 {bus} 停运？停运后不再安排新任务。请填写原因：", "Take bus {bus} out of service? It gets no new jobs. Reason:"],
  "m.close_q": ["确认关闭或停用 {hotel} 的房间？请填写原因：", "Close {hotel} or take rooms out of use? Reason:"],
  "m.reason_needed": ["请填写原因", "A reason is needed"],
  "m.delivered_q": ["实际送达人数/数量（默认计划数）", "Delivered (default: as planned)"],
  "m.delivered_sku_q": ["{sku} 实际送达数量（计划 {n}）", "{sku} delivered (planned {n})"],
  "m.arrived_q": ["实际入住人数（默认车辆送达人数）", "Arrived (default: as the bus delivered)"],
  "m.declined": ["调度拒绝", "Declined"], "m.declinereason_hint": ["（如“车辆故障”，车辆将停运直至恢复）", " (e.g. 车辆故障: the bus goes out of service until put back)"],
  "m.min": ["分钟", "min"], "m.h": ["小时", "h"], "m.row": ["行", "row"], "m.col": ["列", "column"],
  "m.readonly": ["只读账户", "Read-only account"],
  // issue 13: words for codes (risk, rooms, staples, grades), the action-first panel, the need drawer
  "risk.close_contact": ["密接", "close contacts"], "risk.secondary_contact": ["次密接", "secondary contacts"], "risk.inbound": ["入境人员", "inbound travellers"],
  "room.standard": ["标准间", "standard"], "room.family": ["家庭房", "family"], "room.accessible": ["无障碍房", "accessible"],
  "sku.rice": ["大米", "rice"], "sku.flour": ["面粉", "flour"], "sku.oil": ["食用油", "cooking oil"], "sku.pork": ["猪肉", "pork"],
  "sku.eggs": ["鸡蛋", "eggs"], "sku.milk": ["牛奶", "milk"],
  "unit.rice": ["袋", "bags"], "unit.flour": ["袋", "bags"], "unit.oil": ["瓶", "bottles"], "unit.pork": ["公斤", "kg"],
  "unit.eggs": ["托", "trays"], "unit.milk": ["箱", "cases"], "unit.bag": ["袋", "bags"], "unit.bottle": ["瓶", "bottles"],
  "unit.kg": ["公斤", "kg"], "unit.tray": ["托", "trays"], "unit.case": ["箱", "cases"],
  "grade.normal": ["正常", "normal"], "grade.stress": ["承压", "under stress"], "grade.alert": ["预警", "alert"], "grade.crisis": ["危机", "crisis"],
  "zone.sealed": ["封控区", "sealed zone"], "zone.controlled": ["管控区", "controlled zone"], "zone.precaution": ["防范区", "precaution zone"], "zone.other": ["其他", "other"],
  "m.people": ["人", "people"], "m.rooms_unit": ["间", "rooms"], "m.system": ["系统", "the system"],
  "h.attention": ["待决事项", "Needs a decision"], "h.att.holds": ["待确认的方案", "Proposals waiting for an answer"],
  "h.att.unmet": ["无法满足（按原因）", "Unmet, by cause"], "h.att.declines": ["调度拒绝", "Declined by dispatchers"],
  "h.att.stranded": ["部分送达、余量待匹配", "Partly delivered, the rest waiting"],
  "m.att.none": ["暂无需要决定的事项", "Nothing waits for a decision"],
  "m.waitfor": ["待 {who} 确认", "waiting for {who}"], "m.expires_in": ["{n} 分钟后到期", "expires in {n} min"],
  "m.expired": ["已到期，释放中", "expired, being released"], "m.fix": ["建议", "Fix"],
  "m.all_n": ["查看全部 {n} 项", "all {n}"], "m.holds_more": ["另有 {n} 项待确认（按到期先后列出）", "{n} more waiting (listed by expiry)"],
  "m.declined_by": ["{who} 拒绝：{why}", "{who} declined: {why}"], "m.noreason": ["未填写原因", "no reason given"],
  "m.stranded": ["已送达 {d}，尚余 {r} 待重新匹配", "{d} delivered, {r} waiting to be matched again"],
  "m.needs_n": ["{n} 项需求", "{n} need(s)"], "m.open": ["查看", "Open"], "m.close": ["关闭", "Close"],
  "h.need": ["需求详情", "Need"], "f.window": ["时间窗", "Time window"], "f.org": ["所属单位", "Organisation"],
  "f.priority": ["优先级", "Priority"], "f.created": ["提交时间", "Raised"], "f.assignments": ["匹配方案", "Proposals and jobs"],
  "f.rooms": ["房间", "Rooms"], "f.amount": ["需求", "Asked"], "f.unmet": ["无法满足原因", "Why unmet"],
  "m.dup_named": ["疑似重复：{what}（{when} 提交）", "Likely duplicate of {what} (raised {when})"],
  "m.created_label": ["需求已提交：", "Need submitted: "],
  "m.import_cols": ["表头：地点, 类别, 人数, 风险, 标准间, 家庭房, 无障碍房, 就绪时间, 截止时间, 物资明细, 脆弱人群, 备注",
                    "Columns: site, kind, people, risk, standard, family, accessible, ready_at, due_at, lines, vulnerabilities, note"],
  "m.lines_ph": ["大米:80\n食用油:30", "rice:80\ncooking oil:30"],
  "m.imported_n": ["已导入 {n} 项，重复 {r} 项", "Imported {n}, repeated {r}"],
  "m.priority_by_hand": ["人工调整", "set by hand"],
  "a.choose": ["选择文件", "Choose a file"], "m.nofile": ["未选择文件", "No file chosen"],
  "m.at": ["时间", "at"], "m.hold_of": ["方案", "Proposal"],
  "m.importfail": ["发现 {n} 处错误，未导入任何需求", "{n} error(s) found; nothing was imported"],
  "m.fix_fields": ["请按各项下方的提示修改后重新提交", "Fix the fields marked below and submit again"],
  "m.not_entitled": ["无权限", "not yours"], "m.page_failed": ["页面加载失败，请重试", "The page could not load; try again"],
  "a.retry": ["重试", "Try again"],
  "a.more": ["加载更多", "More"], "m.all_open": ["全部未结", "all open"], "m.cause": ["原因", "Cause"], "m.any": ["全部", "any"],
  "m.district": ["区", "District"], "m.late_only": ["只看逾期", "late only"], "m.search": ["搜索", "Search"], "m.apply": ["筛选", "Filter"],
  "cause.buses": ["车辆不足", "not enough buses"], "cause.rooms": ["隔离房间不足", "not enough rooms"],
  "cause.standard_rooms_full": ["标准间不足", "standard rooms full"], "cause.family_rooms_full": ["家庭房不足", "family rooms full"],
  "cause.accessible_rooms_full": ["无障碍房不足", "accessible rooms full"], "cause.stock": ["库存不足", "out of stock"],
  "cause.no_hotel_for_risk": ["无接收酒店", "no hotel takes the category"], "cause.hotel_not_open": ["酒店未开放", "hotel not open yet"],
  "m.soonest_in": ["最早 {n} 分钟后到期", "first expires in {n} min"], "m.hold_list": ["按到期先后列出", "Listed by expiry"],
};
let lang = localStorage.getItem("baolei.lang") || "zh";
export const getLang = () => lang;
export function setLang(l) { lang = l; localStorage.setItem("baolei.lang", l); document.documentElement.lang = l === "zh" ? "zh-CN" : "en"; }
export function t(key, vars) {
  const e = DICT[key];
  let out = e ? e[lang === "zh" ? 0 : 1] : key;
  if (vars) for (const [k, v] of Object.entries(vars)) out = out.replaceAll(`{${k}}`, v);
  return out;
}
// A code in words, or the fallback (never the raw code) when the dictionary does not know it.
export const word = (prefix, code, fallback = "") => DICT[`${prefix}.${code}`] ? t(`${prefix}.${code}`) : (fallback || code || "");
export const riskName = (r) => word("risk", r);
export const roomName = (r) => word("room", r);
export const skuName = (k, fallback) => word("sku", k, fallback);
export const unitName = (k, fallback) => word("unit", k, fallback);
export const gradeName = (g) => word("grade", g);
// "大米 80 袋、食用油 30 瓶" / "80 bags of rice, 30 bottles of cooking oil"
export function linesText(lines) {
  return (lines || []).map(l => lang === "zh" ? `${skuName(l.sku)} ${l.quantity} ${unitName(l.sku, "件")}`
    : `${l.quantity} ${unitEn(unitName(l.sku, "units"), l.quantity)} of ${skuName(l.sku)}`).join(lang === "zh" ? "、" : ", ");
}
// English counts one in the singular: "1 tray", "2 trays", "1 person", "3 people" (kg stays kg).
const ONE = { bags: "bag", bottles: "bottle", trays: "tray", cases: "case", units: "unit", people: "person", rooms: "room", trips: "trip" };
export const unitEn = (unit, n) => (Number(n) === 1 && ONE[unit]) || unit;
// "3 人" / "3 people", "1 person"
export const peopleText = (n) => lang === "zh" ? `${n} 人` : `${n} ${unitEn("people", n)}`;
// "标准间 12、家庭房 2" / "12 standard, 2 family"
export function roomsText(rooms) {
  return Object.entries(rooms || {}).filter(([, v]) => v).map(([k, v]) => lang === "zh" ? `${roomName(k)} ${v}` : `${v} ${roomName(k)}`)
    .join(lang === "zh" ? "、" : ", ");
}
// Server texts come in pairs (xxx_zh / xxx_en): pick the one for the current language.
export function pick(obj, base) { return (lang === "zh" ? obj[`${base}_zh`] : obj[`${base}_en`]) || obj[`${base}_zh`] || ""; }
export function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c])); }
export function applyStatic(root = document) { root.querySelectorAll("[data-t]").forEach(el => { el.textContent = t(el.dataset.t); }); }
