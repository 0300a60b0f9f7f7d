// usage: node roots.mjs file.cpuprofile — inclusive time by "entry owner": first non-node: frame from the root
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
for (let i = 0; i < p.samples.length; i++) counts.set(p.samples[i], (counts.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const owner = (url) => { url = url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm:'); if (url.startsWith('nm:')) return url.split('/').slice(0, url.startsWith('nm:@') ? 2 : 1).join('/'); return url; };
const agg = new Map(); let total = 0;
const depth2 = process.argv[3] === '2';
for (const [id, t] of counts) {
  const chain = []; let cur = id; while (cur != null) { chain.push(byId.get(cur)); cur = parent.get(cur); }
  chain.reverse();
  let key = null; const owners = [];
  for (const n of chain) { const u = n.callFrame.url; if (!u || u.startsWith('node:')) continue; const o = owner(u); if (owners.at(-1) !== o) owners.push(o); }
  key = owners.length ? owners.slice(0, depth2 ? 3 : 1).join(' > ') : `(${chain.at(-1).callFrame.functionName})`;
  if (key === '((idle))') continue;
  agg.set(key, (agg.get(key) ?? 0) + t); total += t;
}
console.log('busy ms', (total/1000).toFixed(0));
[...agg].sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, t]) => console.log((t/total*100).toFixed(1).padStart(5), '%', (t/1000).toFixed(0).padStart(5), k));
