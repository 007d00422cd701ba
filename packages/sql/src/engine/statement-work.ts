/**
 * The work one statement does in memory, kept cooperative and bounded.
 *
 * Why: the whole embedded cluster (control plane, Raft data nodes, gateway) shares one Node
 * event loop. A join, a sort or a grouping that ran to completion synchronously held that loop
 * for as long as it took — a 3 000 × 3 000 cross join for tens of seconds — so nothing else
 * was served, a KILL QUERY could not even be read, and Raft leases lapsed. And a statement
 * that materialized more rows than the heap holds crashed every node at once.
 *
 * Cooperative: the executors (join-exec.ts, select.ts) are generators. Every ROWS_PER_SLICE
 * rows of work (`step`) they yield a `Pause`; the statement's driver (`runCooperative`)
 * answers it by awaiting `yieldToEventLoop` — the host's `setImmediate`, injected because
 * engine packages take their timers as parameters — and then the kill check, so a KILL QUERY
 * lands within one slice. Counting rows, not measuring time, keeps the slices deterministic
 * (engine tests and the simulator see the same pauses on every run). Work that must stay
 * synchronous — a subquery evaluated inside an expression, per outer row — is driven by
 * `runBlocking`, which only runs the kill check at each pause: the outer loop around it pauses.
 *
 * Bounded: every row an executor materializes (table reads, join outputs, group rows, sort
 * and DISTINCT buffers, result rows) is charged to the statement by an estimate of its heap
 * bytes (`holdRow`; `holdShell` for a row array whose values another charged row holds, as a
 * joined row shares its inputs' values). The total is cumulative — intermediate results are not released as the
 * next operator consumes them — so it is an upper bound of what the statement holds at once.
 * Past the session's `tessera_statement_memory_limit` the statement stops with
 * ER_CAPACITY_EXCEEDED (3170, HY000), MySQL's error for an operation's memory limit
 * ("Memory capacity of N bytes for 'range_optimizer_max_mem_size' exceeded"), naming the
 * variable. Why not MySQL's connection_memory_limit (ER_DA_CONN_LIMIT, 4082): it closes the
 * connection; here the statement fails like any other (its writes undone by statement
 * atomicity) and the session stays usable.
 */
import { SqlSemanticError } from '../errors.js';
import type { SqlValue } from '../eval/value.js';

/** Rows of work between two pauses (a few milliseconds of row evaluation). */
export const ROWS_PER_SLICE = 2_000;

/** The default of `tessera_statement_memory_limit`: 256 MiB of estimated row bytes. */
export const STATEMENT_MEMORY_LIMIT_DEFAULT = 256 * 1024 * 1024;

/** The smallest limit SET accepts (MySQL's sort_buffer_size floor is 32 KiB; we take 64 KiB). */
export const STATEMENT_MEMORY_LIMIT_MIN = 64 * 1024;

/** What a cooperative executor yields between slices of work. */
export interface Pause {
  readonly kind: 'pause';
}

export const PAUSE: Pause = { kind: 'pause' };

/** A computation of a `T` that yields a `Pause` every slice of work. */
export type Cooperative<T> = Generator<Pause, T, unknown>;

export interface StatementWorkOptions {
  /** Lets the event loop run (the host: `setImmediate`); default: a resolved promise. */
  readonly yieldToEventLoop?: () => Promise<void>;
  /** Throws 1317 once the statement was killed. */
  readonly checkInterrupted?: () => void;
  /** Estimated bytes the statement may materialize; default STATEMENT_MEMORY_LIMIT_DEFAULT. */
  readonly memoryLimitBytes?: number;
  /** Rows of work between pauses (tests lower it); default ROWS_PER_SLICE. */
  readonly rowsPerSlice?: number;
}

export class StatementWork {
  private readonly rowsPerSlice: number;
  private readonly memoryLimitBytes: number;
  private rowsInSlice = 0;
  private heldBytes = 0;
  /** How many times the statement let the event loop run. */
  pauses = 0;

  constructor(private readonly options: StatementWorkOptions = {}) {
    this.rowsPerSlice = Math.max(1, options.rowsPerSlice ?? ROWS_PER_SLICE);
    this.memoryLimitBytes = options.memoryLimitBytes ?? STATEMENT_MEMORY_LIMIT_DEFAULT;
  }

  /** Counts `rows` rows of work; true once a slice is full (the caller yields PAUSE). */
  step(rows = 1): boolean {
    this.rowsInSlice += rows;
    if (this.rowsInSlice < this.rowsPerSlice) return false;
    this.rowsInSlice = 0;
    return true;
  }

  /** Lets the event loop run, then throws 1317 if the statement was killed meanwhile. */
  async pause(): Promise<void> {
    this.pauses++;
    await (this.options.yieldToEventLoop?.() ?? Promise.resolve());
    this.checkInterrupted();
  }

  checkInterrupted(): void {
    this.options.checkInterrupted?.();
  }

  /** Estimated bytes held so far. */
  get held(): number {
    return this.heldBytes;
  }

  /** Charges one materialized row; 3170 once the statement's total passes its limit. */
  holdRow(row: readonly SqlValue[]): void {
    this.hold(rowBytes(row));
  }

  /**
   * Charges a new row array whose values are shared with rows already charged (a joined row
   * copies its inputs' value references, not the values); 3170 past the limit.
   */
  holdShell(row: readonly SqlValue[]): void {
    this.hold(ROW_OVERHEAD_BYTES + SLOT_BYTES * row.length);
  }

  /** Charges `bytes`; 3170 once the statement's total passes its limit. */
  hold(bytes: number): void {
    this.heldBytes += bytes;
    if (this.heldBytes > this.memoryLimitBytes) throw memoryLimitExceeded(this.memoryLimitBytes);
  }
}

/** ER_CAPACITY_EXCEEDED for the statement's memory limit. */
export function memoryLimitExceeded(limitBytes: number): SqlSemanticError {
  return new SqlSemanticError(
    3170,
    'HY000',
    `Memory capacity of ${limitBytes} bytes for 'tessera_statement_memory_limit' exceeded. The statement was stopped; raise the limit or make the statement read fewer rows.`,
  );
}

/** Bytes of a row array and its slots (V8: a header, then 8 bytes a slot). */
const ROW_OVERHEAD_BYTES = 32;
const SLOT_BYTES = 8;
/** A value object's header and fields. */
const VALUE_OVERHEAD_BYTES = 32;

/** An estimate of the heap bytes `row` holds: the array, each value object and its payload. */
export function rowBytes(row: readonly SqlValue[]): number {
  let bytes = ROW_OVERHEAD_BYTES + SLOT_BYTES * row.length;
  for (const v of row) bytes += valueBytes(v);
  return bytes;
}

function valueBytes(v: SqlValue): number {
  if (v === null) return 0;
  switch (v.kind) {
    case 'string':
      return VALUE_OVERHEAD_BYTES + 16 + 2 * v.v.length;
    case 'binary':
      return VALUE_OVERHEAD_BYTES + 64 + v.v.byteLength;
    case 'json':
      return VALUE_OVERHEAD_BYTES + 16 + 2 * JSON.stringify(v.v).length;
    case 'int':
    case 'uint':
    case 'decimal':
      return VALUE_OVERHEAD_BYTES + 16;
    case 'double':
    case 'time':
    case 'year':
      return VALUE_OVERHEAD_BYTES;
    case 'date':
    case 'datetime':
    case 'timestamp':
      return VALUE_OVERHEAD_BYTES + 64;
  }
}

/** Drives `work` to its result, letting the event loop run (and the kill check) at each pause. */
export async function runCooperative<T>(
  computation: Cooperative<T>,
  work: StatementWork,
): Promise<T> {
  let step = computation.next();
  while (step.done !== true) {
    await work.pause();
    step = computation.next();
  }
  return step.value;
}

/** Drives `work` synchronously (subqueries inside expressions): only the kill check pauses. */
export function runBlocking<T>(computation: Cooperative<T>, work: StatementWork | undefined): T {
  let step = computation.next();
  while (step.done !== true) {
    work?.checkInterrupted();
    step = computation.next();
  }
  return step.value;
}
