import { SafeHtml } from './html.ts';

/**
 * Bar widths as classes `w-0` … `w-100`: the CSP allows the page's one nonce'd `<style>`
 * element but no `style` attributes.
 */
const barWidths = Array.from({ length: 101 }, (_, pct) => `.w-${pct}{width:${pct}%}`).join('');

/** The plots' look (svg-plot.ts): the lines take their colours from classes, as the CSP allows no style attributes. */
const plotCss = `
.plots { display:grid; grid-template-columns:repeat(auto-fill, minmax(560px, 1fr)); gap:12px; }
.plot { margin:0; border:1px solid var(--line); border-radius:6px; padding:8px 10px; }
.plot figcaption { font-weight:600; margin-bottom:4px; }
.plot svg { display:block; width:100%; height:auto; }
.plot .band { fill:rgba(122,162,255,.13); }
.plot .grid { stroke:var(--line); stroke-width:1; }
.plot .tick, .plot .baseline { stroke:var(--muted); stroke-width:1; }
.plot .axis { fill:var(--muted); font-size:11px; }
.plot .empty-plot { fill:var(--muted); font-size:13px; font-style:italic; }
.plot .threshold { stroke:var(--bad); stroke-width:1; stroke-dasharray:5 4; }
.plot .line { fill:none; stroke-width:1.6; stroke-linejoin:round; }
.series-0 { stroke:#7aa2ff; } .series-1 { stroke:#f5b94a; } .series-2 { stroke:#3ecf8e; }
.series-3 { stroke:#ff6b6b; } .series-4 { stroke:#c792ea; } .series-5 { stroke:#5fd7d7; }
.legend { list-style:none; margin:6px 0 0; padding:0; display:flex; flex-wrap:wrap; gap:4px 16px;
  font-size:12px; }
.swatch { display:inline-block; width:14px; height:3px; margin-right:6px; vertical-align:middle;
  background:var(--muted); }
.swatch.series-0 { background:#7aa2ff; } .swatch.series-1 { background:#f5b94a; }
.swatch.series-2 { background:#3ecf8e; } .swatch.series-3 { background:#ff6b6b; }
.swatch.series-4 { background:#c792ea; } .swatch.series-5 { background:#5fd7d7; }
.swatch.band { height:10px; background:rgba(122,162,255,.3); }
`;

/**
 * The dashboard's only stylesheet, inline in a nonce'd `<style>`: no CDN, no build step
 * (trusted markup: not escaped).
 */
export const dashboardCss = new SafeHtml(`
:root { --bg:#0f1420; --panel:#171e2e; --line:#26304a; --text:#e6e9f2; --muted:#8d97b5;
  --accent:#7aa2ff; --ok:#3ecf8e; --warn:#f5b94a; --bad:#ff6b6b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  background:var(--bg); color:var(--text); }
header { display:flex; align-items:baseline; gap:16px; padding:16px 24px;
  border-bottom:1px solid var(--line); }
header h1 { margin:0; font-size:20px; letter-spacing:.5px; }
header .moon { color:var(--warn); }
header nav { margin-left:auto; display:flex; gap:16px; align-items:baseline; }
header nav form { margin:0; }
header nav button { font:inherit; color:var(--accent); background:none; border:0; padding:0; cursor:pointer; }
header nav button:hover { text-decoration:underline; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
main { padding:16px 24px; display:grid; gap:20px; }
section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
section h2 { margin:0 0 10px; font-size:15px; color:var(--muted); text-transform:uppercase;
  letter-spacing:1px; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:500; font-size:12px; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.muted { color:var(--muted); } .empty { color:var(--muted); font-style:italic; }
code { font:12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.bar { background:#0b0f18; border:1px solid var(--line); border-radius:4px; height:10px;
  min-width:120px; overflow:hidden; }
.bar > span { display:block; height:100%; background:var(--accent); }
.bar.vram > span { background:var(--ok); } .bar.vram.high > span { background:var(--warn); }
.bar.vram.full > span { background:var(--bad); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px;
  border:1px solid var(--line); }
.badge.open { color:var(--ok); border-color:var(--ok); }
.badge.closed { color:var(--muted); }
.badge.bad { color:var(--bad); border-color:var(--bad); }
.workers { display:grid; grid-template-columns:repeat(auto-fill, minmax(340px, 1fr)); gap:12px; }
.worker { border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.worker h3 { margin:0 0 6px; font-size:14px; display:flex; gap:8px; align-items:center; }
.worker dl { display:grid; grid-template-columns:auto 1fr; gap:2px 10px; margin:0 0 8px; }
.worker dt { color:var(--muted); } .worker dd { margin:0; }
.gpu { display:grid; grid-template-columns:auto 1fr auto; gap:8px; align-items:center; margin-top:4px; }
${plotCss}
${barWidths}
`);
