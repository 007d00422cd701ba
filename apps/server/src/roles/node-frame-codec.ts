import type { NodeMessage } from '@tessera/cluster';
import { decodeNodeMessage, encodeNodeMessage } from '@tessera/cluster';
import type { FrameCodec } from '@tessera/host';

/**
 * The frame codec of the data nodes' Raft transport: the cluster package's explicit binary
 * NodeMessage format instead of msgpack (smaller, checked byte by byte on decode).
 *
 * ```
 * payload := from u32 BE · encodeNodeMessage(message)
 * ```
 */
export function nodeMessageCodec(): FrameCodec {
  return {
    encode(value, headroomBytes) {
      const { from, message } = value as { from: number; message: NodeMessage };
      if (!Number.isInteger(from) || from < 0 || from > 0xffff_ffff) {
        throw new RangeError(`nodeMessageCodec: sender ${from} is not a u32`);
      }
      const body = encodeNodeMessage(message);
      const out = new Uint8Array(headroomBytes + 4 + body.length);
      new DataView(out.buffer, out.byteOffset + headroomBytes, 4).setUint32(0, from);
      out.set(body, headroomBytes + 4);
      return out;
    },
    decode(payload) {
      if (payload.length < 4) throw new RangeError('nodeMessageCodec: frame shorter than 4 bytes');
      // A plain Uint8Array view, never a Node Buffer: decodeNodeMessage copies byte fields
      // with `slice`, which on a Buffer would return a view into the socket's read chunk.
      const plain = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      const from = new DataView(plain.buffer, plain.byteOffset, 4).getUint32(0);
      return { from, message: decodeNodeMessage(plain.subarray(4)) };
    },
  };
}
