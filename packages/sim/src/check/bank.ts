import type { Operation } from './history';
import { assertWellTimed, describeInterval, HistoryError } from './history';

/**
 * The bank workload: money moves between accounts by transfers, each one snapshot-isolation
 * transaction (read both balances, write both), while snapshot reads take every balance at
 * once. Whatever the interleaving, a consistent snapshot sees the constant total.
 *
 * Two checks, both cheap (linear or n log n):
 * - every ok snapshot read sums to the total, covers exactly the accounts, and (unless
 *   overdrafts are allowed) holds no negative balance;
 * - no lost update between ok transfers, when the recorder captured which version of each
 *   account a transfer read (see `checkLostUpdates`).
 *
 * This is not Elle: it builds no dependency graph and finds no G-single, G2 or write skew
 * beyond what these two invariants expose.
 */

export interface TransferInput {
  readonly from: string;
  readonly to: string;
  /** Positive. */
  readonly amount: number;
}

export interface TransferOutput {
  /** The transaction's commit timestamp, when the client learned it. */
  readonly commitTs?: number;
  /**
   * For each account the transfer read, the version it read: the commit timestamp of the
   * transaction that wrote that balance (0 for the initial balance).
   */
  readonly readVersions?: Readonly<Record<string, number>>;
}

export interface SnapshotReadOutput {
  readonly balances: Readonly<Record<string, number>>;
  /** The snapshot's timestamp, when known. Reports only. */
  readonly readTs?: number;
}

export type BankTransfer = Operation<'transfer', TransferInput, TransferOutput>;
export type BankRead = Operation<'read', null, SnapshotReadOutput>;
export type BankOp = BankTransfer | BankRead;

export interface BankOptions {
  /** Every account, each present in every snapshot read. */
  readonly accounts: readonly string[];
  /** The sum of all balances, constant across transfers. */
  readonly total: number;
  /** True when transfers may overdraw; otherwise a negative balance is a violation. */
  readonly allowNegative?: boolean;
}

export type BankViolation =
  | { readonly kind: 'wrongTotal'; readonly op: BankRead; readonly sum: number }
  | {
      readonly kind: 'negativeBalance';
      readonly op: BankRead;
      readonly account: string;
      readonly balance: number;
    }
  | { readonly kind: 'missingAccount'; readonly op: BankRead; readonly account: string }
  | { readonly kind: 'unexpectedAccount'; readonly op: BankRead; readonly account: string }
  | {
      /**
       * `writer` committed a new balance of `account` computed from `readVersion`, although
       * `overwritten` had committed a newer balance of it that `writer` never saw: one of the
       * two updates is lost (first-committer-wins failed, or the snapshot was stale).
       */
      readonly kind: 'lostUpdate';
      readonly account: string;
      readonly readVersion: number;
      readonly overwritten: BankTransfer;
      readonly writer: BankTransfer;
    };

export interface BankVerdict {
  readonly result: 'ok' | 'fail';
  readonly total: number;
  /** Ok snapshot reads checked. */
  readonly readsChecked: number;
  /** Ok transfers that recorded read versions, i.e. that the lost-update check could use. */
  readonly transfersWithVersions: number;
  /** In history order; snapshot violations first, then lost updates. */
  readonly violations: readonly BankViolation[];
}

/** Both bank checks. Throws HistoryError on a malformed history. */
export function checkBank(history: readonly BankOp[], options: BankOptions): BankVerdict {
  const snapshots = checkBankSnapshots(history, options);
  const lostUpdates = checkLostUpdates(history);
  const violations = [...snapshots.violations, ...lostUpdates.violations];
  return {
    result: violations.length === 0 ? 'ok' : 'fail',
    total: options.total,
    readsChecked: snapshots.readsChecked,
    transfersWithVersions: lostUpdates.transfersWithVersions,
    violations,
  };
}

/**
 * Every ok snapshot read must cover exactly `accounts`, sum to `total`, and hold no negative
 * balance unless `allowNegative`. Failed and unknown reads say nothing and are skipped.
 */
export function checkBankSnapshots(history: readonly BankOp[], options: BankOptions): BankVerdict {
  validateBankHistory(history);
  const violations: BankViolation[] = [];
  const accounts = new Set(options.accounts);
  let readsChecked = 0;
  for (const op of history) {
    if (op.kind !== 'read' || op.status !== 'ok' || op.output === undefined) continue;
    readsChecked++;
    const balances = op.output.balances;
    for (const account of options.accounts) {
      if (!(account in balances)) violations.push({ kind: 'missingAccount', op, account });
    }
    let sum = 0;
    for (const [account, balance] of Object.entries(balances)) {
      if (!accounts.has(account)) violations.push({ kind: 'unexpectedAccount', op, account });
      if (balance < 0 && options.allowNegative !== true) {
        violations.push({ kind: 'negativeBalance', op, account, balance });
      }
      sum += balance;
    }
    if (sum !== options.total) violations.push({ kind: 'wrongTotal', op, sum });
  }
  return {
    result: violations.length === 0 ? 'ok' : 'fail',
    total: options.total,
    readsChecked,
    transfersWithVersions: 0,
    violations,
  };
}

interface VersionedWrite {
  readonly op: BankTransfer;
  readonly readVersion: number;
  readonly commitTs: number | undefined;
}

/**
 * Lost updates between ok transfers, from the versions they read. For each account written by
 * two ok transfers:
 * - both read the same version of it (neither saw the other's write), or
 * - ordered by commit timestamp, one read a version older than its predecessor's commit.
 *
 * Sound with unknown transfers around: an unacknowledged commit can only add versions, never
 * excuse two acknowledged writers that both missed each other. Blind to transfers that did not
 * record read versions, and to anomalies that need a dependency graph (write skew, G2).
 */
export function checkLostUpdates(history: readonly BankOp[]): BankVerdict {
  validateBankHistory(history);
  const writesByAccount = new Map<string, VersionedWrite[]>();
  let transfersWithVersions = 0;
  for (const op of history) {
    if (op.kind !== 'transfer' || op.status !== 'ok') continue;
    const versions = op.output?.readVersions;
    if (versions === undefined) continue;
    transfersWithVersions++;
    for (const account of new Set([op.input.from, op.input.to])) {
      const readVersion = versions[account];
      if (readVersion === undefined) continue;
      const writes = writesByAccount.get(account) ?? [];
      writes.push({ op, readVersion, commitTs: op.output?.commitTs });
      writesByAccount.set(account, writes);
    }
  }
  const violations: BankViolation[] = [];
  for (const [account, writes] of writesByAccount) {
    violations.push(...lostUpdatesOf(account, writes));
  }
  violations.sort((a, b) => violationOrder(a) - violationOrder(b));
  return {
    result: violations.length === 0 ? 'ok' : 'fail',
    total: 0,
    readsChecked: 0,
    transfersWithVersions,
    violations,
  };
}

function lostUpdatesOf(account: string, writes: readonly VersionedWrite[]): BankViolation[] {
  const violations: BankViolation[] = [];
  const reported = new Set<BankTransfer>();
  const lost = (overwritten: VersionedWrite, writer: VersionedWrite): void => {
    if (reported.has(writer.op)) return;
    reported.add(writer.op);
    violations.push({
      kind: 'lostUpdate',
      account,
      readVersion: writer.readVersion,
      overwritten: overwritten.op,
      writer: writer.op,
    });
  };
  // Ordered by commit: each writer must have read at least its predecessor's commit.
  const committed = writes
    .filter((w) => w.commitTs !== undefined)
    .sort((a, b) => (a.commitTs ?? 0) - (b.commitTs ?? 0) || a.op.id - b.op.id);
  for (let i = 1; i < committed.length; i++) {
    const previous = committed[i - 1];
    const writer = committed[i];
    if (previous === undefined || writer === undefined) continue;
    if (writer.readVersion < (previous.commitTs ?? 0)) lost(previous, writer);
  }
  // Same version read by two writers, commit timestamps known or not.
  const firstReader = new Map<number, VersionedWrite>();
  for (const write of [...writes].sort(byCommitThenId)) {
    const first = firstReader.get(write.readVersion);
    if (first === undefined) firstReader.set(write.readVersion, write);
    else lost(first, write);
  }
  return violations;
}

function byCommitThenId(a: VersionedWrite, b: VersionedWrite): number {
  const ta = a.commitTs ?? Number.POSITIVE_INFINITY;
  const tb = b.commitTs ?? Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.op.id - b.op.id;
}

function violationOrder(v: BankViolation): number {
  switch (v.kind) {
    case 'lostUpdate':
      return v.writer.id;
    case 'wrongTotal':
    case 'negativeBalance':
    case 'missingAccount':
    case 'unexpectedAccount':
      return v.op.id;
  }
}

function validateBankHistory(history: readonly BankOp[]): void {
  assertWellTimed(history);
  for (const op of history) {
    switch (op.kind) {
      case 'transfer': {
        const { from, to, amount } = op.input;
        if (!(Number.isFinite(amount) && amount > 0) || from === to) {
          throw new HistoryError(
            'badOperation',
            `#${op.id}: transfer ${from} → ${to} of ${amount}`,
            op.id,
          );
        }
        break;
      }
      case 'read':
        if (op.status === 'ok' && op.output === undefined) {
          throw new HistoryError('badOperation', `#${op.id}: an ok read has no balances`, op.id);
        }
        break;
    }
  }
}

/** A bank verdict as plain text for the seed report; deterministic. */
export function formatBankVerdict(verdict: BankVerdict): string {
  const stats = `${verdict.readsChecked} snapshot reads, ${verdict.transfersWithVersions} versioned transfers`;
  if (verdict.result === 'ok') return `bank: ok — ${stats}`;
  return [
    `bank: FAIL — ${verdict.violations.length} violations (${stats})`,
    ...verdict.violations.map((v) => `  ${describeBankViolation(v, verdict.total)}`),
  ].join('\n');
}

export function describeBankViolation(v: BankViolation, total: number): string {
  switch (v.kind) {
    case 'wrongTotal':
      return `${readLine(v.op)}: sum ${v.sum}, expected ${total} (${signed(v.sum - total)})`;
    case 'negativeBalance':
      return `${readLine(v.op)}: account ${JSON.stringify(v.account)} holds ${v.balance}`;
    case 'missingAccount':
      return `${readLine(v.op)}: account ${JSON.stringify(v.account)} is missing`;
    case 'unexpectedAccount':
      return `${readLine(v.op)}: account ${JSON.stringify(v.account)} does not exist`;
    case 'lostUpdate':
      return (
        `lost update on ${JSON.stringify(v.account)}: ${transferLine(v.writer)} wrote it from ` +
        `version ${v.readVersion}, over ${transferLine(v.overwritten)} it never saw`
      );
  }
}

function readLine(op: BankRead): string {
  const balances = JSON.stringify(op.output?.balances ?? {});
  const at = op.output?.readTs === undefined ? '' : ` at ts ${op.output.readTs}`;
  return `read #${op.id} c${op.clientId} ${describeInterval(op)}${at} ${balances}`;
}

function transferLine(op: BankTransfer): string {
  const { from, to, amount } = op.input;
  const commit = op.output?.commitTs === undefined ? '' : ` commit ${op.output.commitTs}`;
  return `transfer #${op.id} (${from} → ${to}: ${amount}${commit})`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
