import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const self = new Map(); const incl = new Map(); let total = 0;
const name = (cf) => `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm:')}:${cf.lineNumber}`;
const walk = (n, stack) => {
  const sz = n.selfSize; total += sz; const k = name(n.callFrame);
  self.set(k, (self.get(k) ?? 0) + sz);
  const chain = [...stack, k];
  for (const c of new Set(chain)) incl.set(c, (incl.get(c) ?? 0) + sz);
  for (const c of n.children) walk(c, chain);
};
walk(p.head, []);
console.log('total MB', (total / 1e6).toFixed(1));
console.log('--- self'); [...self].sort((a, b) => b[1] - a[1]).slice(0, 30).forEach(([k, v]) => console.log((v / total * 100).toFixed(1).padStart(5), '%', k));
console.log('--- inclusive'); [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, v]) => console.log((v / total * 100).toFixed(1).padStart(5), '%', k));
