export {
  ColdLaneController,
  type ColdLaneControllerOptions,
  type ColdLaneSnapshot,
} from './cold-lane-controller.ts';
export {
  type ColdPlaceAsk,
  type ColdPlaceLease,
  ColdPlaceLeases,
  type ColdPlaceLeasesOptions,
  type ColdPlaceTake,
} from './cold-place-leases.ts';
export {
  batchingOf,
  COLD_PRIORITY,
  type ColdServer,
  type ColdSlot,
  defaultChatReserve,
  type ServerColdState,
} from './cold-servers.ts';
export {
  ConcurrencyTuner,
  type ConcurrencyTunerOptions,
  type TunerPhase,
  type TunerSignals,
} from './concurrency-tuner.ts';
export {
  type InFlightOptions,
  type InteractiveLease,
  InteractiveTraffic,
  type InteractiveTrafficOptions,
  interactiveServerKey,
  type LeaseOptions,
} from './interactive-traffic.ts';
export { ServerColdCapacity, type ServerColdCapacityOptions } from './server-cold-capacity.ts';
