export { FleetRegistry, type FleetRegistryOptions } from './fleet-registry.ts';
export { ModelPlacement, type ModelPlacementOptions, type Placement } from './model-placement.ts';
export { recentFleet } from './recent-fleet.ts';
export {
  type ColdServerStatus,
  coldServerStatusSchema,
  type WorkerStatus,
  workerStatusSchema,
} from './worker-status.ts';
