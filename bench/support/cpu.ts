import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`: 100 on Linux). */
const ticksPerSecond = 100;

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; NaN when
 * the process is gone or /proc is not there.
 *
 * @example
 * const before = cpuMs(pid); await work(); const spent = cpuMs(pid) - before;
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time of several processes between `start()` and `stop()`, per unit of work.
 *
 * @example
 * const meter = cpuMeter({ worker: workerPid, redis: redisPid });
 * await run2000Documents();
 * meter.perUnit(2000); // { worker: 0.3, redis: 0.1 } ms per document
 */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const start = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? Number.NaN : cpuMs(pid)]),
  );
  return {
    perUnit(units: number): Record<string, number> {
      return Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [
          name,
          pid === undefined ? Number.NaN : (cpuMs(pid) - (start[name] ?? Number.NaN)) / units,
        ]),
      );
    },
  };
}
