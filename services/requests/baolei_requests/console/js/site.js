// Site (社区/隔离点): raise a need, import the community's spreadsheet, follow my needs live.
import { api, can } from "./api.js";
import { esc, pick, t } from "./i18n.js";
import { dupNote, errorText, guarded, needLabel, needLink, needsTable, showFieldErrors, toast } from "./common.js";

let root, me, shownMine = 100;
const VULNS = ["elderly_alone", "disabled", "pregnant", "children_alone", "medicine_needed"];
const local = (h) => { const d = new Date(Date.now() + h * 3600e3 + 8 * 3600e3); return d.toISOString().slice(0, 16); };

export async function render(el, who) {
  root = el; me = who;
  const map = await api("/api/map");
  const sites = map.sites.filter(s => s.role === "community" && (me.role !== "site" || s.organisation === me.organisation));
  root.innerHTML = `<div class="grid g2">
    <div class="card"><h2>${t("h.raise")}</h2>
      <form class="need" id="need-form" data-testid="need-form">
        <div class="row"><label>${t("f.kind")} <select name="kind" data-testid="f-kind">
          <option value="transfer">${t("kind.transfer")}</option><option value="supply">${t("kind.supply")}</option></select></label>
        <label>${t("f.site")} <select name="site_id" data-testid="f-site">${sites.map(s => `<option value="${esc(s.id)}">${esc(s.name)}</option>`).join("")}</select></label></div>
        <div id="transfer-fields"><div class="row">
          <label>${t("f.people")} <input name="people" type="number" min="1" value="4" style="width:70px" data-testid="f-people"></label>
          <label>${t("f.risk")} <select name="risk" data-testid="f-risk">${["close_contact", "secondary_contact", "inbound"].map(r => `<option value="${r}">${t("risk." + r)}</option>`).join("")}</select></label></div>
          <div class="row">${["standard", "family", "accessible"].map(k => `<label>${t("f." + k)} <input name="${k}" type="number" min="0" style="width:60px" placeholder="${k === "standard" ? "=" : "0"}"></label>`).join("")}</div>
          <label>${t("f.ready")} <input name="ready_at" type="datetime-local" value="${local(0)}"></label></div>
        <div id="supply-fields" style="display:none"><label>${t("f.lines")}<br><textarea name="lines" rows="3" cols="30" placeholder="${esc(t("m.lines_ph"))}"></textarea></label></div>
        <label>${t("f.due")} <input name="due_at" type="datetime-local" value="${local(4)}"></label>
        <div class="row">${t("f.vuln")}: ${VULNS.map(v => `<label><input type="checkbox" name="v" value="${v}"> ${t("v." + v)}</label>`).join("")}</div>
        <label>${t("f.note")} <input name="note" style="width:60%"></label>
        <button class="primary" type="submit" data-testid="submit-need" ${can(me, "need.raise") ? "" : "disabled"}>${t("a.submit")}</button>
        <span id="form-msg"></span></form></div>
    <div class="card"><h2>${t("h.upload")}</h2>
      <p class="small muted" data-testid="import-hint">${t("m.import_cols")}</p>
      <div class="row"><label class="filepick"><span>${t("a.choose")}</span><input type="file" id="file" accept=".csv,.xlsx" data-testid="upload-file"></label>
        <span id="file-name" class="small muted">${t("m.nofile")}</span>
        <button id="upload" ${can(me, "need.import") ? "" : "disabled"}>${t("a.upload")}</button></div>
      <div id="upload-msg" data-testid="upload-msg"></div></div></div>
    <div class="card" style="margin-top:14px"><h2>${t("h.myneeds")}</h2><div id="mine"></div></div>`;
  const form = root.querySelector("#need-form");
  form.kind.onchange = () => {
    root.querySelector("#transfer-fields").style.display = form.kind.value === "transfer" ? "" : "none";
    root.querySelector("#supply-fields").style.display = form.kind.value === "supply" ? "" : "none";
  };
  form.onsubmit = (e) => { e.preventDefault(); submit(form); };
  root.querySelector("#upload").onclick = upload;
  root.querySelector("#file").onchange = (e) => { root.querySelector("#file-name").textContent = e.target.files[0]?.name || t("m.nofile"); };
  await refresh();
}

const zoned = (v) => v ? `${v}:00+08:00` : undefined;

async function submit(form) {
  const f = form.elements, body = { kind: f.kind.value, site_id: f.site_id.value, due_at: zoned(f.due_at.value),
    vulnerabilities: [...form.querySelectorAll("input[name=v]:checked")].map(i => i.value), note: f.note.value || undefined };
  if (body.kind === "transfer") {
    Object.assign(body, { people: Number(f.people.value), risk: f.risk.value, ready_at: zoned(f.ready_at.value) });
    if (f.standard.value || f.family.value || f.accessible.value)
      body.rooms = { standard: Number(f.standard.value || 0), family: Number(f.family.value || 0), accessible: Number(f.accessible.value || 0) };
  } else {
    body.lines = f.lines.value.split(/\n+/).filter(Boolean).map(l => { const [sku, q] = l.split(/[:：]/); return { sku: sku.trim(), quantity: Number(q) }; });
  }
  const msg = root.querySelector("#form-msg");
  form.querySelectorAll(".field-err").forEach(x => x.remove());
  try {
    const n = await api("/api/needs", { method: "POST", body, headers: { "Idempotency-Key": crypto.randomUUID() } });
    msg.innerHTML = `<span data-testid="created-need" data-need="${esc(n.id)}">${t("m.created_label")}${needLink(n.id, needLabel(n))}</span>` +
      (dupNote(n) ? ` ${dupNote(n)}` : "");
    refresh();
  } catch (e) {  // each refusal under its input, in the console's language; the rest here
    const rest = showFieldErrors(form, e);
    msg.innerHTML = `<span class="err" data-testid="form-error">${esc(rest || t("m.fix_fields"))}</span>`;
  }
}

async function upload() {
  const file = root.querySelector("#file").files[0], out = root.querySelector("#upload-msg");
  if (!file) return;
  try {
    const r = await api(`/api/needs/import?filename=${encodeURIComponent(file.name)}`, { method: "POST", raw: await file.arrayBuffer(),
      headers: { "Content-Type": "application/octet-stream", "Idempotency-Key": `${file.name}:${file.size}:${file.lastModified}` } });
    out.innerHTML = `<p>${esc(t("m.imported_n", { n: r.imported, r: r.repeated }))}</p>`; refresh();
  } catch (e) {
    const rows = (e.items || []).filter(x => x.row !== undefined);
    out.innerHTML = rows.length
      ? `<p class="err">${esc(pick(e.body || {}, "message") || t("m.importfail").replace("{n}", (e.body && e.body.error_count) || rows.length))}</p><table class="small"><tr><th>${t("m.row")}</th><th>${t("m.col")}</th><th></th></tr>
      ${rows.map(x => `<tr data-testid="import-error"${x.not_entitled ? ' data-not-entitled="1"' : ""}><td>${x.row}</td><td>${esc(x.column || x.field)}</td><td>${esc(pick(x, "reason"))}${x.not_entitled ? ` <span class="tag unmet">${t("m.not_entitled")}</span>` : ""}</td></tr>`).join("")}</table>`
      : `<p class="err">${esc(errorText(e))}</p>`;
  }
}

// every refresh goes through `guarded` (common.js): a failed fetch keeps the page and retries
export const refresh = guarded(load);

async function load() {
  if (!root?.isConnected) return;
  const page = await api(`/api/needs/page?limit=${Math.min(500, Math.max(100, shownMine))}`);  // the server's page and its total
  if (!root?.isConnected || !root.querySelector("#mine")) return;
  const needs = page.items;
  shownMine = needs.length;
  root.querySelector("#mine").innerHTML = `<p class="small muted" data-testid="mine-shown">${esc(pick(page, "shown"))}</p>` +
    (page.total > needs.length ? `<button id="mine-more" data-testid="mine-more">${t("a.more")}</button>` : "") + needsTable(needs, { actions: n => can(me, "need.cancel") && ["submitted", "proposed", "unmet", "confirmed"].includes(n.status)
    ? `<button data-cancel="${esc(n.id)}">${t("a.cancel")}</button>` : "" });
  root.querySelectorAll("[data-cancel]").forEach(b => b.onclick = async () => {
    const reason = prompt(t("m.cancelreason")); if (!reason) return;
    try { await api(`/api/needs/${b.dataset.cancel}/cancel`, { method: "POST", body: { reason } }); refresh(); } catch (e) { toast(errorText(e)); }
  });
  const more = root.querySelector("#mine-more");
  if (more) more.onclick = () => { shownMine += 100; refresh(); };
}
