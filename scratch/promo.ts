import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { startWebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { startStack } from '../test/support/stack.ts';
import { batchToWebhook } from '../bench/support/batch-to-webhook.ts';
process.env.SERVICE_NODE_ARGS = '--trace-gc-nvp';
const ollama = await startOllamaStandIn({ tokenLatencyMs: 0, parallel: 16, keepRequests: 1000 });
const receiver = await startWebhookReceiver();
const redis = await startRedis();
const stack = await startStack({ redisUrl: redis.url, webhookSecret: generateWebhookSecret(), ollamaHost: ollama.url,
  env: { NIGHTSHIFT_PROVIDER: 'ollama', NIGHTSHIFT_COLD_CONCURRENCY: '16', NIGHTSHIFT_MAX_TOKENS: '16', NIGHTSHIFT_WORKER_HEAP_GROWTH_MIN_MB: '0', ...JSON.parse(process.env.XENV || '{}') } });
for (let i = 0; i < 4; i++) await batchToWebhook(stack, receiver, 2000);
const before = stack.service('worker').output().length;
const N = 4;
for (let i = 0; i < N; i++) await batchToWebhook(stack, receiver, 2000);
const lines = stack.service('worker').output().slice(before).split('\n');
let promoted = 0, scav = 0, mc = 0, pause = 0, mcpause = 0;
for (const l of lines) {
  const g = /gc=(\w+)/.exec(l); if (!g) continue;
  const p = /promoted=(\d+)/.exec(l); const ps = /pause=([\d.]+)/.exec(l);
  if (g[1] === 's') { scav++; promoted += Number(p?.[1] ?? 0); pause += Number(ps?.[1] ?? 0); } else { mc++; mcpause += Number(ps?.[1] ?? 0); }
}
console.log({ scavenges: scav, promotedPerDocB: Math.round(promoted / (2000 * N)), scavPauseMs: pause.toFixed(1), majors: mc, majorPauseMs: mcpause.toFixed(1) });
await stack.stop(); process.exit(0);
