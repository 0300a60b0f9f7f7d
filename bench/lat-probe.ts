import { startGpuStandIn } from '@nightshift/testkit/gpu-stand-in';
import { startRedis } from '@nightshift/testkit/redis-harness';
import { stackKey, startStack } from '../test/support/stack.ts';
const MODEL='qwen2:7b';
const redis = await startRedis();
const gpu = await startGpuStandIn({ engine: { stepBaseMs: 0, stepPerSeqMs: 0, kvCapacityTokens: 400000, maxNumSeqs: 256 }, models: [{ name: MODEL, sizeBytes: 4.4e9 }] });
const stack = await startStack({ redisUrl: redis.url, webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', ollamaHost: gpu.url, apps: ['api'], env: { NIGHTSHIFT_UPSTREAMS: JSON.stringify([{ kind: 'openai', url: `${gpu.url}/v1`, models: [MODEL], slots: 256 }]), NIGHTSHIFT_HOT_RATE_PER_MIN: '1000000', NIGHTSHIFT_HOT_BURST: '1000000' } });
const h = { authorization: `Bearer ${stackKey}`, 'content-type': 'application/json' };
const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'a b c d' }], max_tokens: 4, stream: true });
async function time(f: () => Promise<unknown>, n = 300) { for (let i=0;i<50;i++) await f(); const a:number[]=[]; for (let i=0;i<n;i++){const t=performance.now(); await f(); a.push(performance.now()-t);} a.sort((x,y)=>x-y); return a[a.length>>1]; }
console.log('healthz', await time(() => fetch(`${stack.base}/healthz`).then(r => r.text())));
console.log('models', await time(() => fetch(`${stack.base}/openai/v1/models`, { headers: h }).then(r => r.text())));
console.log('direct chat stream', await time(() => fetch(`${gpu.url}/v1/chat/completions`, { method: 'POST', headers: h, body }).then(r => r.text())));
console.log('gateway chat stream', await time(() => fetch(`${stack.base}/openai/v1/chat/completions`, { method: 'POST', headers: h, body }).then(r => r.text())));
console.log('gateway chat whole', await time(() => fetch(`${stack.base}/openai/v1/chat/completions`, { method: 'POST', headers: h, body: body.replace('true','false') }).then(r => r.text())));
await stack.stop(); await gpu.close(); await redis.stop();
