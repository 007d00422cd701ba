import { frameHeaderBytes, readFrameHeader } from './frame';

/**
 * Why `push` stopped:
 * - `more`: every complete frame was handed out; the rest is buffered until the next chunk;
 * - `stopped`: the consumer's `onFrame` returned false (it is closing the connection);
 * - `empty-frame` / `frame-too-large`: the length prefix is invalid; the stream cannot be
 *   resynchronised, the decoder is dead and the connection must be closed.
 */
export type DecodeOutcome = 'more' | 'stopped' | 'empty-frame' | 'frame-too-large';

/**
 * Splits a byte stream into frames: copes with a frame split over many chunks and with many
 * frames in one chunk. A length prefix is judged as soon as its four bytes are in, so a peer
 * that announces a huge frame is refused before anything is buffered for it. Memory held is
 * bounded by `maxFrameBytes + frameHeaderBytes + one chunk`.
 *
 * Chunks are kept as a list and a payload that spans several is copied once when it is
 * complete (linear in its size); a payload inside one chunk is a zero-copy view of it.
 */
export class FrameDecoder {
  private readonly chunks: Uint8Array[] = [];
  /** Read position inside `chunks[0]`. */
  private headOffset = 0;
  private buffered = 0;
  /** Length of the payload being assembled, once its header has been read. */
  private payloadBytes: number | undefined;
  private dead = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet handed out as a frame (a partial frame when non-zero). */
  get pendingBytes(): number {
    return this.buffered + (this.payloadBytes === undefined ? 0 : frameHeaderBytes);
  }

  push(chunk: Uint8Array, onFrame: (payload: Uint8Array) => boolean): DecodeOutcome {
    if (this.dead) throw new Error('FrameDecoder: push after a bad frame');
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.payloadBytes === undefined) {
        if (this.buffered < frameHeaderBytes) return 'more';
        const length = readFrameHeader(this.take(frameHeaderBytes));
        if (length === 0 || length > this.maxFrameBytes) {
          this.dead = true;
          return length === 0 ? 'empty-frame' : 'frame-too-large';
        }
        this.payloadBytes = length;
      }
      if (this.buffered < this.payloadBytes) return 'more';
      const payload = this.take(this.payloadBytes);
      this.payloadBytes = undefined;
      if (!onFrame(payload)) return 'stopped';
    }
  }

  /** Removes `n <= buffered` bytes from the front. */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.headOffset >= n) {
      const view = first.subarray(this.headOffset, this.headOffset + n);
      this.advance(first, n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      if (chunk === undefined) throw new Error('FrameDecoder: buffered count out of step');
      const count = Math.min(chunk.length - this.headOffset, n - filled);
      out.set(chunk.subarray(this.headOffset, this.headOffset + count), filled);
      filled += count;
      this.advance(chunk, count);
    }
    return out;
  }

  private advance(chunk: Uint8Array, n: number): void {
    this.headOffset += n;
    if (this.headOffset === chunk.length) {
      this.chunks.shift();
      this.headOffset = 0;
    }
  }
}
