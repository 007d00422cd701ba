import type { Rng } from '@tessera/cluster';
import type { BankOp, BankRead, BankTransfer } from '../bank';
import type { OpStatus } from '../history';

export interface RandomBankOptions {
  readonly accounts: number;
  readonly initialBalance: number;
  readonly ops: number;
  readonly clients: number;
  readonly unknownRate: number;
}

export const defaultRandomBank: RandomBankOptions = {
  accounts: 5,
  initialBalance: 100,
  ops: 400,
  clients: 8,
  unknownRate: 0.05,
};

interface Planned {
  readonly op: BankOp;
  readonly effectMs: number | null;
}

/**
 * A correct bank history: transactions take effect one at a time, in the order of random
 * instants inside their intervals, against real balances with versions (commit timestamps 1,
 * 2, 3… in effect order). A transfer that would overdraw fails. Unknown operations take effect
 * or not at random.
 */
export function randomBankHistory(
  rng: Rng,
  options: RandomBankOptions = defaultRandomBank,
): { history: BankOp[]; accounts: string[]; total: number } {
  const accounts = Array.from({ length: options.accounts }, (_, i) => `acct${i}`);
  const freeAt = Array.from({ length: options.clients }, () => 0);
  const planned: Planned[] = [];
  for (let id = 1; id <= options.ops; id++) {
    const clientId = id % options.clients;
    const callMs = (freeAt[clientId] ?? 0) + rng.int(0, 3);
    const returnMs = callMs + rng.int(1, 20);
    freeAt[clientId] = returnMs;
    const status: OpStatus = rng.chance(options.unknownRate) ? 'unknown' : 'ok';
    const takesEffect = status === 'ok' || rng.chance(0.5);
    const effectMs = takesEffect ? callMs + rng.next() * (returnMs + 20 - callMs) : null;
    const common = { id, clientId, callMs, returnMs, status };
    if (rng.chance(0.3)) {
      planned.push({ op: { ...common, kind: 'read', input: null }, effectMs });
      continue;
    }
    const from = rng.int(0, options.accounts - 1);
    const to = (from + rng.int(1, options.accounts - 1)) % options.accounts;
    const input = { from: `acct${from}`, to: `acct${to}`, amount: rng.int(1, 30) };
    planned.push({ op: { ...common, kind: 'transfer', input }, effectMs });
  }
  const history = execute(planned, accounts, options.initialBalance);
  return { history, accounts, total: options.accounts * options.initialBalance };
}

function execute(planned: readonly Planned[], accounts: string[], initial: number): BankOp[] {
  const balances = new Map(accounts.map((a) => [a, initial]));
  const versions = new Map(accounts.map((a) => [a, 0]));
  const results = new Map<number, BankOp>();
  let ts = 0;
  const inEffectOrder = planned
    .filter((p) => p.effectMs !== null)
    .sort((a, b) => (a.effectMs ?? 0) - (b.effectMs ?? 0) || a.op.id - b.op.id);
  for (const { op } of inEffectOrder) {
    ts++;
    switch (op.kind) {
      case 'read': {
        const read: BankRead = {
          ...op,
          output: { balances: Object.fromEntries(balances), readTs: ts },
        };
        results.set(op.id, read);
        break;
      }
      case 'transfer': {
        const { from, to, amount } = op.input;
        const fromBalance = balances.get(from) ?? 0;
        if (fromBalance < amount) {
          if (op.status === 'ok') results.set(op.id, { ...op, status: 'fail' });
          break;
        }
        const readVersions = { [from]: versions.get(from) ?? 0, [to]: versions.get(to) ?? 0 };
        balances.set(from, fromBalance - amount);
        balances.set(to, (balances.get(to) ?? 0) + amount);
        versions.set(from, ts);
        versions.set(to, ts);
        const transfer: BankTransfer = { ...op, output: { commitTs: ts, readVersions } };
        if (op.status === 'ok') results.set(op.id, transfer);
        break;
      }
    }
  }
  return planned.map(({ op }) => results.get(op.id) ?? op);
}
