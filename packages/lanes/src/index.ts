export {
  ColdLaneController,
  type ColdLaneControllerOptions,
  type ColdLaneSnapshot,
} from './cold-lane-controller.ts';
