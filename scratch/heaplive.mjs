import inspector from 'node:inspector';
import fs from 'node:fs';
const s = new inspector.Session(); s.connect();
const post = (m, p) => new Promise((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
setTimeout(async () => {
  await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: false, includeObjectsCollectedByMinorGC: false });
  setTimeout(async () => {
    const { profile } = await post('HeapProfiler.stopSampling');
    fs.writeFileSync(`/tmp/heapsample-${process.pid}.json`, JSON.stringify(profile));
  }, Number(process.env.HS_MS ?? 2500)).unref();
}, Number(process.env.HS_DELAY ?? 4000)).unref();
