/** A pending delete inside a batch or an engine's overlay of not-yet-committed writes. */
export const tombstone = null;
export type BatchValue = Uint8Array | typeof tombstone;
