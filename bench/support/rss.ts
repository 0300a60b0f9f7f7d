import { readFile } from 'node:fs/promises';

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS); NaN when gone. */
export async function rssMiB(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * Samples the RSS of some processes every `everyMs` until stopped; `stop()` returns the peak
 * and the last sample of each.
 *
 * @example
 * const sampler = sampleRss({ api: apiPid }, 50);
 * await work();
 * const { peak } = await sampler.stop();
 */
export function sampleRss(pids: Record<string, number>, everyMs = 50) {
  const peak: Record<string, number> = {};
  const last: Record<string, number> = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const [name, pid] of Object.entries(pids)) {
        const mib = await rssMiB(pid);
        last[name] = mib;
        peak[name] = Math.max(peak[name] ?? 0, mib);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { peak, last };
    },
  };
}
