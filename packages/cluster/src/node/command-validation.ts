import type { MvccCommand } from '@tessera/storage';

/**
 * Checks a proposal against the preconditions the MVCC store asserts on at apply time. A
 * command that broke one would enter the log, then crash every replica that applies it — and
 * again at every restart (a poison entry). So it is refused before it is proposed, as bad
 * input: an answer (INVALID_COMMAND), not a crash. Returns what is wrong, or undefined.
 */
export function invalidCommand(commands: readonly MvccCommand[]): string | undefined {
  for (const [i, c] of commands.entries()) {
    const bad = (what: string) => `command ${i} (${c.kind}): ${what}`;
    switch (c.kind) {
      case 'prewrite':
        if (!isTs(c.startTs)) return bad(`startTs ${c.startTs} is not a positive safe integer`);
        if (c.ttlMs !== undefined && !isCount(c.ttlMs)) return bad(`ttlMs ${c.ttlMs}`);
        if (c.txnSize !== undefined && !isCount(c.txnSize)) return bad(`txnSize ${c.txnSize}`);
        break;
      case 'commit':
        if (!isTs(c.startTs) || !isTs(c.commitTs)) return bad('timestamps must be positive');
        if (c.commitTs <= c.startTs) return bad(`commitTs ${c.commitTs} ≤ startTs ${c.startTs}`);
        break;
      case 'rollback':
        if (!isTs(c.startTs)) return bad(`startTs ${c.startTs} is not a positive safe integer`);
        break;
      case 'putVersion':
        if (!isTs(c.commitTs)) return bad(`commitTs ${c.commitTs} is not a positive safe integer`);
        if (c.startTs !== undefined && !isTs(c.startTs)) return bad(`startTs ${c.startTs}`);
        break;
      case 'gc':
        if (!isTs(c.safePointTs)) return bad(`safePointTs ${c.safePointTs}`);
        if (!isCount(c.maxRecords)) return bad(`maxRecords ${c.maxRecords}`);
        break;
    }
  }
  return undefined;
}

function isTs(ts: number): boolean {
  return Number.isSafeInteger(ts) && ts > 0;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
