import { startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { startWebhookReceiver } from '@nightshift/testkit/webhook-receiver';
import { generateWebhookSecret } from '@nightshift/webhooks';
import { startStack } from '../test/support/stack.ts';
import { documentText } from '../bench/support/batch-to-webhook.ts';
import { until } from '../bench/support/stats.ts';
const ollama = await startOllamaStandIn({ tokenLatencyMs: 0, parallel: 16, keepRequests: 100000 });
const receiver = await startWebhookReceiver();
const redis = await startRedis();
const stack = await startStack({ redisUrl: redis.url, webhookSecret: generateWebhookSecret(), ollamaHost: ollama.url,
  env: { NIGHTSHIFT_PROVIDER: 'ollama', NIGHTSHIFT_COLD_CONCURRENCY: '16', NIGHTSHIFT_MAX_TOKENS: '16', ...JSON.parse(process.env.XENV || '{}') } });
for (let run = 0; run < 10; run++) {
  const before = receiver.deliveries.length;
  const reqBefore = ollama.requests.length;
  const t0 = Date.now();
  const { status, body } = await stack.postJson({ documents: Array.from({ length: 2000 }, (_, i) => ({ text: documentText(i) })), webhook: { url: receiver.url } });
  const t202 = Date.now();
  await until(() => receiver.deliveries.slice(before).some((d) => d.rawBody.includes(body.id)), 60000, 'wh', 2);
  const tw = Date.now();
  const reqs = ollama.requests.slice(reqBefore).filter((r: any) => r.path?.includes('chat') || true);
  const first = Math.min(...reqs.map((r: any) => r.receivedAt)); const last = Math.max(...reqs.map((r: any) => r.finishedAt ?? r.receivedAt));
  const d = receiver.deliveries.slice(before).find((d) => d.rawBody.includes(body.id))!;
  const bins = new Array(Math.ceil((tw - t0) / 25)).fill(0);
  for (const r of reqs as any[]) bins[Math.floor((r.receivedAt - t0) / 25)]++;
  if (run >= 7) console.log(bins.join(' '));
  console.log(`run ${run} status ${status} total ${tw - t0} | 202 at ${t202 - t0} | first model call ${first - t0} | last model done ${last - t0} | webhook recv ${d.receivedAt.getTime() - t0} | reqs ${reqs.length}`);
}
await stack.stop?.(); process.exit(0);
