// usage: node drill.mjs file.cpuprofile ownerPrefix — self time by function within samples whose first owner matches
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2])); const want = process.argv[3];
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
for (let i = 0; i < p.samples.length; i++) counts.set(p.samples[i], (counts.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const owner = (url) => { url = url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm:'); if (url.startsWith('nm:')) return url.split('/').slice(0, url.startsWith('nm:@') ? 2 : 1).join('/'); return url; };
const agg = new Map(); const entry = new Map(); let total = 0;
for (const [id, t] of counts) {
  const chain = []; let cur = id; while (cur != null) { chain.push(byId.get(cur)); cur = parent.get(cur); }
  chain.reverse();
  const first = chain.find((n) => n.callFrame.url && !n.callFrame.url.startsWith('node:'));
  if (!first || !owner(first.callFrame.url).startsWith(want)) continue;
  const leaf = chain.at(-1).callFrame; const k = `${leaf.functionName||'(anon)'} ${leaf.url.replace(/.*node_modules\//,'nm:').replace(/.*\/work\/main\//,'')}:${leaf.lineNumber}`;
  agg.set(k, (agg.get(k) ?? 0) + t); total += t;
  const e = `${first.callFrame.functionName||'(anon)'} ${first.callFrame.url.replace(/.*node_modules\//,'nm:').replace(/.*\/work\/main\//,'')}:${first.callFrame.lineNumber}`;
  entry.set(e, (entry.get(e) ?? 0) + t);
}
console.log('total', (total/1000).toFixed(0));
console.log('-- entries'); [...entry].sort((a, b) => b[1] - a[1]).slice(0, 12).forEach(([k, t]) => console.log((t/1000).toFixed(0).padStart(5), k));
console.log('-- leaves'); [...agg].sort((a, b) => b[1] - a[1]).slice(0, 30).forEach(([k, t]) => console.log((t/1000).toFixed(0).padStart(5), k));
