import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2])); const want = process.argv[3];
const agg = new Map(); let total = 0;
const walk = (n, stack) => {
  total += n.selfSize; const cf = n.callFrame;
  if (cf.url.includes(want) && n.selfSize) { const k = `${cf.functionName||'(anon)'}:${cf.lineNumber}:${cf.columnNumber} <- ${stack.slice(-2).join(' <- ')}`; agg.set(k, (agg.get(k) ?? 0) + n.selfSize); }
  for (const c of n.children) walk(c, [...stack, `${cf.functionName||'(anon)'}@${cf.url.split('/').pop()}:${cf.lineNumber}:${cf.columnNumber}`]);
};
walk(p.head, []);
[...agg].sort((a, b) => b[1] - a[1]).slice(0, 20).forEach(([k, v]) => console.log((v / total * 100).toFixed(2).padStart(6), '%', k));
