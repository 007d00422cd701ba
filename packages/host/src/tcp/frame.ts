/**
 * The wire format of one frame:
 *
 * ```
 *  0        4                                   4 + length
 *  ┌────────┬───────────────────────────────────┐
 *  │ length │ payload: codec({ from, message }) │
 *  │ u32 BE │ `length` bytes, 1 ≤ length ≤ max  │
 *  └────────┴───────────────────────────────────┘
 * ```
 */
export const frameHeaderBytes = 4;

/** Writes the header into the first four bytes of `frame` (the codec's headroom). */
export function writeFrameHeader(frame: Uint8Array, payloadBytes: number): void {
  new DataView(frame.buffer, frame.byteOffset, frameHeaderBytes).setUint32(0, payloadBytes);
}

export function readFrameHeader(header: Uint8Array): number {
  return new DataView(header.buffer, header.byteOffset, frameHeaderBytes).getUint32(0);
}

/** What a frame's payload decodes to. */
export interface Envelope<M> {
  readonly from: number;
  readonly message: M;
}

/** Checks the shape of a decoded payload; the message itself is checked by `isMessage`. */
export function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (!('from' in value) || !('message' in value)) return false;
  return typeof value.from === 'number' && Number.isSafeInteger(value.from);
}
