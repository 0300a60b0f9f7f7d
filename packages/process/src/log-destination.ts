import { pino } from 'pino';

/**
 * Standard output for a service's logs, written asynchronously (pino's own sonic-boom: lines
 * that arrive while a write is under way leave together in the next one), so a line never
 * blocks the event loop on a slow log reader. pino writes out what is still buffered when the
 * process exits, also through `process.exit` and uncaught errors; only a kill -9 loses it.
 *
 * @example
 * const logger = pino({ name: 'worker' }, serviceLogDestination());
 */
export function serviceLogDestination() {
  return pino.destination({ dest: 1, sync: false });
}
