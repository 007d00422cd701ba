/**
 * Test-only hooks into the commit protocol (CockroachDB's "testing knobs"). Production code
 * passes none. They exist so tests can kill a coordinator at an exact step and plant a bug
 * the validators must catch.
 */
export interface TxnTestingKnobs {
  /**
   * Asked once per committing txn that writes more than one slice; the answer is where its
   * coordinator dies. 'afterPrewrite': every lock is in place, the primary is not committed.
   * 'afterPrimaryCommit': the txn is committed, no secondary is.
   */
  readonly crashAt?: (startTs: number) => CrashPoint | undefined;
  /**
   * PLANTED BUG: acknowledge the commit as soon as commitTs is known, before the primary's
   * commit is applied. Together with a crash it acknowledges txns that then roll back; the
   * bank validator must fail.
   */
  readonly ackBeforePrimaryCommit?: boolean;
  /**
   * PLANTED BUG: take commitTs from the TSO before prewriting. A reader whose readTs falls
   * between that commitTs and the locks' arrival reads around them, and a later version then
   * appears below its readTs: torn snapshots and lost updates the bank validator must catch.
   */
  readonly commitTsBeforePrewrite?: boolean;
}

export type CrashPoint = 'afterPrewrite' | 'afterPrimaryCommit';

/**
 * Thrown by commit() when a knob killed the coordinator: the client's connection dropped, it
 * does not know the outcome. Nothing after the crash point runs.
 */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
  constructor(
    readonly point: CrashPoint,
    readonly startTs: number,
  ) {
    super(`coordinator of txn ${startTs} crashed ${point}`);
  }
}
