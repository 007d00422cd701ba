import type { Rng } from '@tessera/cluster';
import type { OpStatus } from '../history';
import type { RegisterOp, RegisterValue } from '../register';

export interface RandomRegisterOptions {
  readonly keys: number;
  readonly opsPerKey: number;
  readonly clients: number;
  /** Longest operation, in ms: the wider, the more operations overlap. */
  readonly maxDurationMs: number;
  readonly unknownRate: number;
  readonly failRate: number;
  /** Record a cas that did not swap as `fail` (Jepsen's convention) rather than ok + false. */
  readonly unswappedCasFails?: boolean;
}

export const defaultRandomRegister: RandomRegisterOptions = {
  keys: 5,
  opsPerKey: 200,
  clients: 8,
  maxDurationMs: 20,
  unknownRate: 0.03,
  failRate: 0.02,
};

/** A register operation before it has an output. */
type Unanswered<T> = T extends unknown ? Omit<T, 'output'> : never;

interface Planned {
  readonly op: Unanswered<RegisterOp>;
  /** When the operation takes effect, in (callMs, returnMs); null if it never does. */
  readonly effectMs: number | null;
}

/**
 * A history that is linearizable by construction: clients issue operations with random
 * durations, each operation takes effect at a random instant inside its interval, and a real
 * sequential register executes them in the order of those instants to produce the outputs.
 * Unknown operations take effect or not at random (unknown reads lose their answer); failed ones
 * never do. Every written value is unique: 1, 2, 3…
 */
export function randomRegisterHistory(
  rng: Rng,
  options: RandomRegisterOptions = defaultRandomRegister,
): RegisterOp[] {
  const freeAt = Array.from({ length: options.clients }, () => rng.int(0, 5));
  const recentValues = new Map<string, RegisterValue[]>();
  const planned: Planned[] = [];
  let nextValue = 1;
  for (let id = 1; id <= options.keys * options.opsPerKey; id++) {
    const clientId = earliest(freeAt);
    const key = `k${rng.int(0, options.keys - 1)}`;
    const callMs = (freeAt[clientId] ?? 0) + rng.int(0, 3);
    const returnMs = callMs + rng.int(1, options.maxDurationMs);
    freeAt[clientId] = returnMs;
    const status: OpStatus = rng.chance(options.unknownRate)
      ? 'unknown'
      : rng.chance(options.failRate)
        ? 'fail'
        : 'ok';
    const takesEffect = status === 'ok' || (status === 'unknown' && rng.chance(0.5));
    // Unknown operations may take effect after the client gave up.
    const effectEndMs = status === 'unknown' ? returnMs + options.maxDurationMs : returnMs;
    const effectMs = takesEffect ? callMs + rng.next() * (effectEndMs - callMs) : null;
    const common = { id, clientId, key, callMs, returnMs, status };
    const recent = recentValues.get(key) ?? [];
    const roll = rng.next();
    let op: Planned['op'];
    if (roll < 0.45) op = { ...common, kind: 'read', input: null };
    else if (roll < 0.8 || recent.length === 0) {
      op = { ...common, kind: 'write', input: nextValue++ };
    } else {
      const expected = rng.chance(0.1) ? null : (recent[rng.int(0, recent.length - 1)] ?? null);
      op = { ...common, kind: 'cas', input: { expected, value: nextValue++ } };
    }
    if (op.kind !== 'read') recentValues.set(key, [...recent.slice(-2), writtenValue(op)]);
    planned.push({ op, effectMs });
  }
  const history = execute(planned);
  if (options.unswappedCasFails !== true) return history;
  return history.map((op) =>
    op.kind === 'cas' && op.status === 'ok' && !op.output ? { ...op, status: 'fail' } : op,
  );
}

function writtenValue(op: Planned['op']): RegisterValue {
  switch (op.kind) {
    case 'read':
      throw new Error('a read writes nothing');
    case 'write':
      return op.input;
    case 'cas':
      return op.input.value;
  }
}

/** Runs the planned operations on a sequential register in effect order; fills in outputs. */
function execute(planned: readonly Planned[]): RegisterOp[] {
  const state = new Map<string, RegisterValue | null>();
  const outputs = new Map<number, RegisterValue | null | boolean>();
  const inEffectOrder = planned
    .filter((p) => p.effectMs !== null)
    .sort((a, b) => (a.effectMs ?? 0) - (b.effectMs ?? 0) || a.op.id - b.op.id);
  for (const { op } of inEffectOrder) {
    const current = state.get(op.key) ?? null;
    switch (op.kind) {
      case 'read':
        outputs.set(op.id, current);
        break;
      case 'write':
        state.set(op.key, op.input);
        break;
      case 'cas': {
        const { expected, value } = op.input;
        outputs.set(op.id, current === expected);
        if (current === expected) state.set(op.key, value);
        break;
      }
    }
  }
  return planned.map(({ op }) => {
    const output = outputs.get(op.id);
    if (op.status !== 'ok') return op;
    switch (op.kind) {
      case 'write':
        return op;
      case 'read':
        return { ...op, output: typeof output === 'boolean' ? null : (output ?? null) };
      case 'cas':
        return { ...op, output: output === true };
    }
  });
}

function earliest(freeAt: readonly number[]): number {
  let best = 0;
  freeAt.forEach((t, i) => {
    if (t < (freeAt[best] ?? 0)) best = i;
  });
  return best;
}
