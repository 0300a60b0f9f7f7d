import { spawn } from 'node:child_process';
import http from 'node:http';
import { Pool } from 'undici';
const srv = spawn(process.execPath, ['scratch/server.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => srv.stdout.once('data', (d) => r(Number(String(d).trim()))));
const origin = `http://127.0.0.1:${port}`;
const body = JSON.stringify({ model: 'qwen3:32b', messages: [{ role: 'system', content: 'Summarize the document.' }, { role: 'user', content: 'Report 1. The night shift drained the queue without incident. Memory stayed flat and every webhook arrived signed.' }], stream: false, options: { num_ctx: 2048, num_predict: 16 } });
const headers = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'ollama-js/0.6 (x64 linux Node.js/v20)' };
const pool = new Pool(origin, { headersTimeout: 0, bodyTimeout: 0 });
const viaRequest = async () => { const r = await pool.request({ path: '/api/chat', method: 'POST', headers, body, headersTimeout: 120000, bodyTimeout: 120000 }); return r.body.json(); };
class Collect { constructor(resolve, reject) { this.resolve = resolve; this.reject = reject; this.chunks = []; this.status = 0; }
  onConnect(abort) { this.abort = abort; } onHeaders(status, rawHeaders, resume) { this.status = status; this.rawHeaders = rawHeaders; return true; }
  onData(chunk) { this.chunks.push(chunk); return true; } onComplete() { const b = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks); this.resolve(JSON.parse(b.toString('utf8'))); }
  onError(e) { this.reject(e); } onUpgrade() {} onBodySent() {} onRequestSent() {} }
const viaDispatch = () => new Promise((resolve, reject) => pool.dispatch({ path: '/api/chat', method: 'POST', headers, body, headersTimeout: 120000, bodyTimeout: 120000 }, new Collect(resolve, reject)));
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const viaHttp = () => new Promise((resolve, reject) => { const req = http.request({ host: '127.0.0.1', port, path: '/api/chat', method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => { const parts = []; res.on('data', (d) => parts.push(d)); res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString()))); res.on('error', reject); }); req.on('error', reject); req.end(body); });
async function run(fn, n) { let i = 0; const c0 = process.cpuUsage(); const t0 = performance.now(); await Promise.all(Array.from({ length: 16 }, async () => { while (i++ < n) await fn(); })); const c = process.cpuUsage(c0); return { us: ((c.user + c.system) / n).toFixed(1), user: (c.user / n).toFixed(1), sys: (c.system / n).toFixed(1), perS: Math.round(n / ((performance.now() - t0) / 1000)) }; }
const ways = { request: viaRequest, dispatch: viaDispatch, http: viaHttp };
for (const [k, f] of Object.entries(ways)) await run(f, 5000);
for (let round = 0; round < 3; round++) for (const [k, f] of Object.entries(ways)) console.log(round, k, JSON.stringify(await run(f, 20000)));
srv.kill(); process.exit(0);
