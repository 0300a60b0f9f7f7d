import type { ColdPlaces, Gateway, Upstream } from '@nightshift/gateway';

/**
 * Runs one cold call of `model` in a place on one of its servers (the layer's per-server cold
 * capacity, waiting while every server of the model is full), through a view of `gateway` that
 * runs the model on that server only. With no capacity, or no server serving the model (the
 * gateway answers that), `run` gets the gateway itself.
 *
 * @example
 * await inColdPlace({ capacity, gateway, model, signal }, (g, upstream) => runBatchRequest(endpoint, body, { gateway: g, … }));
 */
export async function inColdPlace<T>(
  options: { capacity?: ColdPlaces; gateway: Gateway; model: unknown; signal?: AbortSignal },
  run: (gateway: Pick<Gateway, 'open'>, upstream: Upstream | undefined) => Promise<T>,
): Promise<T> {
  const { capacity, gateway, model, signal } = options;
  if (!capacity || typeof model !== 'string') return run(gateway, undefined);
  const serving = await gateway.pool.serving(model);
  if (serving.length === 0) return run(gateway, undefined);
  const place = await capacity.acquire(serving, signal);
  try {
    return await run(pinnedGateway(gateway, place.server), place.server);
  } finally {
    place.release();
  }
}

/** `gateway` whose calls run their asked model on `upstream` only (see `GatewayCall.pinned`). */
function pinnedGateway(gateway: Gateway, upstream: Upstream): Pick<Gateway, 'open'> {
  return { open: (call) => gateway.open({ ...call, pinned: upstream }) };
}
