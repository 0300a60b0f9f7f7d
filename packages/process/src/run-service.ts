import { type Config, ConfigError, deprecationsIn, loadConfig } from '@nightshift/core';
import { type Logger, pino } from 'pino';
import { limitHeapGrowth } from './heap-growth.ts';
import { serviceLogDestination } from './log-destination.ts';

/** What a service's start function hands back: how to drain and stop it. */
export interface RunningService {
  stop(): Promise<void>;
}

/** How long a graceful stop may take by default; deploy manifests size their grace periods on it. */
export const defaultDrainTimeoutMs = 30_000;

/** Options of {@link runService}. */
export interface RunServiceOptions {
  /** Longest a graceful stop may take before the process exits anyway. Default 30 s. */
  drainTimeoutMs?: number;
  /** Environment to read the configuration from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * One warning line per deprecated variable `env` sets, naming what replaces it (the value is
 * still read).
 *
 * @example
 * logDeprecations(process.env, logger); // {"variable":"NIGHTSHIFT_TIMEOUT_S","replacement":"NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S","msg":"deprecated variable: NIGHTSHIFT_TIMEOUT_S is still read; use NIGHTSHIFT_GATEWAY_READ_TIMEOUT_S"}
 */
export function logDeprecations(env: Record<string, string | undefined>, logger: Logger): void {
  for (const { variable, replacement } of deprecationsIn(env))
    logger.warn(
      { variable, replacement },
      `deprecated variable: ${variable} is still read; use ${replacement}`,
    );
}

/**
 * Owns a service process: reads the configuration contract (a bad value exits 2 naming the
 * variable), bounds V8's heap growth (`NIGHTSHIFT_HEAP_GROWTH_PERCENT`), makes a JSON logger, starts the service, and on SIGTERM/SIGINT drains it within
 * the grace period before exiting.
 *
 * @example
 * await runService('notifier', (config, logger) => startNotifier(config, logger));
 */
export async function runService(
  name: string,
  start: (config: Config, logger: Logger) => Promise<RunningService>,
  options: RunServiceOptions = {},
): Promise<void> {
  let config: Config;
  const env = options.env ?? process.env;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(2);
  }
  limitHeapGrowth(config.NIGHTSHIFT_HEAP_GROWTH_PERCENT);
  const logger = pino({ name, level: config.NIGHTSHIFT_LOG_LEVEL }, serviceLogDestination());
  logDeprecations(env, logger);
  let service: RunningService;
  try {
    service = await start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${name} could not start`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    const force = setTimeout(() => {
      logger.error('drain took too long; exiting');
      process.exit(1);
    }, options.drainTimeoutMs ?? defaultDrainTimeoutMs);
    force.unref();
    await service.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
