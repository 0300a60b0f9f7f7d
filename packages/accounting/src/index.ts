export { accountingKeys, HOUR_MS, hourOf } from './accounting-keys.ts';
export {
  AccountingStore,
  type HourUsageRow,
  type ServerHourRow,
  type UsageTotals,
} from './accounting-store.ts';
export type { AccountedCall, CallAccounting, CallAttribution } from './call-attribution.ts';
export { CallLedger } from './call-ledger.ts';
export type { BookedCharge, CallCharge, CallLedgerOptions } from './call-ledger-options.ts';
export { type ColdPaceInput, coldPaceByModel, type ModelPace } from './cold-pace.ts';
export { DocumentCounts, type HashIncrements } from './document-counts.ts';
export { EnergySampler, type EnergySamplerOptions } from './energy-sampler.ts';
export {
  type EnergySamplersOptions,
  energySourceOf,
  startEnergySamplers,
} from './energy-samplers.ts';
export {
  type DcgmEnergySourceOptions,
  dcgmEnergySource,
  type EnergySource,
  type NvidiaSmiEnergySourceOptions,
  nvidiaSmiEnergySource,
  PowerIntegrator,
} from './energy-sources.ts';
export {
  type HourDocumentsRow,
  type HourPrice,
  type NightShiftInput,
  type NightShiftReport,
  nightShiftReport,
  type TenantSpan,
} from './night-shift-report.ts';
