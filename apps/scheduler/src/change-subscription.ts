import { createRedis } from '@nightshift/redis';
import { scheduleKeys } from '@nightshift/schedules';

/** Options of {@link subscribeToScheduleChanges}. */
export interface ScheduleChangeSubscriptionOptions {
  redisUrl: string;
  /** Called with a schedule id each time one is created, changed or deleted. */
  onChange: (scheduleId: string) => void;
  /** Called after the connection came back: messages sent meanwhile are lost. */
  onReconnect: () => void;
  /** Where connection errors go (they would otherwise be printed as unhandled by ioredis). */
  onError: (error: Error) => void;
}

/** A live subscription to schedule changes. */
export interface ScheduleChangeSubscription {
  close(): void;
}

/**
 * Subscribes a connection of its own to the schedule change channel. It subscribes only once
 * the connection is ready: ioredis writes SUBSCRIBE at once on a connection that is still
 * between "connected" and "ready", which puts it in subscriber mode before its own ready check
 * (INFO) is sent; that check then fails with "Connection in subscriber mode" and the
 * connection is dropped and made again. The connection is never used for anything else.
 *
 * @example
 * const changes = await subscribeToScheduleChanges({ redisUrl, onChange: syncOne, onReconnect: syncAll, onError });
 * changes.close();
 */
export async function subscribeToScheduleChanges(
  options: ScheduleChangeSubscriptionOptions,
): Promise<ScheduleChangeSubscription> {
  const subscriber = createRedis(options.redisUrl, 'worker');
  subscriber.on('error', options.onError);
  subscriber.on('message', (_channel: string, id: string) => options.onChange(id));
  // Not events.once: it rejects on the first 'error', and a Redis still starting is not fatal.
  if (subscriber.status !== 'ready') {
    await new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
  }
  subscriber.on('ready', options.onReconnect);
  await subscriber.subscribe(scheduleKeys.changes);
  return { close: () => subscriber.disconnect() };
}
