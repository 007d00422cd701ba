/**
 * Tessera timestamps (RFC 0002): a positive safe integer `physicalMs * 2^12 + logical`, where
 * `physicalMs` counts milliseconds since 2025-01-01T00:00Z. Commit order, MVCC versions and
 * replica positions all use this one number, so "has this replica applied my last commit?" is
 * a plain comparison.
 */
export type Timestamp = number;

export const logicalBits = 12;
export const logicalPerMs = 1 << logicalBits;
/** 2025-01-01T00:00:00Z in Unix milliseconds. */
export const timestampEpochUnixMs = 1_735_689_600_000;
/** The largest physical part whose timestamps stay safe integers (~69 years after the epoch). */
export const maxPhysicalMs = Math.floor(Number.MAX_SAFE_INTEGER / logicalPerMs);

export function composeTimestamp(physicalMs: number, logical: number): Timestamp {
  if (!Number.isSafeInteger(physicalMs) || physicalMs < 0 || physicalMs > maxPhysicalMs) {
    throw new RangeError(`timestamp physical part out of range: ${physicalMs}`);
  }
  if (!Number.isInteger(logical) || logical < 0 || logical >= logicalPerMs) {
    throw new RangeError(`timestamp logical part out of range: ${logical}`);
  }
  return physicalMs * logicalPerMs + logical;
}

export function physicalOf(ts: Timestamp): number {
  return Math.floor(ts / logicalPerMs);
}

export function logicalOf(ts: Timestamp): number {
  return ts % logicalPerMs;
}

/** Physical milliseconds since the Tessera epoch for a Unix-epoch clock reading. */
export function physicalFromUnixMs(unixMs: number): number {
  return Math.max(0, Math.floor(unixMs) - timestampEpochUnixMs);
}
