export {
  ColdLaneController,
  type ColdLaneControllerOptions,
  type ColdLaneSnapshot,
} from './cold-lane-controller.ts';
export {
  type InteractiveLease,
  InteractiveTraffic,
  type InteractiveTrafficOptions,
} from './interactive-traffic.ts';
