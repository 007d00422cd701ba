/**
 * The host boundary's error class (STYLE.md §6). Operating conditions of the network — a peer
 * that is down, a connection that sends garbage, a full queue — are never thrown: they are
 * counted in `TcpTransport.stats()` because the transport contract is fire-and-forget. What is
 * thrown is what the caller must act on: a port that cannot be bound, options that make no
 * sense, a transport used after `close()`, a message the codec cannot encode (a caller's bug).
 */

export type HostErrorCode = 'LISTEN_FAILED' | 'BAD_OPTIONS' | 'CLOSED' | 'ENCODE_FAILED';

export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    readonly code: HostErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Normalises anything thrown below us (node:net throws plain Errors) into a HostError. */
  static fromUnknown(error: unknown, fallback: HostErrorCode): HostError {
    if (error instanceof HostError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new HostError(fallback, message, { cause: error });
  }
}
