import { SeededRng } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import type { BankOp, BankRead, BankTransfer } from './bank';
import { checkBank, checkLostUpdates, formatBankVerdict } from './bank';
import { HistoryError } from './history';
import { randomBankHistory } from './test/random-bank';

const SEEDS = 20;

function okReads(history: readonly BankOp[]): BankRead[] {
  return history.filter((op): op is BankRead => op.kind === 'read' && op.status === 'ok');
}

function replace(history: readonly BankOp[], old: BankOp, updated: BankOp): BankOp[] {
  return history.map((op) => (op === old ? updated : op));
}

function withBalances(read: BankRead, change: Record<string, number>): BankRead {
  const balances = { ...read.output!.balances };
  for (const [account, delta] of Object.entries(change)) {
    balances[account] = (balances[account] ?? 0) + delta;
  }
  return { ...read, output: { ...read.output!, balances } };
}

let nextId = 1000;
function transfer(
  from: string,
  to: string,
  readVersions: Record<string, number>,
  commitTs?: number,
): BankTransfer {
  const id = nextId++;
  return {
    id,
    clientId: 1,
    kind: 'transfer',
    input: { from, to, amount: 1 },
    output: { readVersions, ...(commitTs === undefined ? {} : { commitTs }) },
    callMs: id,
    returnMs: id + 1,
    status: 'ok',
  };
}

describe('bank snapshot invariant', () => {
  it(`accepts ${SEEDS} correct histories`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { history, accounts, total } = randomBankHistory(new SeededRng(seed));
      const verdict = checkBank(history, { accounts, total });
      expect(verdict.violations, `seed ${seed}`).toEqual([]);
      expect(verdict.readsChecked).toBeGreaterThan(50);
      expect(verdict.transfersWithVersions).toBeGreaterThan(100);
    }
  });

  it('reports a read missing one unit, and only that read', () => {
    const rng = new SeededRng(7);
    const { history, accounts, total } = randomBankHistory(rng);
    const reads = okReads(history);
    const victim = reads[rng.int(0, reads.length - 1)]!;
    const planted = withBalances(victim, { acct2: -1 });
    const verdict = checkBank(replace(history, victim, planted), { accounts, total });
    expect(verdict.result).toBe('fail');
    expect(verdict.violations).toEqual([{ kind: 'wrongTotal', op: planted, sum: total - 1 }]);
    expect(formatBankVerdict(verdict)).toContain(`read #${victim.id} c${victim.clientId}`);
    expect(formatBankVerdict(verdict)).toContain(`sum ${total - 1}, expected ${total} (-1)`);
  });

  it('reports a negative balance even when the sum is right, unless overdrafts are allowed', () => {
    const { history, accounts, total } = randomBankHistory(new SeededRng(8));
    const victim = okReads(history)[3]!;
    const amount = victim.output!.balances['acct0']! + 5;
    const planted = withBalances(victim, { acct0: -amount, acct1: amount });
    const tampered = replace(history, victim, planted);
    expect(checkBank(tampered, { accounts, total }).violations).toEqual([
      { kind: 'negativeBalance', op: planted, account: 'acct0', balance: -5 },
    ]);
    expect(checkBank(tampered, { accounts, total, allowNegative: true }).result).toBe('ok');
  });

  it('reports missing and unknown accounts', () => {
    const { history, accounts, total } = randomBankHistory(new SeededRng(9));
    const victim = okReads(history)[0]!;
    const { acct4, ...rest } = victim.output!.balances;
    const planted: BankRead = {
      ...victim,
      output: { balances: { ...rest, ghost: acct4 ?? 0 } },
    };
    const kinds = checkBank(replace(history, victim, planted), { accounts, total }).violations.map(
      (v) => v.kind,
    );
    expect(kinds).toEqual(['missingAccount', 'unexpectedAccount']);
  });

  it('ignores failed and unknown reads', () => {
    const { history, accounts, total } = randomBankHistory(new SeededRng(10));
    const victim = okReads(history)[0]!;
    const garbage = withBalances(victim, { acct0: 1000 });
    for (const status of ['fail', 'unknown'] as const) {
      const tampered = replace(history, victim, { ...garbage, status });
      expect(checkBank(tampered, { accounts, total }).result).toBe('ok');
    }
  });

  it('throws HistoryError on a transfer of nothing', () => {
    const bad = { ...transfer('a', 'b', {}), input: { from: 'a', to: 'b', amount: 0 } };
    expect(() => checkBank([bad], { accounts: ['a', 'b'], total: 0 })).toThrow(HistoryError);
  });
});

describe('lost updates', () => {
  it('accepts a chain where each writer read its predecessor', () => {
    const history = [
      transfer('a', 'b', { a: 0, b: 0 }, 5),
      transfer('a', 'c', { a: 5, c: 0 }, 7),
      transfer('b', 'a', { b: 5, a: 7 }, 9),
    ];
    expect(checkLostUpdates(history).result).toBe('ok');
  });

  it('reports two writers that read the same version, commit timestamps unknown', () => {
    const first = transfer('a', 'b', { a: 0, b: 0 });
    const second = transfer('a', 'c', { a: 0, c: 0 });
    expect(checkLostUpdates([first, second]).violations).toEqual([
      { kind: 'lostUpdate', account: 'a', readVersion: 0, overwritten: first, writer: second },
    ]);
  });

  it('reports a writer that read a version older than its predecessor, once', () => {
    const t1 = transfer('a', 'b', { a: 0, b: 0 }, 5);
    const t2 = transfer('a', 'c', { a: 5, c: 0 }, 7);
    const t3 = transfer('a', 'd', { a: 5, d: 0 }, 9); // missed t2, and read what t2 read
    const verdict = checkLostUpdates([t1, t2, t3]);
    expect(verdict.violations).toEqual([
      { kind: 'lostUpdate', account: 'a', readVersion: 5, overwritten: t2, writer: t3 },
    ]);
    expect(formatBankVerdict(verdict)).toContain(
      `lost update on "a": transfer #${t3.id} (a → d: 1 commit 9) wrote it from version 5, ` +
        `over transfer #${t2.id} (a → c: 1 commit 7) it never saw`,
    );
  });

  it('finds a lost update planted in a correct random history', () => {
    const { history, accounts, total } = randomBankHistory(new SeededRng(11));
    const writers = history
      .filter((op): op is BankTransfer => op.kind === 'transfer' && op.status === 'ok')
      .filter((op) => op.input.from === 'acct0' || op.input.to === 'acct0')
      .sort((a, b) => a.output!.commitTs! - b.output!.commitTs!);
    const [previous, victim] = [writers[10]!, writers[11]!];
    const stale = previous.output!.readVersions!['acct0']!;
    const planted: BankTransfer = {
      ...victim,
      output: {
        ...victim.output!,
        readVersions: { ...victim.output!.readVersions, acct0: stale },
      },
    };
    const verdict = checkBank(replace(history, victim, planted), { accounts, total });
    expect(verdict.violations).toEqual([
      {
        kind: 'lostUpdate',
        account: 'acct0',
        readVersion: stale,
        overwritten: previous,
        writer: planted,
      },
    ]);
  });
});
