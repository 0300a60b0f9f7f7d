import { startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import OpenAI from 'openai';
import { stackKey, startStack } from '../test/support/stack.ts';
const MODEL='qwen2:7b';
const redis = await startRedis();
const gpu = await startGpuStandIn({ engine: { stepBaseMs: Number(process.env.STEP ?? 8), stepPerSeqMs: 0.15, kvCapacityTokens: 400000, maxNumSeqs: 256 }, models: [{ name: MODEL, sizeBytes: 4.4e9 }] });
const stack = await startStack({ redisUrl: redis.url, webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', ollamaHost: gpu.url, apps: ['api'], env: { NIGHTSHIFT_UPSTREAMS: JSON.stringify([{ kind: 'openai', url: `${gpu.url}/v1`, models: [MODEL], slots: 256 }]), NIGHTSHIFT_HOT_RATE_PER_MIN: '1000000', NIGHTSHIFT_HOT_BURST: '1000000' } });
const direct = new OpenAI({ baseURL: `${gpu.url}/v1`, apiKey: 'none', maxRetries: 0 });
const gw = new OpenAI({ baseURL: `${stack.base}/openai/v1`, apiKey: stackKey, maxRetries: 0 });
async function ttft(c: OpenAI) {
  const t = performance.now();
  const s = await c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'a b c d e f g h' }], max_tokens: 8, stream: true });
  const h = performance.now() - t;
  let f = NaN;
  for await (const ch of s) if (Number.isNaN(f) && ch.choices[0]?.delta.content) f = performance.now() - t;
  return [h, f];
}
for (let i = 0; i < 10; i++) { await ttft(direct); await ttft(gw); }
const d: number[][] = [], g: number[][] = [];
for (let i = 0; i < 40; i++) { d.push(await ttft(direct)); g.push(await ttft(gw)); }

const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
console.log('direct headers', med(d.map(x=>x[0])), 'first', med(d.map(x=>x[1])));
console.log('gateway headers', med(g.map(x=>x[0])), 'first', med(g.map(x=>x[1])));
await stack.stop(); await gpu.close(); await redis.stop();
