import { Packr, RESERVE_START_SPACE } from 'msgpackr';

/**
 * Turns a frame's payload value (the envelope `{ from, message }`) into bytes and back.
 *
 * `encode(value, headroomBytes)` returns bytes whose first `headroomBytes` are left free for the
 * caller, which writes the frame header there — so the default codec frames without copying
 * the payload. A codec that cannot reserve space simply allocates `headroomBytes + n` bytes and
 * writes at offset `headroomBytes`.
 *
 * `decode` throws on bytes it cannot read; the transport counts that and closes the connection.
 * It must not keep references into `payload` (the buffer belongs to the socket).
 */
export interface FrameCodec {
  encode(value: unknown, headroomBytes: number): Uint8Array;
  decode(payload: Uint8Array): unknown;
}

/**
 * MessagePack through msgpackr, configured for messages between processes:
 * - `useRecords: false`: plain MessagePack maps, no shared record structures — each frame is
 *   self-describing, so a restarted peer (or one on another version) can read any frame.
 * - `copyBuffers: true`: binary fields are copied out of the socket's buffer, so a decoded
 *   `Uint8Array` does not pin (or alias) a 64 KiB read chunk.
 * - The payload is handed to msgpackr as a plain `Uint8Array` view, not a Node `Buffer`, so that
 *   binary fields come back as plain `Uint8Array` (a copy of a Buffer would be a Buffer).
 *
 * Structured clone (cycles, shared references) stays off: engine messages are trees.
 */
export function msgpackCodec(): FrameCodec {
  const packr = new Packr({ useRecords: false, copyBuffers: true });
  return {
    encode(value, headroomBytes) {
      if (!(Number.isInteger(headroomBytes) && headroomBytes >= 0 && headroomBytes <= 0xff)) {
        throw new RangeError(`msgpackCodec: headroom ${headroomBytes} outside [0, 255]`);
      }
      // The returned Buffer is a slice of msgpackr's arena that later packs never overwrite.
      return packr.pack(value, RESERVE_START_SPACE | headroomBytes);
    },
    decode(payload) {
      const plain = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      return packr.unpack(plain) as unknown;
    },
  };
}
