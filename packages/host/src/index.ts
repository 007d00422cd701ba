export { SystemClock } from './system-clock';
export type { SystemClockOptions, SystemTimerOptions } from './system-clock';
export { cryptoSeededRng } from './crypto-rng';
export type { SeededRngWithSeed } from './crypto-rng';
export { HostError } from './errors';
export type { HostErrorCode } from './errors';
export { TcpTransport } from './tcp/tcp-transport';
export { defaultTcpLimits } from './tcp/options';
export type { PeerAddress, PeerResolver, TcpLimits, TcpTransportOptions } from './tcp/options';
export { msgpackCodec } from './tcp/codec';
export type { FrameCodec } from './tcp/codec';
export type { Envelope } from './tcp/frame';
export type {
  PeerLinkState,
  PeerLinkStatus,
  TcpTransportCounters,
  TcpTransportStats,
} from './tcp/stats';
