import type { Connection } from 'mysql2/promise';

/** What a bank workload saw: acknowledged transfers, retryable refusals, anything else. */
export interface BankTally {
  transfers: number;
  /** 1213 (deadlock / write conflict) and 1205 (lock wait): the client retries, nothing lost. */
  retryable: number;
  /** Any other error: a query that did not keep working. The messages, for the log. */
  failures: string[];
  /** `SELECT SUM(balance)` answers other than the opening total (snapshot isolation broken). */
  wrongSums: number;
  reads: number;
}

const retryableCodes = new Set([1213, 1205]);

function codeOf(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errno : undefined;
}

/**
 * Transfers between `accounts` rows of `table` (id, balance) in explicit transactions on each
 * connection, and a SUM reader that must always see `total`, until `stop()`; the tally counts
 * what the clients saw. Used by the demo that kills a node under traffic.
 */
export function startBank(
  connections: readonly Connection[],
  table: string,
  accounts: number,
  total: number,
): { tally: BankTally; stop: () => Promise<void> } {
  const tally: BankTally = { transfers: 0, retryable: 0, failures: [], wrongSums: 0, reads: 0 };
  const state = { running: true };
  const note = (error: unknown) => {
    const code = codeOf(error);
    if (code !== undefined && retryableCodes.has(code)) tally.retryable++;
    else tally.failures.push(error instanceof Error ? error.message : String(error));
  };
  const [reader, ...writers] = connections;
  const loops = writers.map(async (conn, w) => {
    let n = w;
    while (state.running) {
      n += 7;
      const from = (n % accounts) + 1;
      const to = ((n * 13 + 5) % accounts) + 1;
      if (from === to) continue;
      try {
        await conn.query('BEGIN');
        await conn.query(`UPDATE ${table} SET balance = balance - 1 WHERE id = ?`, [from]);
        await conn.query(`UPDATE ${table} SET balance = balance + 1 WHERE id = ?`, [to]);
        await conn.query('COMMIT');
        tally.transfers++;
      } catch (error) {
        note(error);
        await conn.query('ROLLBACK').catch(() => undefined);
      }
    }
  });
  if (reader !== undefined) {
    loops.push(
      (async () => {
        while (state.running) {
          try {
            const [rows] = await reader.query(`SELECT SUM(balance) AS total FROM ${table}`);
            const sum = Number((rows as { total: unknown }[])[0]?.total);
            tally.reads++;
            if (sum !== total) tally.wrongSums++;
          } catch (error) {
            note(error);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
    );
  }
  return {
    tally,
    stop: async () => {
      state.running = false;
      await Promise.all(loops);
    },
  };
}
