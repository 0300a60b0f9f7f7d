export { FleetRegistry, type FleetRegistryOptions } from './fleet-registry.ts';
export { recentFleet } from './recent-fleet.ts';
export { type WorkerStatus, workerStatusSchema } from './worker-status.ts';
