// usage: node callers.mjs file.cpuprofile fnName [depth]
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const target = process.argv[3]; const depth = +(process.argv[4] ?? 4);
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
for (let i = 0; i < p.samples.length; i++) counts.set(p.samples[i], (counts.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const agg = new Map(); let tot = 0;
const name = (n) => `${n.callFrame.functionName || '(anon)'}@${n.callFrame.url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm:')}:${n.callFrame.lineNumber}`;
for (const [id, t] of counts) {
  // inclusive: does any ancestor match?
  let cur = id; const chain = []; let hit = false;
  while (cur != null) { const n = byId.get(cur); if (n.callFrame.functionName === target) { hit = true; break; } cur = parent.get(cur); }
  if (!hit) continue;
  let up = parent.get(cur);
  for (let d = 0; d < depth && up != null; d++) { chain.push(name(byId.get(up))); up = parent.get(up); }
  const k = chain.join(' <- '); agg.set(k, (agg.get(k) ?? 0) + t); tot += t;
}
console.log('inclusive ms', (tot/1000).toFixed(0));
[...agg].sort((a, b) => b[1] - a[1]).slice(0, 15).forEach(([k, t]) => console.log((t/1000).toFixed(0).padStart(5), k));
