// SVG pictures without a library: the city from lat/lon, and small line charts.
import { esc } from "./i18n.js";

const ROLE_STYLE = { community: ["#c8102e", 5], hotel: ["#12805c", 6], depot: ["#2e6fd8", 5] };
const ZONE_FILL = { sealed: "#c8102e", controlled: "#e07a00", precaution: "#2e6fd8", other: "#98a2b3" };

export function cityMap(data, { width = 640, height = 360 } = {}) {
  const pts = data.sites;
  if (!pts.length) return `<p class="muted">—</p>`;
  const lats = pts.map(s => s.lat), lons = pts.map(s => s.lon);
  const [la0, la1, lo0, lo1] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const pad = 28, kx = (width - 2 * pad) / Math.max(lo1 - lo0, 0.01), ky = (height - 2 * pad) / Math.max(la1 - la0, 0.01);
  const k = Math.min(kx, ky / Math.cos((la0 + la1) / 2 * Math.PI / 180));
  const xy = s => [pad + (s.lon - lo0) * k, height - pad - (s.lat - la0) * k * Math.cos((la0 + la1) / 2 * Math.PI / 180)];
  const at = Object.fromEntries(pts.map(s => [s.id, xy(s)]));
  const lines = data.lines.filter(l => at[l.from] && at[l.to]).map(l => {
    const [x1, y1] = at[l.from], [x2, y2] = at[l.to];
    const color = l.status === "proposed" ? "#e07a00" : l.status === "done" ? "#98a2b3" : "#12805c";
    return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" stroke-width="${1.5 + Math.min(l.people, 30) / 10}"
      stroke-dasharray="${l.status === "proposed" ? "5 4" : ""}" opacity=".8"><title>${esc(l.need)} → ${esc(l.to)} (${l.people})</title></line>`;
  }).join("");
  const dots = pts.map(s => {
    const [x, y] = at[s.id], [color, r] = ROLE_STYLE[s.role] || ROLE_STYLE.community;
    const fill = s.role === "community" ? ZONE_FILL[s.zone] || color : color;
    const shape = s.role === "hotel" ? `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`
      : s.role === "depot" ? `<polygon points="${x},${y - r} ${x + r},${y + r} ${x - r},${y + r}" fill="${fill}"/>`
      : `<circle cx="${x}" cy="${y}" r="${r}" fill="${fill}"/>`;
    return `<g>${shape}<text x="${x + 7}" y="${y + 3}">${esc(s.name)}</text><title>${esc(s.name)} ${esc(s.district)}</title></g>`;
  }).join("");
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" data-testid="city-map"
    style="background:#f8fafc;border-radius:6px">${lines}${dots}</svg>`;
}

// series: [{name, color, points: [[Date|number, value], ...]}]; optional band: [lo, hi] shaded.
export function lineChart(title, series, { width = 230, height = 120, band = null, fmt = v => v } = {}) {
  const all = series.flatMap(s => s.points);
  if (!all.length) return "";
  const xs = all.map(p => +p[0]), ys = all.map(p => p[1]).concat(band ? band : []);
  const [x0, x1, y0r, y1r] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const y0 = Math.max(0, y0r - (y1r - y0r) * 0.1), y1 = y1r + (y1r - y0r) * 0.1 || y1r + 1;
  const L = 34, R = 6, T = 16, B = 14;
  const X = x => L + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - L - R);
  const Y = y => height - B - (y - y0) / (y1 - y0 || 1) * (height - T - B);
  const bandRect = band ? `<rect x="${L}" y="${Y(band[1])}" width="${width - L - R}" height="${Math.max(0, Y(band[0]) - Y(band[1]))}" fill="#e6f4ee"/>` : "";
  const paths = series.map(s => {
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${X(+p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    const last = s.points[s.points.length - 1];
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>` +
      `<circle cx="${X(+last[0])}" cy="${Y(last[1])}" r="2.5" fill="${s.color}"><title>${esc(s.name)} ${fmt(last[1])}</title></circle>`;
  }).join("");
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img">
    <text x="2" y="11" font-weight="600">${esc(title)}</text>
    ${bandRect}<line x1="${L}" y1="${height - B}" x2="${width - R}" y2="${height - B}" stroke="#ccc"/>
    <text x="${L - 3}" y="${Y(y1r) + 3}" text-anchor="end">${fmt(y1r)}</text><text x="${L - 3}" y="${Y(y0r) + 3}" text-anchor="end">${fmt(y0r)}</text>
    ${paths}</svg>`;
}

export const PALETTE = ["#c8102e", "#2e6fd8", "#12805c", "#e07a00", "#7a3fbf", "#667085"];
