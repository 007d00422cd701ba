import type { OpStatus } from '../history';
import type { RegisterOp, RegisterValue } from '../register';

/** `[callMs, returnMs]` of a finished operation, or the call time of one left unknown. */
export type At = readonly [number, number] | number;

/**
 * Terse hand-written register histories for tests: `h.write(1, 'x', 5, [0, 10])` is client 1
 * writing 5 to x, ok, between 0 and 10; `h.write(2, 'x', 6, 3)` is a write called at 3 whose
 * outcome is unknown. Ids count from 1 in the order operations are added.
 */
export class RegisterHistory {
  readonly ops: RegisterOp[] = [];

  read(
    clientId: number,
    key: string,
    value: RegisterValue | null,
    at: At,
    status?: OpStatus,
  ): this {
    const common = this.common(clientId, key, at, status);
    const output = common.status === 'ok' ? { output: value } : {};
    this.ops.push({ ...common, kind: 'read', input: null, ...output });
    return this;
  }

  write(clientId: number, key: string, value: RegisterValue, at: At, status?: OpStatus): this {
    this.ops.push({ ...this.common(clientId, key, at, status), kind: 'write', input: value });
    return this;
  }

  cas(
    clientId: number,
    key: string,
    [expected, value]: readonly [RegisterValue | null, RegisterValue],
    swapped: boolean,
    at: At,
    status?: OpStatus,
  ): this {
    const common = this.common(clientId, key, at, status);
    const output = common.status === 'ok' ? { output: swapped } : {};
    this.ops.push({ ...common, kind: 'cas', input: { expected, value }, ...output });
    return this;
  }

  private common(clientId: number, key: string, at: At, status: OpStatus | undefined) {
    const [callMs, returnMs] = typeof at === 'number' ? [at, Number.POSITIVE_INFINITY] : at;
    const resolved: OpStatus = status ?? (typeof at === 'number' ? 'unknown' : 'ok');
    return { id: this.ops.length + 1, clientId, key, callMs, returnMs, status: resolved };
  }
}
