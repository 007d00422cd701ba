import type { AnyOperation } from './history';

/** What `Model.step` returns when an operation cannot take effect in a state. */
export const rejected: unique symbol = Symbol('rejected');
export type Rejected = typeof rejected;

/**
 * A sequential specification for the linearizability checker (Porcupine's `Model`): the object
 * the database promises to behave like, one operation at a time. Must be pure and
 * deterministic; states are treated as immutable values.
 */
export interface Model<State, Op extends AnyOperation> {
  /** Shown in reports: "register". */
  readonly name: string;
  /**
   * The partition an operation belongs to. Operations in different partitions must touch
   * disjoint state: linearizability is compositional (Herlihy & Wing's locality), so each
   * partition is checked on its own, which keeps the search small.
   */
  partitionKey(op: Op): string;
  /** The state of a partition before any operation. */
  init(partitionKey: string): State;
  /** Why `op` is malformed for this model (e.g. an ok read without output), or null if it is not. */
  problem(op: Op): string | null;
  /**
   * True for an operation that can neither change the state nor constrain it, which the checker
   * then drops: a read whose answer was lost. Only asked for ok and unknown operations.
   */
  isInert(op: Op): boolean;
  /**
   * True for an operation that, whenever `step` accepts it, leaves the state exactly as it was
   * (a read; a cas that did not swap). The checker linearizes such an ok operation as soon as
   * the state accepts it, without branching. False is always safe; true for an operation that
   * can change some state (a write, even of the current value) makes the checker wrong.
   */
  isReadOnly(op: Op): boolean;
  /**
   * The state after `op` takes effect in `state`, or `rejected` when it cannot: an ok operation
   * whose recorded output this state would not produce. For an 'unknown' operation (no output)
   * return the state it would leave if it took effect now; returning `rejected` is allowed (and
   * prunes the search) only when taking effect now would leave the state unchanged, as for a
   * compare-and-set whose expected value does not match.
   */
  step(state: State, op: Op): State | Rejected;
  /**
   * Optional. For the operations of one partition (in history order, failed and inert ones
   * removed): for each unknown operation, a time after which its taking effect can no longer be
   * observed by any operation of the partition, so that "took effect after it" and "never took
   * effect" are the same; entries for other operations are ignored. Without it (or with +∞)
   * every unknown operation stays a candidate to the end of the history — always correct, but
   * the search then grows with the number of timeouts. A deadline that is too early makes the
   * checker report violations that are not there.
   */
  unknownDeadlines?(partitionKey: string, ops: readonly Op[]): readonly number[];
  /** A string equal for equal states and different otherwise: the memoization key. */
  stateKey(state: State): string;
  /** `read → 3`, `write(4)`, `cas(3→4) swapped`: one operation, for reports. */
  describeOp(op: Op): string;
  /** A state, for reports. */
  describeState(state: State): string;
}
