import type { RegisterValue } from './register';

/**
 * "No acknowledged write lost": after the faults heal, the final value of every key must be the
 * latest acknowledged write to it, unless a write whose outcome is unknown may have superseded
 * it. Checked per key from the acknowledged writes (with commit timestamps, which order them)
 * and one final read of every key; linear in the input.
 *
 * Values should be unique per key (the simulator writes `client:seq` or a counter): with
 * repeated values an old write that reappears is indistinguishable from the latest one.
 */

/** A write the database acknowledged as committed. `null` is a delete. */
export interface AcknowledgedWrite {
  readonly key: string;
  readonly value: RegisterValue | null;
  readonly commitTs: number;
  /** The operation that made it, for reports. */
  readonly opId?: number;
}

/** A write whose outcome is unknown: it may have committed at any timestamp, or not at all. */
export interface UncertainWrite {
  readonly key: string;
  readonly value: RegisterValue | null;
  readonly opId?: number;
}

export interface AcknowledgedWritesInput {
  readonly acknowledged: readonly AcknowledgedWrite[];
  readonly uncertain?: readonly UncertainWrite[];
  /** The value of each key read after healing; a key absent here holds nothing (null). */
  readonly finalState: ReadonlyMap<string, RegisterValue | null>;
  /** Values before the history, for keys no acknowledged write touched; absent means null. */
  readonly initialState?: ReadonlyMap<string, RegisterValue | null>;
}

export type AcknowledgedWriteViolation =
  | {
      /**
       * The latest acknowledged write to `key` is not visible and no uncertain write explains
       * the value found. `foundWriter` is the older acknowledged write whose value reappeared,
       * if any.
       */
      readonly kind: 'lost';
      readonly key: string;
      readonly write: AcknowledgedWrite;
      readonly found: RegisterValue | null;
      readonly foundWriter: AcknowledgedWrite | null;
    }
  | {
      /** Two acknowledged writes to one key at one commit timestamp (MVCC allows one). */
      readonly kind: 'sameCommitTs';
      readonly key: string;
      readonly writes: readonly [AcknowledgedWrite, AcknowledgedWrite];
    }
  | {
      /** No acknowledged write to `key`, and its value comes from no write and no initial state. */
      readonly kind: 'unexplained';
      readonly key: string;
      readonly found: RegisterValue | null;
    };

export interface AcknowledgedWritesVerdict {
  readonly result: 'ok' | 'fail';
  readonly keysChecked: number;
  readonly acknowledgedWrites: number;
  /** Sorted by key. */
  readonly violations: readonly AcknowledgedWriteViolation[];
}

export function checkAcknowledgedWrites(input: AcknowledgedWritesInput): AcknowledgedWritesVerdict {
  const acknowledged = groupByKey(input.acknowledged);
  const uncertain = groupByKey(input.uncertain ?? []);
  const keys = new Set([...acknowledged.keys(), ...uncertain.keys(), ...input.finalState.keys()]);
  const violations: AcknowledgedWriteViolation[] = [];
  for (const key of [...keys].sort()) {
    const found = input.finalState.get(key) ?? null;
    const uncertainValues = new Set((uncertain.get(key) ?? []).map((w) => w.value));
    const writes = [...(acknowledged.get(key) ?? [])].sort((a, b) => a.commitTs - b.commitTs);
    const latest = writes.at(-1);
    const tie = firstTie(writes);
    if (tie !== null) violations.push({ kind: 'sameCommitTs', key, writes: tie });
    if (latest === undefined) {
      const initial = input.initialState?.get(key) ?? null;
      if (found !== initial && !uncertainValues.has(found)) {
        violations.push({ kind: 'unexplained', key, found });
      }
      continue;
    }
    if (found === latest.value || uncertainValues.has(found)) continue;
    const foundWriter = writes.findLast((w) => w.value === found) ?? null;
    violations.push({ kind: 'lost', key, write: latest, found, foundWriter });
  }
  return {
    result: violations.length === 0 ? 'ok' : 'fail',
    keysChecked: keys.size,
    acknowledgedWrites: input.acknowledged.length,
    violations,
  };
}

/** Two writes with one commit timestamp, from writes sorted by commit timestamp. */
function firstTie(
  writes: readonly AcknowledgedWrite[],
): readonly [AcknowledgedWrite, AcknowledgedWrite] | null {
  for (let i = 1; i < writes.length; i++) {
    const a = writes[i - 1];
    const b = writes[i];
    if (a !== undefined && b !== undefined && a.commitTs === b.commitTs) return [a, b];
  }
  return null;
}

function groupByKey<W extends { readonly key: string }>(writes: readonly W[]): Map<string, W[]> {
  const byKey = new Map<string, W[]>();
  for (const write of writes) {
    const list = byKey.get(write.key) ?? [];
    list.push(write);
    byKey.set(write.key, list);
  }
  return byKey;
}

/** The verdict as plain text for the seed report; deterministic. */
export function formatAcknowledgedWritesVerdict(verdict: AcknowledgedWritesVerdict): string {
  const stats = `${verdict.acknowledgedWrites} acknowledged writes over ${verdict.keysChecked} keys`;
  if (verdict.result === 'ok') return `acknowledged writes: ok — ${stats}`;
  return [
    `acknowledged writes: FAIL — ${verdict.violations.length} violations (${stats})`,
    ...verdict.violations.map((v) => `  ${describeViolation(v)}`),
  ].join('\n');
}

function describeViolation(v: AcknowledgedWriteViolation): string {
  const key = `key ${JSON.stringify(v.key)}`;
  switch (v.kind) {
    case 'lost': {
      const from =
        v.foundWriter === null ? '' : ` (the older ${describeWrite(v.foundWriter)} reappeared)`;
      return `${key}: lost ${describeWrite(v.write)}; final value ${show(v.found)}${from}`;
    }
    case 'sameCommitTs':
      return `${key}: ${describeWrite(v.writes[0])} and ${describeWrite(v.writes[1])} share a commit timestamp`;
    case 'unexplained':
      return `${key}: final value ${show(v.found)} was never written`;
  }
}

function describeWrite(w: AcknowledgedWrite): string {
  const op = w.opId === undefined ? '' : ` #${w.opId}`;
  return `write${op} of ${show(w.value)} at commit ${w.commitTs}`;
}

function show(value: RegisterValue | null): string {
  if (value === null) return 'null';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}
