export {
  ColdLaneController,
  type ColdLaneControllerOptions,
  type ColdLaneSnapshot,
} from './cold-lane-controller.ts';
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
