import type { AnyOperation } from './history';
import { describeInterval } from './history';
import type {
  KeyFail,
  KeyUnknown,
  KeyVerdict,
  LinearizabilityVerdict,
  PendingOp,
} from './linearizability';
import type { Model } from './model';

export interface FormatOptions {
  /** How many operations of the longest prefix to print, counting back from its end. */
  readonly prefixOpsShown?: number;
}

/**
 * A linearizability verdict as plain text, for the simulator's seed report. Deterministic: the
 * same verdict prints the same lines, so a replayed seed can be compared with its report.
 *
 * ```
 * linearizability (register): FAIL — 1 of 2 keys not linearizable (19 steps)
 * key "x": FAIL — 3 ops checked, 0 dropped, 9 steps
 *   longest linearizable prefix: 1 of 3 ops
 *     #1  c1  write(1)       [0, 10] ok      → 1
 *   none of these can take effect next:
 *     #3  c3  read → 0       [20, 30] ok     rejected in state 1
 *     #2  c2  write(2)       [15, 40] ok     every continuation fails
 *   one of them had to take effect by the return of #3 (at 30)
 * ```
 */
export function formatLinearizabilityVerdict<Op extends AnyOperation, State>(
  verdict: LinearizabilityVerdict<Op, State>,
  model: Model<State, Op>,
  options: FormatOptions = {},
): string {
  const lines = [headline(verdict)];
  for (const key of verdict.keys) {
    lines.push(...formatKey(key, model, options.prefixOpsShown ?? 12));
  }
  return lines.join('\n');
}

function headline<Op, State>(verdict: LinearizabilityVerdict<Op, State>): string {
  const keys = verdict.keys.length;
  const title = `linearizability (${verdict.model})`;
  const count = (result: KeyVerdict<Op, State>['result']): number =>
    verdict.keys.filter((k) => k.result === result).length;
  switch (verdict.result) {
    case 'ok': {
      const ops = verdict.keys.reduce((sum, k) => sum + k.opsChecked, 0);
      return `${title}: ok — ${keys} keys, ${ops} ops checked (${verdict.steps} steps)`;
    }
    case 'fail':
      return `${title}: FAIL — ${count('fail')} of ${keys} keys not linearizable (${verdict.steps} steps)`;
    case 'unknown':
      return `${title}: UNKNOWN — step budget exhausted on ${count('unknown')} of ${keys} keys (${verdict.steps} steps)`;
  }
}

function formatKey<Op extends AnyOperation, State>(
  verdict: KeyVerdict<Op, State>,
  model: Model<State, Op>,
  prefixOpsShown: number,
): string[] {
  const stats = `${verdict.opsChecked} ops checked, ${verdict.opsDropped} dropped, ${verdict.steps} steps`;
  const name = `key ${JSON.stringify(verdict.key)}`;
  switch (verdict.result) {
    case 'ok':
      return []; // a passing key adds nothing worth reading to a failure report
    case 'fail':
      return [`${name}: FAIL — ${stats}`, ...explainFailure(verdict, model, prefixOpsShown)];
    case 'unknown':
      return [
        `${name}: UNKNOWN (step budget exhausted) — ${stats}`,
        ...formatPrefix(verdict, model, prefixOpsShown),
      ];
  }
}

function explainFailure<Op extends AnyOperation, State>(
  verdict: KeyFail<Op, State>,
  model: Model<State, Op>,
  prefixOpsShown: number,
): string[] {
  const last = verdict.firstToReturn;
  return [
    ...formatPrefix(verdict, model, prefixOpsShown),
    '  none of these can take effect next:',
    ...verdict.pending.map((p) => `    ${opLine(p.op, model)}  ${whyNot(p, verdict, model)}`),
    `  one of them had to take effect by the return of #${last.id} (at ${last.returnMs})`,
  ];
}

function whyNot<Op extends AnyOperation, State>(
  pending: PendingOp<Op>,
  verdict: KeyFail<Op, State>,
  model: Model<State, Op>,
): string {
  switch (pending.why) {
    case 'rejected':
      return `rejected in state ${model.describeState(verdict.stateAfterPrefix)}`;
    case 'deadEnd':
      return 'every continuation fails';
  }
}

function formatPrefix<Op extends AnyOperation, State>(
  verdict: KeyFail<Op, State> | KeyUnknown<Op, State>,
  model: Model<State, Op>,
  prefixOpsShown: number,
): string[] {
  const prefix = verdict.longestPrefix;
  const shown = prefixOpsShown > 0 ? prefix.slice(-prefixOpsShown) : [];
  const lines = [
    `  longest linearizable prefix: ${prefix.length} of ${verdict.opsChecked} ops, ending in state ${model.describeState(verdict.stateAfterPrefix)}`,
  ];
  if (shown.length < prefix.length) lines.push(`    … ${prefix.length - shown.length} earlier ops`);
  for (const step of shown) {
    lines.push(`    ${opLine(step.op, model)}  → ${model.describeState(step.stateAfter)}`);
  }
  return lines;
}

/** `#12  c3  read → 5          [100, 112] ok       `: fixed columns, so reports line up. */
export function opLine<Op extends AnyOperation, State>(op: Op, model: Model<State, Op>): string {
  return [
    `#${op.id}`.padEnd(5),
    `c${op.clientId}`.padEnd(4),
    model.describeOp(op).padEnd(28),
    describeInterval(op).padEnd(22),
  ].join(' ');
}
