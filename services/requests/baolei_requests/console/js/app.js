// The console shell: sign-in, navigation by role, language toggle and the live feed.
import { api, can, connectLive, setToken, token } from "./api.js";
import { applyStatic, getLang, setLang, t, esc } from "./i18n.js";
import { toast } from "./common.js";
import * as command from "./command.js";
import * as dispatch from "./dispatch.js";
import * as site from "./site.js";

const VIEWS = { command, dispatch, site };
// Pages by what the policy lets the user do (GET /api/me -> actions), not by a role list of its own.
const PAGE_ACTIONS = { command: ["overview.read"], dispatch: ["assignment.answer", "bus.manage", "hotel.manage"], site: ["need.raise", "need.import"] };
const pagesOf = (me) => Object.keys(PAGE_ACTIONS).filter(p => PAGE_ACTIONS[p].some(a => can(me, a)));
const state = { me: null, view: null, live: null, pending: null };
const main = document.getElementById("main");

function route() { return (location.hash.replace(/^#\/?/, "").split("?")[0]) || ""; }

async function signIn(value) {
  setToken(value);
  try { state.me = await api("/api/me"); return true; }
  catch { setToken(null); state.me = null; return false; }
}

function renderLogin(msg = "") {
  document.getElementById("nav").innerHTML = "";
  document.getElementById("who").textContent = "";
  main.innerHTML = `<div class="card login"><h2>${t("login.title")}</h2>
    <form id="login-form"><label>${t("login.token")}<input id="token" name="token" autocomplete="off" data-testid="token"></label>
    <button class="primary" type="submit" data-testid="sign-in">${t("login.go")}</button> <span class="err">${esc(msg)}</span></form>
    <p class="small muted">${t("login.hint")}</p></div>`;
  document.getElementById("login-form").onsubmit = async (e) => {
    e.preventDefault();
    if (await signIn(document.getElementById("token").value.trim())) {
      startLive();
      const target = `#/${pagesOf(state.me)[0] || ""}`;
      if (location.hash !== target) location.hash = target; else render();  // hashchange renders
    }
    else renderLogin(t("login.bad"));
  };
}

function renderNav(page) {
  const pages = pagesOf(state.me);
  document.getElementById("nav").innerHTML = pages.map(p =>
    `<a href="#/${p}" class="${p === page ? "active" : ""}" data-testid="nav-${p}">${t("nav." + p)}</a>`).join("");
  document.getElementById("who").textContent = `${state.me.user} · ${state.me.organisation} · ${getLang() === "zh" ? state.me.title_zh || state.me.role_zh : state.me.title_en || state.me.role}`;
}

// A render never leaves the page blank: a newer render (language switch, navigation) supersedes an
// older one, and a failed one says so and tries again.
let renders = 0;

async function render() {
  const mine = ++renders;
  applyStatic();
  document.getElementById("lang").textContent = getLang() === "zh" ? "English" : "中文";
  const ind = document.getElementById("live");
  if (ind.textContent) ind.textContent = t(ind.classList.contains("on") ? "live.on" : "live.off");
  if (!state.me) return renderLogin();
  let page = route();
  const allowed = pagesOf(state.me);
  if (!allowed.length) { main.innerHTML = `<div class="card"><p class="muted">${t("m.none")}</p></div>`; return; }
  if (!allowed.includes(page)) { page = allowed[0]; history.replaceState(null, "", `#/${page}`); }
  renderNav(page);
  state.view = VIEWS[page];
  try { await state.view.render(main, state.me); }
  catch (e) {
    console.warn("render failed", e);
    if (mine !== renders) return;
    if (!main.textContent.trim()) main.innerHTML = `<div class="card" data-testid="page-error"><p class="muted">${t("m.render_failed")}</p></div>`;
    setTimeout(() => { if (mine === renders) render(); }, 2000);
  }
}

function startLive() {
  if (state.live) state.live.close();
  const ind = document.getElementById("live");
  state.live = connectLive((ev) => {
    ind.dataset.last = ev.type;
    clearTimeout(state.pending);  // bursts of events: one refresh
    state.pending = setTimeout(() => state.view?.refresh?.(ev), 250);
  }, (on) => { ind.className = `live ${on ? "on" : "off"}`; ind.textContent = t(on ? "live.on" : "live.off"); });
}

document.getElementById("lang").onclick = () => { setLang(getLang() === "zh" ? "en" : "zh"); render(); };
document.getElementById("signout").onclick = () => { setToken(null); state.me = null; state.live?.close(); location.hash = "#/login"; render(); };
window.addEventListener("hashchange", render);
window.addEventListener("unhandledrejection", (e) => toast(e.reason?.message || String(e.reason)));

(async () => {
  setLang(getLang());
  if (token() && await signIn(token())) startLive();
  render();
})();
