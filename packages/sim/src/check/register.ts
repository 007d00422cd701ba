import type { Operation } from './history';
import type { Model, Rejected } from './model';
import { rejected } from './model';

/**
 * Single-key register operations: what the simulator's point reads and writes record. A key
 * that was never written (or was deleted) reads as null.
 */
export type RegisterValue = string | number;

export interface CasInput {
  readonly expected: RegisterValue | null;
  readonly value: RegisterValue;
}

/** read → the value, or null when the key holds nothing. */
export interface RegisterRead extends Operation<'read', null, RegisterValue | null> {
  readonly key: string;
}

/** write(v); its output carries nothing. */
export interface RegisterWrite extends Operation<'write', RegisterValue, null> {
  readonly key: string;
}

/**
 * cas(expected → value); output: whether it swapped. An ok cas that did not swap observed a
 * value other than `expected` (it is a read, in effect). A cas the database refused without
 * touching the key may equally be recorded as `fail`.
 */
export interface RegisterCas extends Operation<'cas', CasInput, boolean> {
  readonly key: string;
}

export type RegisterOp = RegisterRead | RegisterWrite | RegisterCas;

export type RegisterState = RegisterValue | null;

export interface RegisterModelOptions {
  /** Values held before the history starts; keys not listed start empty (null). */
  readonly initialValues?: ReadonlyMap<string, RegisterValue>;
}

/** The register model, partitioned by key. */
export function createRegisterModel(
  options: RegisterModelOptions = {},
): Model<RegisterState, RegisterOp> {
  const initial = options.initialValues ?? new Map<string, RegisterValue>();
  return {
    name: 'register',
    partitionKey: (op) => op.key,
    init: (key) => initial.get(key) ?? null,
    problem: registerProblem,
    isInert: (op) => op.kind === 'read' && op.status !== 'ok',
    isReadOnly: (op) => op.kind === 'read' || (op.kind === 'cas' && op.output === false),
    step: registerStep,
    unknownDeadlines: (key, ops) => unknownDeadlines(ops, initial.get(key) ?? null),
    stateKey: registerStateKey,
    describeOp: describeRegisterOp,
    describeState: describeRegisterValue,
  };
}

/** The register model with every key initially empty. */
export const registerModel: Model<RegisterState, RegisterOp> = createRegisterModel();

function registerStep(state: RegisterState, op: RegisterOp): RegisterState | Rejected {
  switch (op.kind) {
    case 'read':
      // Unknown reads are inert and never get here.
      return op.output === state ? state : rejected;
    case 'write':
      return op.input;
    case 'cas': {
      const matches = state === op.input.expected;
      if (op.status === 'unknown') return matches ? op.input.value : rejected;
      if (op.output === true) return matches ? op.input.value : rejected;
      return matches ? rejected : state;
    }
  }
}

/**
 * When an unknown write or cas installs value v, only these can tell that it did: an ok read of
 * v, an ok cas that swapped from v, an ok cas that did not swap because the register held
 * something other than its (reachable) expected value, and an unknown cas from v (through what
 * it installs in turn). Once the last of them has returned, installing v is unobservable, so
 * that is the operation's deadline. Cycles between unknown cas count as +∞.
 */
function unknownDeadlines(ops: readonly RegisterOp[], initialValue: RegisterState): number[] {
  const observedUntil = new Map<string, number>();
  const unknownCasFrom = new Map<string, number[]>();
  const reachable = new Set([registerStateKey(initialValue)]);
  const unswapped: { expected: string; returnMs: number }[] = [];
  const observe = (value: RegisterState, returnMs: number): void => {
    const key = registerStateKey(value);
    observedUntil.set(key, Math.max(observedUntil.get(key) ?? Number.NEGATIVE_INFINITY, returnMs));
  };
  ops.forEach((op, i) => {
    switch (op.kind) {
      case 'read':
        if (op.status === 'ok' && op.output !== undefined) observe(op.output, op.returnMs);
        break;
      case 'write':
        reachable.add(registerStateKey(op.input));
        break;
      case 'cas': {
        reachable.add(registerStateKey(op.input.value));
        const expected = registerStateKey(op.input.expected);
        if (op.status === 'unknown') {
          unknownCasFrom.set(expected, [...(unknownCasFrom.get(expected) ?? []), i]);
        } else if (op.output === true) observe(op.input.expected, op.returnMs);
        else unswapped.push({ expected, returnMs: op.returnMs });
        break;
      }
    }
  });
  const lastUnswapped = latestByDistinctExpected(
    unswapped.filter((u) => reachable.has(u.expected)),
  );

  const valueDeadline = new Map<string, number>();
  const deadlineOfValue = (key: string): number => {
    const known = valueDeadline.get(key);
    if (known !== undefined) return known;
    valueDeadline.set(key, Number.POSITIVE_INFINITY); // in progress: a cycle counts as +∞
    let deadline = observedUntil.get(key) ?? Number.NEGATIVE_INFINITY;
    const [first, second] = lastUnswapped;
    const unswappedMs = first?.expected !== key ? first?.returnMs : second?.returnMs;
    deadline = Math.max(deadline, unswappedMs ?? Number.NEGATIVE_INFINITY);
    for (const i of unknownCasFrom.get(key) ?? []) deadline = Math.max(deadline, deadlineOf(i));
    valueDeadline.set(key, deadline);
    return deadline;
  };
  const deadlineOf = (i: number): number => {
    const op = ops[i];
    if (op === undefined || op.status !== 'unknown') return Number.POSITIVE_INFINITY;
    switch (op.kind) {
      case 'read':
        return Number.POSITIVE_INFINITY; // inert, dropped before the search
      case 'write':
        return Math.max(op.callMs, deadlineOfValue(registerStateKey(op.input)));
      case 'cas':
        return Math.max(op.callMs, deadlineOfValue(registerStateKey(op.input.value)));
    }
  };
  return ops.map((_, i) => deadlineOf(i));
}

/** The latest entry, and the latest whose expected value differs from the first's. */
function latestByDistinctExpected(
  entries: readonly { expected: string; returnMs: number }[],
): { expected: string; returnMs: number }[] {
  const sorted = [...entries].sort((a, b) => b.returnMs - a.returnMs);
  const first = sorted[0];
  if (first === undefined) return [];
  const second = sorted.find((e) => e.expected !== first.expected);
  return second === undefined ? [first] : [first, second];
}

function registerProblem(op: RegisterOp): string | null {
  if (op.status !== 'ok') return null;
  switch (op.kind) {
    case 'read':
      return op.output === undefined ? 'an ok read has no output' : null;
    case 'write':
      return null;
    case 'cas':
      return typeof op.output === 'boolean' ? null : 'an ok cas has no boolean output';
  }
}

function registerStateKey(state: RegisterState): string {
  if (state === null) return '-';
  return typeof state === 'number' ? `n${state}` : `s${state}`;
}

function describeRegisterValue(value: RegisterValue | null | undefined): string {
  if (value === undefined) return '?';
  if (value === null) return 'null';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

export function describeRegisterOp(op: RegisterOp): string {
  const known = op.status === 'ok';
  switch (op.kind) {
    case 'read':
      return `read → ${known ? describeRegisterValue(op.output) : '?'}`;
    case 'write':
      return `write(${describeRegisterValue(op.input)})`;
    case 'cas': {
      const cas = `cas(${describeRegisterValue(op.input.expected)} → ${describeRegisterValue(op.input.value)})`;
      if (!known) return cas;
      return `${cas} ${op.output === true ? 'swapped' : 'not swapped'}`;
    }
  }
}
