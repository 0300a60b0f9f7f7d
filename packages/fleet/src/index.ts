export { FleetRegistry, type FleetRegistryOptions } from './fleet-registry.ts';
export type { GpuStatus, WorkerStatus } from './worker-status.ts';
