export type { Clock, TimerHandle } from './runtime/clock';
export { SimClock } from './runtime/clock';
export type { Rng } from './runtime/rng';
export { SeededRng } from './runtime/rng';
export type {
  FaultPolicy,
  MemoryNetworkOptions,
  NetworkStats,
  NodeId,
  Transport,
} from './runtime/transport';
export { MemoryNetwork, perfectNetwork } from './runtime/transport';
