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
  "h.stock": ["各区库存趋势（可用量）", "Stock per district (available)"], "h.prices": ["各区主副食价格指数（基准=100，绿带为允许区间）", "Staple price index per district (baseline = 100, green = allowed band)"],
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
  "risk.close_contact": ["密接", "close contact"], "risk.secondary_contact": ["次密接", "secondary contact"], "risk.inbound": ["入境人员", "inbound"],
  "st.submitted": ["已提交", "submitted"], "st.proposed": ["已匹配待确认", "proposed"], "st.confirmed": ["已确认", "confirmed"],
  "st.under_way": ["执行中", "under way"], "st.done": ["已完成", "done"], "st.unmet": ["暂无法满足", "unmet"], "st.cancelled": ["已取消", "cancelled"],
  "st.released": ["已释放", "released"], "st.expiring": ["超时释放中", "expiring"],
  "st.in_service": ["运营中", "in service"], "st.out_of_service": ["停运", "out of service"], "st.open": ["开放", "open"], "st.closed": ["关闭", "closed"],
  "m.accepted_by": ["已接受：", "accepted by"], "m.awaiting": ["待确认：", "awaiting"],
  "a.accept": ["接受", "Accept"], "a.decline": ["拒绝", "Decline"], "a.start": ["出发/开始", "Start"], "a.done": ["完成/送达", "Done"],
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
  "m.expires": ["确认时限", "Hold expires"], "m.updated": ["已更新", "Updated"], "m.trips": ["车次", "trips"],
  "m.declinereason": ["拒绝原因？", "Reason for declining?"], "m.cancelreason": ["取消原因？", "Reason for cancelling?"],
  "m.delivered_q": ["实际送达人数/数量（默认计划数）", "Delivered (default: as planned)"],
  "m.min": ["分钟", "min"], "m.h": ["小时", "h"], "m.row": ["行", "row"], "m.col": ["列", "column"],
  "m.readonly": ["只读账户", "Read-only account"],
};
let lang = localStorage.getItem("baolei.lang") || "zh";
export const getLang = () => lang;
export function setLang(l) { lang = l; localStorage.setItem("baolei.lang", l); document.documentElement.lang = l === "zh" ? "zh-CN" : "en"; }
export function t(key) { const e = DICT[key]; return e ? e[lang === "zh" ? 0 : 1] : key; }
// Server texts come in pairs (xxx_zh / xxx_en): pick the one for the current language.
export function pick(obj, base) { return (lang === "zh" ? obj[`${base}_zh`] : obj[`${base}_en`]) || obj[`${base}_zh`] || ""; }
export function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c])); }
export function applyStatic(root = document) { root.querySelectorAll("[data-t]").forEach(el => { el.textContent = t(el.dataset.t); }); }
