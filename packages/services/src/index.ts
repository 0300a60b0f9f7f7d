export { GpuAccounting, type GpuAccountingOptions } from './gpu-accounting.ts';
export { RedisConnections, ServicesClosedError } from './redis-connections.ts';
export {
  createServices,
  Services,
  type ServicesLogger,
  type ServicesOptions,
  type WebhookServices,
} from './services.ts';
