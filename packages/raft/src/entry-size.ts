import type { Entry } from './types';

/**
 * Bytes an entry costs against size limits: its data plus a fixed allowance for index, term
 * and type, so that floods of empty entries are bounded too.
 */
export const ENTRY_OVERHEAD_BYTES = 16;

export function entryBytes(entry: Entry): number {
  return entry.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

export function payloadBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const e of entries) total += e.data.byteLength;
  return total;
}

/**
 * The longest prefix of `entries` whose total size stays within `maxBytes`; at least one
 * entry, so that a single oversized entry still makes progress.
 */
export function limitBytes(entries: readonly Entry[], maxBytes: number): readonly Entry[] {
  if (entries.length === 0) return entries;
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) break;
    total += entryBytes(entry);
    if (total > maxBytes && i > 0) return entries.slice(0, i);
  }
  return entries;
}
