import { readFileSync } from 'node:fs';
import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { startWebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { startStack } from '../test/support/stack.ts';
import { batchToWebhook } from '../bench/support/batch-to-webhook.ts';
const ollama = await startOllamaStandIn({ tokenLatencyMs: 0, parallel: 16, keepRequests: 1000 });
const receiver = await startWebhookReceiver();
const redis = await startRedis();
const stack = await startStack({ redisUrl: redis.url, webhookSecret: generateWebhookSecret(), ollamaHost: ollama.url,
  env: { NIGHTSHIFT_PROVIDER: 'ollama', NIGHTSHIFT_COLD_CONCURRENCY: '16', NIGHTSHIFT_MAX_TOKENS: '16' } });
const pids: Record<string, number> = { worker: stack.service('worker').proc.pid!, api: stack.service('api').proc.pid!, redis: redis.pid!(), bench: process.pid };
const read = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return [k, [Number(f[11]), Number(f[12])]]; }));
const ctx = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => { const s = readFileSync(`/proc/${pid}/status`, 'utf8'); return [k, [Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)![1]), Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(s)![1])]]; }));
for (let i = 0; i < 4; i++) await batchToWebhook(stack, receiver, 2000);
const a = read(); const ca = ctx(); const N = 5; let ms = 0;
for (let i = 0; i < N; i++) ms += await batchToWebhook(stack, receiver, 2000);
const b = read(); const cb = ctx();
const docs = 2000 * N; const tick = 10; // ms per clock tick (USER_HZ 100)
console.log('docs/s', Math.round(docs / (ms / 1000)));
for (const k of Object.keys(pids)) console.log(k.padEnd(7), 'user', ((b[k][0] - a[k][0]) * tick / docs).toFixed(3), 'sys', ((b[k][1] - a[k][1]) * tick / docs).toFixed(3), 'ms/doc', ' vol ctx/doc', ((cb[k][0] - ca[k][0]) / docs).toFixed(2), 'invol', ((cb[k][1] - ca[k][1]) / docs).toFixed(2));
await stack.stop(); await redis.stop(); process.exit(0);
