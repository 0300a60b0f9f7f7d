import { spawn } from 'node:child_process';
import { Pool } from 'undici';
import { Ollama } from 'ollama';
import { createModelChain, createOllamaProvider, summarizeText } from '@nightshift/llm';
import { ollamaFetch } from '../packages/llm/src/ollama-fetch.ts';
import { DocumentSummarizer } from '../apps/worker/src/document-summarizer.ts';
const srv = spawn(process.execPath, ['scratch/server.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((r) => srv.stdout!.once('data', (d) => r(Number(String(d).trim()))));
const host = `http://127.0.0.1:${port}`;
const text = 'Report 1. The night shift drained the queue without incident. Memory stayed flat and every webhook arrived signed.';
const body = JSON.stringify({ model: 'qwen3:32b', messages: [{ role: 'system', content: 'Summarize the document.' }, { role: 'user', content: text }], stream: false, options: { num_ctx: 2048, num_predict: 16 } });
const headers = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'ollama-js/0.6 (x64 linux Node.js/v20)' };
const pool = new Pool(host, { headersTimeout: 0, bodyTimeout: 0 });
const provider = createOllamaProvider({ host, timeoutMs: 120000 });
const chain = createModelChain({ targets: [{ provider, model: 'qwen3:32b' }] });
const summarizer = new DocumentSummarizer({ chainFor: () => chain, numCtx: 2048, maxTokens: 16 });
const ways: Record<string, () => Promise<unknown>> = {
  undici: async () => (await pool.request({ path: '/api/chat', method: 'POST', headers, body })).body.json(),
  ollamaClient: () => new Ollama({ host, fetch: ollamaFetch({ timeoutMs: 120000 }) }).chat({ model: 'qwen3:32b', messages: [{ role: 'system', content: 'Summarize the document.' }, { role: 'user', content: text }], stream: false, options: { num_ctx: 2048, num_predict: 16 } }),
  provider: () => provider.complete({ model: 'qwen3:32b', system: 'Summarize the document.', prompt: text, numCtx: 2048, maxTokens: 16 }),
  chain: () => chain.complete({ system: 'Summarize the document.', prompt: text, numCtx: 2048, maxTokens: 16 }),
  summarizeText: () => summarizeText({ text, chain, numCtx: 2048, maxTokens: 16 }),
  documentSummarizer: () => summarizer.summarize({ content: { kind: 'text', text }, model: 'qwen3:32b', summary: {}, shouldYield: () => false, onCheckpoint: async () => {} }),
};
async function run(fn: () => Promise<unknown>, n: number) { let i = 0; const c0 = process.cpuUsage(); await Promise.all(Array.from({ length: 16 }, async () => { while (i++ < n) await fn(); })); const c = process.cpuUsage(c0); return { us: +((c.user + c.system) / n).toFixed(1), user: +(c.user / n).toFixed(1) }; }
for (const f of Object.values(ways)) await run(f, 4000);
const res: Record<string, number[]> = {};
for (let round = 0; round < 4; round++) for (const [k, f] of Object.entries(ways)) (res[k] ??= []).push((await run(f, 10000)).us);
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(20), v.join(' '), ' median', v.sort((a, b) => a - b)[Math.floor(v.length / 2)]);
srv.kill(); process.exit(0);
