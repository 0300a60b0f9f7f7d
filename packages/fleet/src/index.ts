export { FleetRegistry, type FleetRegistryOptions } from './fleet-registry.ts';
export { type WorkerStatus, workerStatusSchema } from './worker-status.ts';
