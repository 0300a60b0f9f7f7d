import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { startWebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { startStack } from '../test/support/stack.ts';
import { batchToWebhook } from '../bench/support/batch-to-webhook.ts';
process.env.SERVICE_NODE_ARGS = process.env.XARGS ?? '--trace-gc';
const ollama = await startOllamaStandIn({ tokenLatencyMs: 0, parallel: 16, keepRequests: 1000 });
const receiver = await startWebhookReceiver();
const redis = await startRedis();
const stack = await startStack({ redisUrl: redis.url, webhookSecret: generateWebhookSecret(), ollamaHost: ollama.url,
  env: { NIGHTSHIFT_PROVIDER: 'ollama', NIGHTSHIFT_COLD_CONCURRENCY: '16', NIGHTSHIFT_MAX_TOKENS: '16' } });
for (let i = 0; i < 5; i++) await batchToWebhook(stack, receiver, 2000);
const before = stack.service('worker').output().length;
for (let i = 0; i < 8; i++) await batchToWebhook(stack, receiver, 2000);
const lines = stack.service('worker').output().slice(before).split('\n').filter((l) => /Scavenge|Mark-Compact|Mark-sweep/i.test(l));
let sc = 0, scms = 0, mc = 0, mcms = 0;
for (const l of lines) { const m = /, ([\d.]+) \/ ([\d.]+) ms/.exec(l); const ms = m ? +m[1] : 0; if (/Scavenge/.test(l)) { sc++; scms += ms; } else { mc++; mcms += ms; console.log(l.slice(0, 200)); } }
console.log({ scavenges: sc, scavengeMs: scms.toFixed(1), marks: mc, markMs: mcms.toFixed(1), sample: lines.slice(0, 3) });
await stack.stop(); process.exit(0);
