// usage: node prof.mjs file.cpuprofile [topN]
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const N = +(process.argv[3] ?? 40);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas; let total = 0;
const counts = new Map();
for (let i = 0; i < p.samples.length; i++) { counts.set(p.samples[i], (counts.get(p.samples[i]) ?? 0) + (dt[i] ?? 0)); total += dt[i] ?? 0; }
const fileAgg = new Map(); const fnAgg = new Map();
for (const [id, t] of counts) {
  const n = byId.get(id); const cf = n.callFrame;
  let url = cf.url.replace(/.*node_modules\//, 'nm:').replace(/.*\/work\/main\//, '');
  if (url.startsWith('nm:')) url = url.split('/').slice(0, url.startsWith('nm:@') ? 2 : 1).join('/');
  if (!url) url = '(' + cf.functionName + ')';
  fileAgg.set(url, (fileAgg.get(url) ?? 0) + t);
  const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm:')}:${cf.lineNumber}`;
  fnAgg.set(k, (fnAgg.get(k) ?? 0) + t);
}
const show = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, N).forEach(([k, t]) => console.log((t / total * 100).toFixed(1).padStart(5), '%', (t/1000).toFixed(0).padStart(6), 'ms', k));
console.log('total ms', (total/1000).toFixed(0));
console.log('--- by file'); show(fileAgg);
console.log('--- by function'); show(fnAgg);
