import { Bitset } from './bitset';
import type { AnyOperation } from './history';
import { assertWellTimed, HistoryError } from './history';
import type { Model } from './model';
import { rejected } from './model';

/**
 * Linearizability checking by the Wing & Gong / Lowe algorithm, as Porcupine implements it:
 * a depth-first search for a linearization over a doubly linked list of call and return
 * events, memoizing every (set of linearized operations, model state) pair already explored so
 * that no configuration is searched twice. The history is first partitioned by the model's
 * key (P-compositionality) and each partition is searched on its own, under a step budget.
 *
 * ```
 *   events, by time:  c1  c2  c3  r1  c4  r2  r3  r4        (cN = call of op N, rN = its return)
 *                    └─ candidates ─┘
 * ```
 * At each point the candidates are the calls before the first return still in the list: any of
 * them may be linearized next. Linearizing one removes its call and return ("lift"); reaching a
 * return means its operation should have been linearized already, so the search backtracks.
 *
 * Unknown operations may be linearized at any point after their call, or never. Their return
 * is at +∞, or at the deadline the model gives (`Model.unknownDeadlines`): the last moment their
 * effect could still be observed. Reaching an unknown operation's return drops it (it never
 * took effect); reaching a +∞ return means only such operations remain: linearizable.
 *
 * Three refinements over plain WGL keep wide or long histories cheap, all exact:
 * - an ok read-only operation is linearized as soon as the state allows it, without branching
 *   (see `FrameKind`);
 * - unknown operations stop being candidates after their deadline instead of staying
 *   candidates to the end of the history, which is what blows up searches with many timeouts;
 * - candidates are tried ok-before-unknown, earliest return first (see `preferred`), rather
 *   than in call order.
 */

export interface LinearizabilityOptions {
  /**
   * Search steps (loop iterations) allowed per partition before that partition's verdict is
   * 'unknown'. A step costs about a microsecond (more on partitions of thousands of
   * operations, whose memoization keys are longer), so the default bounds one key to a second
   * or two.
   */
  readonly stepBudgetPerKey?: number;
}

export const defaultStepBudgetPerKey = 1_000_000;

/** One operation of a linearization, with the model state it left. */
export interface LinearizedOp<Op, State> {
  readonly op: Op;
  readonly stateAfter: State;
}

/**
 * An operation that could have been linearized next after the longest prefix, and why that
 * does not work: the model refuses it in that state, or it is accepted but every continuation
 * from there fails.
 */
export interface PendingOp<Op> {
  readonly op: Op;
  readonly why: 'rejected' | 'deadEnd';
}

interface KeyVerdictCommon {
  readonly key: string;
  /** Operations searched: ok ones, and unknown ones that may matter. */
  readonly opsChecked: number;
  /** Operations dropped before the search: failed ones, and inert ones (unanswered reads). */
  readonly opsDropped: number;
  readonly steps: number;
}

export interface KeyOk extends KeyVerdictCommon {
  readonly result: 'ok';
}

/** No linearization exists. The explanation is the search's furthest point. */
export interface KeyFail<Op, State> extends KeyVerdictCommon {
  readonly result: 'fail';
  /** The longest sequence of operations the search could linearize (one of them, if several). */
  readonly longestPrefix: readonly LinearizedOp<Op, State>[];
  readonly stateAfterPrefix: State;
  /** The operations that could go next after that prefix, none of which leads anywhere. */
  readonly pending: readonly PendingOp<Op>[];
  /** The pending operation that returns first: it had to be linearized by then, and cannot be. */
  readonly firstToReturn: Op;
}

/** The step budget ran out: the history may or may not be linearizable. */
export interface KeyUnknown<Op, State> extends KeyVerdictCommon {
  readonly result: 'unknown';
  readonly longestPrefix: readonly LinearizedOp<Op, State>[];
  readonly stateAfterPrefix: State;
}

export type KeyVerdict<Op, State> = KeyOk | KeyFail<Op, State> | KeyUnknown<Op, State>;

export interface LinearizabilityVerdict<Op, State> {
  /** 'fail' if any key fails; otherwise 'unknown' if any key ran out of budget; else 'ok'. */
  readonly result: 'ok' | 'fail' | 'unknown';
  readonly model: string;
  /** One verdict per key, sorted by key. */
  readonly keys: readonly KeyVerdict<Op, State>[];
  readonly steps: number;
}

/**
 * Checks that `history` is linearizable with respect to `model`. Pure and deterministic: the
 * same history always gives the same verdict, explanation and step count. Throws HistoryError
 * when the history is malformed.
 */
export function checkLinearizability<Op extends AnyOperation, State>(
  history: readonly Op[],
  model: Model<State, Op>,
  options: LinearizabilityOptions = {},
): LinearizabilityVerdict<Op, State> {
  assertWellTimed(history);
  const budget = options.stepBudgetPerKey ?? defaultStepBudgetPerKey;
  const partitions = new Map<string, { ops: Op[]; dropped: number }>();
  for (const op of history) {
    if (op.status !== 'fail') {
      const problem = model.problem(op);
      if (problem !== null) throw new HistoryError('badOperation', `#${op.id}: ${problem}`, op.id);
    }
    const key = model.partitionKey(op);
    let partition = partitions.get(key);
    if (partition === undefined) {
      partition = { ops: [], dropped: 0 };
      partitions.set(key, partition);
    }
    if (op.status === 'fail' || model.isInert(op)) partition.dropped++;
    else partition.ops.push(op);
  }

  const keys: KeyVerdict<Op, State>[] = [];
  let steps = 0;
  for (const key of [...partitions.keys()].sort()) {
    const partition = partitions.get(key);
    if (partition === undefined) continue;
    const verdict = new PartitionSearch(key, partition.ops, partition.dropped, model).run(budget);
    steps += verdict.steps;
    keys.push(verdict);
  }
  const result = keys.some((k) => k.result === 'fail')
    ? 'fail'
    : keys.some((k) => k.result === 'unknown')
      ? 'unknown'
      : 'ok';
  return { result, model: model.name, keys, steps };
}

/** The keys that failed, in key order. */
export function failedKeys<Op, State>(
  verdict: LinearizabilityVerdict<Op, State>,
): readonly KeyFail<Op, State>[] {
  return verdict.keys.filter((k): k is KeyFail<Op, State> => k.result === 'fail');
}

/** A call or return event in the search's linked list; the list head has `opIndex` -1. */
interface EventNode {
  readonly opIndex: number;
  readonly isCall: boolean;
  /** The other event of the same operation (call ↔ return); null only on the head. */
  match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

interface TimedEvent {
  readonly time: number;
  readonly isCall: boolean;
  readonly opIndex: number;
}

/** Calls before returns at equal times (so touching intervals overlap), then by op order. */
function compareEvents(a: TimedEvent, b: TimedEvent): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.isCall !== b.isCall) return a.isCall ? -1 : 1;
  return a.opIndex - b.opIndex;
}

/**
 * How an operation left the pending list, on the search stack:
 * - choice: linearized here, one alternative among the candidates; backtracking tries the next.
 * - forced: an ok read-only operation (`Model.isReadOnly`), linearized as soon as the state
 *   accepts it. If any linearization exists, one exists with it here (moving an operation that
 *   changes no state earlier changes no other operation's state), so backtracking does not try
 *   alternatives to it. Not so for a write of the current value: later, it could change the
 *   state — the brute-force oracle test caught exactly that.
 * - dropped: an unknown operation past its deadline, i.e. one that never took effect.
 */
type FrameKind = 'choice' | 'forced' | 'dropped';

interface Frame<State> {
  readonly kind: FrameKind;
  readonly call: EventNode;
  readonly before: State;
  readonly beforeKey: string;
  readonly after: State;
}

interface Candidate<State> {
  readonly call: EventNode;
  readonly after: State;
  readonly afterKey: string;
}

class PartitionSearch<Op extends AnyOperation, State> {
  private readonly head: EventNode = {
    opIndex: -1,
    isCall: false,
    match: null,
    prev: null,
    next: null,
  };
  /** Per op: when it must have taken effect (+∞ for unknown ops without a finite deadline). */
  private readonly returnTime: number[];
  /** Per op: position of its call and return in time order, for the explanation. */
  private readonly callPos: number[] = [];
  private readonly returnPos: number[] = [];

  private readonly done: Bitset;
  private readonly explored = new Set<string>();
  private readonly frames: Frame<State>[] = [];
  private best: readonly Frame<State>[] = [];
  private state: State;
  private stateKey: string;

  constructor(
    private readonly key: string,
    private readonly ops: readonly Op[],
    private readonly dropped: number,
    private readonly model: Model<State, Op>,
  ) {
    const deadlines = model.unknownDeadlines?.(key, ops);
    this.returnTime = ops.map((op, i) =>
      op.status === 'unknown'
        ? Math.max(op.callMs, deadlines?.[i] ?? Number.POSITIVE_INFINITY)
        : op.returnMs,
    );
    this.done = new Bitset(ops.length);
    this.state = model.init(key);
    this.stateKey = model.stateKey(this.state);
    this.buildList();
  }

  private buildList(): void {
    const events: TimedEvent[] = [];
    this.ops.forEach((op, opIndex) => {
      events.push({ time: op.callMs, isCall: true, opIndex });
      events.push({ time: this.returnTime[opIndex] ?? op.returnMs, isCall: false, opIndex });
    });
    events.sort(compareEvents);
    const calls = new Map<number, EventNode>();
    let last = this.head;
    events.forEach((event, position) => {
      const node: EventNode = {
        opIndex: event.opIndex,
        isCall: event.isCall,
        match: null,
        prev: last,
        next: null,
      };
      last.next = node;
      last = node;
      if (event.isCall) {
        calls.set(event.opIndex, node);
        this.callPos[event.opIndex] = position;
      } else {
        const call = calls.get(event.opIndex);
        if (call !== undefined) {
          call.match = node;
          node.match = call;
        }
        this.returnPos[event.opIndex] = position;
      }
    });
  }

  /**
   * The search. Walks the candidates (calls before the first return still in the list): an ok
   * read-only one that the state accepts is taken at once (forced); otherwise the preferred
   * unexplored one is taken when the walk reaches the first return. With none left, an unknown
   * operation whose deadline that return is gets dropped; anything else backtracks.
   */
  run(budget: number): KeyVerdict<Op, State> {
    const { head, model } = this;
    let steps = 0;
    let node = head.next;
    let choice: Candidate<State> | null = null;
    while (node !== null) {
      if (steps >= budget) return this.verdict('unknown', steps);
      steps++;
      const opIndex = node.opIndex;
      if (node.isCall) {
        const op = this.opAt(opIndex);
        const after = model.step(this.state, op);
        if (after !== rejected) {
          const afterKey = model.stateKey(after);
          if (op.status === 'ok' && model.isReadOnly(op) && afterKey === this.stateKey) {
            choice = null;
            if (this.enter('forced', { call: node, after, afterKey })) {
              node = head.next;
              continue;
            }
            node = this.backtrack();
            if (node === null) return this.verdict('fail', steps);
            continue;
          }
          if (
            (choice === null || this.preferred(opIndex, choice.call.opIndex)) &&
            !this.explored.has(this.configuration(opIndex, afterKey))
          ) {
            choice = { call: node, after, afterKey };
          }
        }
        node = node.next;
        continue;
      }
      // `node` is the first return still in the list: take the choice found on the way, or
      // drop the returning unknown operation, or backtrack.
      let entered = false;
      if (choice !== null) {
        entered = this.enter('choice', choice); // unexplored when picked, nothing entered since
        choice = null;
      } else if (this.opAt(opIndex).status === 'unknown' && node.match !== null) {
        // Only unknown operations that may take effect forever remain: they never do.
        if (this.returnTime[opIndex] === Number.POSITIVE_INFINITY) break;
        entered = this.enter('dropped', {
          call: node.match,
          after: this.state,
          afterKey: this.stateKey,
        });
      }
      if (entered) {
        node = head.next;
        continue;
      }
      node = this.backtrack();
      if (node === null) return this.verdict('fail', steps);
    }
    return this.verdict('ok', steps);
  }

  /**
   * Which of two candidates to try first: an ok operation before an unknown one (which may as
   * well never take effect), then the one that returns first (it must be linearized soonest).
   * Any order is correct; this one makes linearizable histories cheap to confirm.
   */
  private preferred(a: number, b: number): boolean {
    const aOk = this.opAt(a).status === 'ok';
    if (aOk !== (this.opAt(b).status === 'ok')) return aOk;
    return (this.returnTime[a] ?? 0) < (this.returnTime[b] ?? 0);
  }

  /** The memoization key of the current configuration with one more operation done. */
  private configuration(opIndex: number, afterKey: string): string {
    this.done.add(opIndex);
    const key = this.done.key() + afterKey;
    this.done.delete(opIndex);
    return key;
  }

  /** Takes `candidate` off the pending list; false if that configuration was already explored. */
  private enter(kind: FrameKind, candidate: Candidate<State>): boolean {
    const { call, after, afterKey } = candidate;
    const configuration = this.configuration(call.opIndex, afterKey);
    if (this.explored.has(configuration)) return false;
    this.explored.add(configuration);
    this.done.add(call.opIndex);
    this.frames.push({ kind, call, before: this.state, beforeKey: this.stateKey, after });
    this.state = after;
    this.stateKey = afterKey;
    lift(call);
    if (this.frames.length > this.best.length) this.best = this.frames.slice();
    return true;
  }

  /**
   * Undoes frames up to and including the latest choice; returns where the walk resumes, or
   * null when no choice is left: not linearizable.
   */
  private backtrack(): EventNode | null {
    for (let frame = this.frames.pop(); frame !== undefined; frame = this.frames.pop()) {
      this.state = frame.before;
      this.stateKey = frame.beforeKey;
      this.done.delete(frame.call.opIndex);
      unlift(frame.call);
      // Resume from the first candidate: those already tried are now explored.
      if (frame.kind === 'choice') return this.head.next;
    }
    return null;
  }

  private verdict(result: KeyVerdict<Op, State>['result'], steps: number): KeyVerdict<Op, State> {
    const common = {
      key: this.key,
      opsChecked: this.ops.length,
      opsDropped: this.dropped,
      steps,
    };
    switch (result) {
      case 'ok':
        return { ...common, result };
      case 'unknown':
        return { ...common, result, ...this.longestPrefix() };
      case 'fail':
        return { ...common, result, ...this.explain() };
    }
  }

  private opAt(opIndex: number): Op {
    const op = this.ops[opIndex];
    if (op === undefined) throw new Error(`linearizability: no operation at index ${opIndex}`);
    return op;
  }

  private longestPrefix(): {
    longestPrefix: LinearizedOp<Op, State>[];
    stateAfterPrefix: State;
  } {
    const longestPrefix = this.best
      .filter((frame) => frame.kind !== 'dropped')
      .map((frame) => ({ op: this.opAt(frame.call.opIndex), stateAfter: frame.after }));
    const stateAfterPrefix = this.best.at(-1)?.after ?? this.model.init(this.key);
    return { longestPrefix, stateAfterPrefix };
  }

  /** Rebuilds, from the longest prefix, which operations could go next and why none does. */
  private explain(): Omit<KeyFail<Op, State>, keyof KeyVerdictCommon | 'result'> {
    const { longestPrefix, stateAfterPrefix } = this.longestPrefix();
    const done = new Set(this.best.map((frame) => frame.call.opIndex));
    const remaining = this.ops.map((_, i) => i).filter((i) => !done.has(i));
    const position = (positions: number[], i: number): number => positions[i] ?? 0;
    const owed = remaining.filter((i) => this.opAt(i).status === 'ok');
    let firstToReturn = owed[0] ?? 0;
    for (const i of owed) {
      if (position(this.returnPos, i) < position(this.returnPos, firstToReturn)) firstToReturn = i;
    }
    const deadline = position(this.returnPos, firstToReturn);
    const pending = remaining
      .filter((i) => position(this.callPos, i) < deadline)
      .map((i): PendingOp<Op> => {
        const op = this.opAt(i);
        const why = this.model.step(stateAfterPrefix, op) === rejected ? 'rejected' : 'deadEnd';
        return { op, why };
      });
    return { longestPrefix, stateAfterPrefix, pending, firstToReturn: this.opAt(firstToReturn) };
  }
}

/** Removes a call and its return from the list (the operation is done). */
function lift(call: EventNode): void {
  unlink(call);
  if (call.match !== null) unlink(call.match);
}

/** Undoes `lift`, in reverse order, so every node finds its neighbours as it left them. */
function unlift(call: EventNode): void {
  if (call.match !== null) relink(call.match);
  relink(call);
}

function unlink(node: EventNode): void {
  if (node.prev !== null) node.prev.next = node.next;
  if (node.next !== null) node.next.prev = node.prev;
}

function relink(node: EventNode): void {
  if (node.prev !== null) node.prev.next = node;
  if (node.next !== null) node.next.prev = node;
}
