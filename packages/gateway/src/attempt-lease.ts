import type { CallAccounting } from '@nightshift/accounting';
import type { Upstream } from './upstreams.ts';

/**
 * A lease on "interactive work is running on this server", which keeps the cold work of that
 * server off its GPU meanwhile (`InteractiveTraffic` in packages/lanes).
 */
export interface InteractiveLeases {
  /** `server`: the upstream's URL; the lease ends by itself when `signal` aborts. */
  begin(
    model: string,
    options: { server: string; signal: AbortSignal },
  ): Promise<{ end(): Promise<void> }>;
}

/** What a call's GPU time and energy are charged to besides its tenant. */
export interface CallAccount {
  lane: 'hot' | 'cold';
  batchId?: string;
  documentId?: string;
}

/** One attempt's hold on its upstream: its interactive lease and its accounting. */
export interface AttemptLease {
  /**
   * Ends both. `afterLastBytes`: the call answered whole, so the lease's Redis write waits for
   * a timer, after the caller's last socket write rather than ahead of it.
   */
  end(afterLastBytes?: boolean): Promise<void>;
}

/**
 * The lease and the accounting of one attempt on `upstream`, both taken beside the upstream
 * call rather than before it (the cold lanes read the lease on their next evaluation anyway; a
 * Redis round trip would otherwise come before every first token). The lease ends by itself
 * when `signal` aborts: the caller left, the deadline passed, or the attempt was stopped.
 *
 * @example
 * const lease = attemptLease({ leases, accounting }, { tenant, model, upstream, signal });
 * // … the attempt …
 * await lease.end();
 */
export function attemptLease(
  holders: { leases: InteractiveLeases | undefined; accounting: CallAccounting | undefined },
  attempt: {
    tenant: string;
    /** What the time is charged to besides the tenant (`GatewayCall.account`). Default `hot`. */
    account: CallAccount | undefined;
    model: string;
    upstream: Upstream;
    signal: AbortSignal;
  },
): AttemptLease {
  const { account, model, upstream, signal } = attempt;
  // The attempt's interval on this upstream (GPU time and energy), registered in the background.
  const accounted = holders.accounting?.begin({
    tenant: attempt.tenant,
    lane: account?.lane ?? 'hot',
    model,
    server: upstream.id,
    slots:
      (upstream.batching ?? (upstream.kind === 'ollama' ? 'slots' : 'continuous')) === 'slots'
        ? upstream.slots
        : 0,
    batchId: account?.batchId,
    documentId: account?.documentId,
  });
  // Begun on a timer, once the upstream request has gone out: undici writes a request on a
  // kept-alive socket in the check phase of the loop (after looking at the idle socket), so
  // an immediate queued here would send this Redis write before it.
  const leasing =
    holders.leases &&
    afterTimer()
      .then(() => holders.leases?.begin(model, { server: upstream.url, signal }))
      .catch(() => undefined);
  return {
    end: async (afterLastBytes = false) => {
      accounted?.end();
      if (afterLastBytes) await afterTimer();
      await (await leasing)?.end().catch(() => {});
    },
  };
}

function afterTimer(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve));
}
