import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The GPU states captured on a real H200 (memory held by a process: none, 50 %, 96 %). */
export const NVIDIA_SMI_STATES = ['idle', 'used-0.50', 'used-0.96'] as const;

/** One captured GPU state. */
export type NvidiaSmiState = (typeof NVIDIA_SMI_STATES)[number];

/** Ways the fake misbehaves, as real nvidia-smi does on a sick host. */
export type NvidiaSmiBrokenMode = 'garbage' | 'exit1' | 'hang';

/** Absolute path of the real H200 captures. */
export const nvidiaSmiCaptureDir = fileURLToPath(
  new URL('../fixtures/nvidia-smi-h200/', import.meta.url),
);

/**
 * Reads one capture, e.g. `readNvidiaSmiCapture('idle', 'query-gpu.noheader-nounits.csv')`.
 * Files per state: `query-gpu.csv`, `query-gpu.noheader-nounits.csv`, `compute-apps.csv`,
 * `compute-apps.noheader-nounits.csv`, `q.xml`, `txt`.
 */
export function readNvidiaSmiCapture(state: NvidiaSmiState, file: string): string {
  return readFileSync(join(nvidiaSmiCaptureDir, `${state}.${file}`), 'utf8');
}

/** Options of {@link createFakeNvidiaSmi}. */
export interface FakeNvidiaSmiOptions {
  /** State printed until `setState`. Default `idle`. */
  state?: NvidiaSmiState;
  /** Parent folder of the fake's own temporary folder. Default the OS temp folder. */
  dir?: string;
}

/** A fake `nvidia-smi` on disk. */
export interface FakeNvidiaSmi {
  /** Absolute path of the executable script: pass it as `NIGHTSHIFT_NVIDIA_SMI`. */
  binary: string;
  /** Changes what the next run prints; takes effect at once, also for running processes. */
  setState(state: NvidiaSmiState): void;
  /** `garbage`: exit 0 with non-CSV text; `exit1`: an NVML error, exit 1; `hang`: never answers. `null` heals. */
  setBroken(mode: NvidiaSmiBrokenMode | null): void;
  /**
   * Board power to print for `power.draw`, `power.draw.instant` and `power.draw.average`, W;
   * `null`: the captured value. (nvidia-smi's `--query-gpu` has no total-energy field; NVML's
   * counter is read through DCGM, see the GPU stand-in's `/metrics`.)
   */
  setPower(watts: number | null): void;
  /**
   * Links the fake to a power model (e.g. `() => gpu.power().watts` of the GPU stand-in):
   * writes its watts every `everyMs` (default 50) until the returned stop is called.
   */
  followPower(watts: () => number, everyMs?: number): () => void;
  /** How many times the script has run since it was created. */
  calls(): number;
  /** Deletes the script and its folder. */
  remove(): void;
}

/**
 * Writes an executable bash script that behaves like `nvidia-smi` on the captured H200:
 * `--query-gpu=<fields> --format=csv[,noheader][,nounits]` prints the requested columns of
 * the real capture for the current state (any subset and order of the captured fields);
 * `--query-compute-apps=…` likewise; `-q -x` the XML; no arguments the summary table;
 * `--version` the version. State and broken mode live in files next to the script.
 *
 * @example
 * const smi = createFakeNvidiaSmi({ state: 'idle' });
 * const probe = createNvidiaSmiProbe({ binary: smi.binary });
 * smi.setState('used-0.96'); // the next probe sees 96 % used
 * smi.remove();
 */
export function createFakeNvidiaSmi(options: FakeNvidiaSmiOptions = {}): FakeNvidiaSmi {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), 'fake-nvidia-smi-'));
  const binary = join(dir, 'nvidia-smi');
  // Atomic replace: a probe running concurrently reads the old or the new value, never half.
  const put = (name: string, value: string) => {
    writeFileSync(join(dir, `${name}.tmp`), value);
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
  };
  put('state', options.state ?? 'idle');
  put('broken', '');
  put('power', '');
  writeFileSync(binary, script(nvidiaSmiCaptureDir));
  chmodSync(binary, 0o755);
  return {
    binary,
    setState(state) {
      if (!NVIDIA_SMI_STATES.includes(state)) throw new Error(`unknown nvidia-smi state ${state}`);
      put('state', state);
    },
    setBroken(mode) {
      put('broken', mode ?? '');
    },
    setPower(watts) {
      put('power', watts === null ? '' : watts.toFixed(2));
    },
    followPower(watts, everyMs = 50) {
      const write = () => put('power', watts().toFixed(2));
      write();
      const timer = setInterval(write, everyMs);
      return () => clearInterval(timer);
    },
    calls() {
      try {
        return readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

// Column selection by header name, values from the header capture (with units) or the
// noheader-nounits capture, so every byte printed comes from the real GPU; the power fields
// (power.draw, .instant, .average) print the power a test set (the `power` file), else the capture's.
const AWK_SELECT = `
function ispower(name) { return name == "power.draw" || name == "power.draw.instant" || name == "power.draw.average" }
FNR == NR {
  if (FNR == 1) { for (i = 1; i <= NF; i++) { n = $i; sub(/ \\[.*\\]$/, "", n); col[n] = i; head[i] = $i } }
  else units[FNR - 1] = $0
  rows = FNR - 1; next
}
{ bare[FNR] = $0 }
END {
  n = split(q, f, ",")
  for (i = 1; i <= n; i++) if (!(f[i] in col) && !(ispower(f[i]) && ("power.draw" in col))) { print "Field \\"" f[i] "\\" is not a valid field to query."; exit 2 }
  if (!noheader) { line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? ", " : "") (ispower(f[i]) ? f[i] " [W]" : head[col[f[i]]]); print line }
  for (r = 1; r <= rows; r++) {
    split(nounits ? bare[r] : units[r], v, ", "); split(bare[r], vb, ", "); line = ""
    for (i = 1; i <= n; i++) {
      if (ispower(f[i])) { pw = watts != "" ? watts : vb[col["power.draw"]]; cell = sprintf(nounits ? "%.2f" : "%.2f W", pw) }
      else cell = v[col[f[i]]]
      line = line (i > 1 ? ", " : "") cell
    }
    print line
  }
}`;

function script(captures: string): string {
  return `#!/usr/bin/env bash
# Fake nvidia-smi from @nightshift/testkit: replays real H200 captures.
set -u
here="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
captures=${quote(captures)}
state="$(cat "$here/state" 2>/dev/null || echo idle)"
broken="$(cat "$here/broken" 2>/dev/null || true)"
watts="$(cat "$here/power" 2>/dev/null || true)"
echo "run $*" >> "$here/calls"
case "$broken" in
  garbage) printf 'NVIDIA-SMI \\x01\\x02 ???\\n<html>not,a,csv</html>\\n'; exit 0 ;;
  exit1) echo 'Failed to initialize NVML: Unknown Error'; exit 1 ;;
  hang) exec sleep 3600 ;;
esac
mode=summary; query=""; format=""; xml=0
for arg in "$@"; do
  case "$arg" in
    --query-gpu=*) mode=query-gpu; query="\${arg#--query-gpu=}" ;;
    --query-compute-apps=*) mode=compute-apps; query="\${arg#--query-compute-apps=}" ;;
    --format=*) format="\${arg#--format=}" ;;
    -q|--query) [ "$mode" = summary ] && mode=q ;;
    -x|--xml-format) xml=1 ;;
    --version) mode=version ;;
  esac
done
case "$mode" in
  summary) cat "$captures/$state.txt" ;;
  version) cat "$captures/version.txt" ;;
  q)
    if [ "$xml" = 1 ]; then cat "$captures/$state.q.xml"
    else echo 'fake nvidia-smi: only -q -x was captured' >&2; exit 2; fi ;;
  *)
    case ",$format," in *,csv,*) ;; *) echo 'Option --format=csv is required'; exit 2 ;; esac
    noheader=0; nounits=0
    case ",$format," in *,noheader,*) noheader=1 ;; esac
    case ",$format," in *,nounits,*) nounits=1 ;; esac
    exec awk -F', ' -v q="$query" -v watts="$watts" -v noheader="$noheader" -v nounits="$nounits" ${quote(AWK_SELECT)} \\
      "$captures/$state.$mode.csv" "$captures/$state.$mode.noheader-nounits.csv" ;;
esac
`;
}
