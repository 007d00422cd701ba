import type { Socket } from 'node:net';
import type { NodeId } from '@tessera/cluster';
import type { FrameCodec } from './codec';
import { isEnvelope } from './frame';
import type { Envelope } from './frame';
import { FrameDecoder } from './frame-decoder';
import type { TcpLimits } from './options';
import type { TcpTransportCounters } from './stats';

export interface InboundDeps<M> {
  readonly codec: FrameCodec;
  readonly limits: TcpLimits;
  readonly counters: TcpTransportCounters;
  readonly isMessage: ((message: unknown) => message is M) | undefined;
  /** Hands a message to the transport's handler; false when the transport is closing. */
  readonly deliver: (from: NodeId, message: M) => boolean;
}

/**
 * Reads frames from one accepted connection and delivers them in order. Anything that is not
 * a well-formed frame — a length prefix of 0 or above the limit, a payload the codec cannot
 * read, a payload that is not `{ from, message }`, a message `isMessage` refuses — closes this
 * connection and is counted; the server and every other connection carry on. Nothing the
 * peer sends can throw out of here.
 */
export function serveInbound<M>(socket: Socket, deps: InboundDeps<M>): void {
  const { counters, limits } = deps;
  const decoder = new FrameDecoder(limits.maxFrameBytes);
  let failed = false;
  const fail = (): false => {
    failed = true;
    counters.decodeErrors++;
    socket.destroy();
    return false;
  };
  const onFrame = (payload: Uint8Array): boolean => {
    const envelope = decodeEnvelope(payload, deps);
    if (envelope === undefined) return fail();
    counters.framesIn++;
    return deps.deliver(envelope.from, envelope.message);
  };

  socket.setNoDelay(true);
  socket.setKeepAlive(true, limits.keepAliveMs);
  socket.on('data', (chunk: Buffer) => {
    if (failed || socket.destroyed) return;
    counters.bytesIn += chunk.length;
    const outcome = decoder.push(chunk, onFrame);
    switch (outcome) {
      case 'more':
        return;
      case 'stopped':
        socket.destroy(); // a bad frame (already destroyed) or the transport is closing
        return;
      case 'empty-frame':
      case 'frame-too-large':
        fail();
        return;
    }
  });
  socket.on('end', () => {
    if (!failed && decoder.pendingBytes > 0) counters.truncatedFrames++;
  });
  socket.on('error', () => {
    counters.inboundErrors++;
  });
}

function decodeEnvelope<M>(payload: Uint8Array, deps: InboundDeps<M>): Envelope<M> | undefined {
  let value: unknown;
  try {
    value = deps.codec.decode(payload);
  } catch {
    return undefined;
  }
  if (!isEnvelope(value)) return undefined;
  const { isMessage } = deps;
  if (isMessage !== undefined && !isMessage(value.message)) return undefined;
  return value as Envelope<M>;
}
