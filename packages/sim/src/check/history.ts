/**
 * The history model every checker reads.
 *
 * A history is what clients *observed*, nothing more. Each operation was called at `callMs` and
 * returned at `returnMs` (simulated milliseconds: the SimClock's, never the wall clock), with one
 * of three outcomes:
 *
 *   ok       the database answered; `output` is its answer and the operation took effect
 *            exactly once, at some instant in [callMs, returnMs].
 *   fail     the database answered that the operation did NOT take effect (a definite error:
 *            write conflict, CAS rejected before proposal, not-leader before proposal). The
 *            checkers treat it as if it had never been issued.
 *   unknown  no answer (timeout, crashed coordinator, connection reset after sending). The
 *            operation may have taken effect at any instant after `callMs` — even after
 *            `returnMs`, which is only when the client gave up — or never. Jepsen's "info".
 *
 * Real-time order: A precedes B iff `A.returnMs < B.callMs` (A is ok or fail). Equal times are
 * concurrent: with a millisecond clock, "returned at 5" and "called at 5" do not say which
 * came first, and calling them ordered would report bugs that are not there.
 *
 * ```
 *   client 1  |--- write(x, 1) ---|                 ok: took effect somewhere in here
 *   client 2        |----- read(x) → 1 -----|       ok
 *   client 3     |--- write(x, 2) ---- - - - - - -> unknown: anywhere after the call, or never
 *             callMs              returnMs
 * ```
 */

export type OpStatus = 'ok' | 'fail' | 'unknown';

/** The simulated client (connection) that issued an operation; one operation at a time each. */
export type ClientId = number;

/**
 * One client operation. Operation families (register, bank) are unions of `Operation`s
 * discriminated by `kind`, each adding the key or keys it touches.
 */
export interface Operation<Kind extends string, Input, Output> {
  /** Unique within the history; the recorder numbers operations in call order. Reports cite it. */
  readonly id: number;
  readonly clientId: ClientId;
  readonly kind: Kind;
  readonly input: Input;
  /** The database's answer: required when `status` is 'ok', ignored otherwise. */
  readonly output?: Output;
  readonly callMs: number;
  /** For 'unknown' operations: when the client gave up. The checkers treat it as +∞. */
  readonly returnMs: number;
  readonly status: OpStatus;
}

/** Any operation, for code that only needs the common fields. */
export type AnyOperation = Operation<string, unknown, unknown>;

export type HistoryErrorCode =
  /** Two operations share an id. */
  | 'duplicateId'
  /** A non-finite call time, or a return before the call. */
  | 'badTiming'
  /** The operation is malformed for its model (an ok read without output, a bad amount…). */
  | 'badOperation';

/**
 * A malformed history: a bug in the recorder, not in the database. Checkers throw it rather than
 * return a verdict, because any verdict on a malformed history would be meaningless.
 */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';

  constructor(
    readonly code: HistoryErrorCode,
    message: string,
    readonly opId?: number,
  ) {
    super(message);
  }
}

/** Throws HistoryError unless ids are unique and every operation's times are sane. */
export function assertWellTimed(history: readonly AnyOperation[]): void {
  const seen = new Set<number>();
  for (const op of history) {
    if (seen.has(op.id)) {
      throw new HistoryError('duplicateId', `operation id ${op.id} appears twice`, op.id);
    }
    seen.add(op.id);
    if (!Number.isFinite(op.callMs)) {
      throw new HistoryError('badTiming', `#${op.id}: callMs ${op.callMs} is not finite`, op.id);
    }
    const returnOk =
      op.status === 'unknown'
        ? !Number.isNaN(op.returnMs) && op.returnMs >= op.callMs
        : Number.isFinite(op.returnMs) && op.returnMs >= op.callMs;
    if (!returnOk) {
      throw new HistoryError(
        'badTiming',
        `#${op.id}: returnMs ${op.returnMs} before callMs ${op.callMs} (status ${op.status})`,
        op.id,
      );
    }
  }
}

/** `[10, 14] ok`, `[10, ∞) unknown`: the interval in which the operation may have taken effect. */
export function describeInterval(op: AnyOperation): string {
  switch (op.status) {
    case 'ok':
    case 'fail':
      return `[${op.callMs}, ${op.returnMs}] ${op.status}`;
    case 'unknown':
      return `[${op.callMs}, ∞) unknown`;
  }
}
