import { pino } from 'pino';

/**
 * Standard output for a service's logs, one synchronous write per line (pino's default
 * destination). At a GPU's pace a worker logs a few lines a second, so a write each costs
 * nothing worth saving; an asynchronous destination could put the lines still in flight at
 * `process.exit` or a crash out of order, or behind the lines flushed on the way out.
 *
 * @example
 * const logger = pino({ name: 'worker' }, serviceLogDestination());
 */
export function serviceLogDestination() {
  return pino.destination({ dest: 1, sync: true });
}
