/**
 * A scan read while its caller consumes it (`Transaction.scanStream`): the same rows, in the
 * same order, as `Transaction.scan`, but at most about two pages per slice in memory at once.
 *
 *   slice 1: [page] [next page in flight] ─┐
 *   slice 2: [page] [next page in flight] ─┼─► k-way merge by key ─► own writes laid over ─► caller
 *   slice n: [page] [next page in flight] ─┘    (ties: router order)   (puts replace/add, deletes hide)
 *
 * - One cursor per slice the router names for the range. Its pages come from
 *   `SnapshotReader.scanPage` — the page and lock logic `scan` uses: a page that met locks is
 *   resolved and read again, a live lock waited out within the page's own budget
 *   (`readAttemptsMax`, `lockWaitMsMax`: per page, so a long stream is not timed out by its
 *   length), then LOCK_TIMEOUT. When a cursor takes a page it asks for the next one at once, so
 *   the next page is on its way while this one is consumed.
 * - The merge picks the smallest key among the cursors' current rows; equal keys (which hash
 *   placement never produces) come in router order, as `scan`'s stable sort leaves them.
 * - The transaction's own writes in the range, taken when the stream is made, are merged in as
 *   `WriteBuffer.overlay` lays them over `scan`'s rows: a put replaces or adds its key, a delete
 *   hides it. Writes buffered after that are not seen by this stream.
 * - Nothing is read before the first `next()`. Once the caller stops (`break`, `return()`, an
 *   error), no further page is requested; a page already in flight completes and is dropped
 *   (its failure too). Every page request first checks that the transaction is still open
 *   (TXN_CLOSED otherwise).
 *
 * With a scan program (`Transaction.programStream`) each page is one request's outputs, keyed by
 * the rows' primary keys as a row program answers (outputs of other programs are not in key
 * order across requests: do not stream them); the transaction has no own writes in the range
 * then (programs see committed rows only), so nothing is laid over.
 *
 * Unlike `scan` there is no row limit: the caller decides how much to read (and `scan`'s
 * `scanRowsMax` bound does not apply).
 */
import type { ScanProgramSpec } from '@tessera/storage';
import { compareBytes } from './bytes';
import type { KeyMutation, SliceId } from './slice-kv';
import type { KeyValue, SlicePage, SnapshotReader } from './snapshot-reader';

export interface ScanStreamOptions {
  /** Rows one slice answers per page (default: the client's scanPageRows). */
  readonly pageRows?: number;
}

export interface ProgramStreamOptions {
  /** Rows one slice examines per request (default: the client's scanPageRows). */
  readonly examinePerRequest?: number;
}

/** What a stream reads from: the snapshot, and the transaction's state and own writes. */
export interface StreamSnapshot {
  readonly reader: SnapshotReader;
  readonly readTs: number;
  /** The transaction's own writes in the range, in key order. */
  readonly own: readonly KeyMutation[];
  /** Throws (TXN_CLOSED) once the transaction ended; checked before every page request. */
  readonly assertActive: () => void;
}

/** The rows of [start, end) at the snapshot, own writes laid over, read while consumed. */
export function scanStream(
  snapshot: StreamSnapshot,
  start: Uint8Array | undefined,
  end: Uint8Array | undefined,
  pageRows: number,
  program?: ScanProgramSpec,
): AsyncIterable<KeyValue> {
  const rowsPerPage = Math.max(1, Math.floor(pageRows));
  return {
    [Symbol.asyncIterator]: () =>
      overlaid(mergedSlices(snapshot, start, end, rowsPerPage, program), snapshot.own),
  };
}

/** Every slice's rows merged in key order (ties in router order). */
async function* mergedSlices(
  snapshot: StreamSnapshot,
  start: Uint8Array | undefined,
  end: Uint8Array | undefined,
  pageRows: number,
  program: ScanProgramSpec | undefined,
): AsyncGenerator<KeyValue, void, undefined> {
  const stop = { stopped: false };
  // Each slice with the hash range the same map gave it (a split meanwhile is then noticed).
  const targets = snapshot.reader.sliceTargets(start, end);
  const routes = new Map(targets.map((t) => [t.slice, t.route]));
  const fetch = (slice: SliceId, from: Uint8Array | undefined): Promise<SlicePage> => {
    snapshot.assertActive();
    return snapshot.reader.scanPage(
      slice,
      from,
      end,
      snapshot.readTs,
      pageRows,
      undefined,
      program,
      routes.get(slice),
    );
  };
  const cursors = targets.map(
    ({ slice }, order) => new SliceCursor(slice, order, fetch, stop, start),
  );
  try {
    const heap = new CursorHeap();
    const ready = await Promise.all(cursors.map((c) => c.ready()));
    cursors.forEach((c, i) => {
      if (ready[i] === true) heap.push(c);
    });
    for (;;) {
      const top = heap.peek();
      if (top === undefined) return;
      const row = top.current();
      yield { key: row.key, value: row.value };
      top.advance();
      if (top.hasCurrent() || (await top.ready())) heap.fixTop();
      else heap.pop();
    }
  } finally {
    stop.stopped = true;
  }
}

/**
 * One slice's rows, page by page: the current page, and the next one requested as soon as the
 * current one arrived (so at most two pages are held). Never requests after `stop.stopped`.
 */
class SliceCursor {
  private page: SlicePage['rows'] = [];
  private at = 0;
  /** The next page, requested (its rejection is observed only when awaited). */
  private pending: Promise<SlicePage> | undefined;

  constructor(
    private readonly slice: SliceId,
    /** The slice's position in the router's list: breaks ties between equal keys. */
    readonly order: number,
    private readonly fetch: (slice: SliceId, from: Uint8Array | undefined) => Promise<SlicePage>,
    private readonly stop: { readonly stopped: boolean },
    start: Uint8Array | undefined,
  ) {
    this.pending = this.request(start);
  }

  hasCurrent(): boolean {
    return this.at < this.page.length;
  }

  /** The row under the cursor; only while `hasCurrent()`. */
  current(): SlicePage['rows'][number] {
    const row = this.page[this.at];
    if (row === undefined) throw new Error('scan stream: a cursor read past its page');
    return row;
  }

  advance(): void {
    this.at++;
  }

  /** Waits for pages until one has a row under the cursor; false once the slice is done. */
  async ready(): Promise<boolean> {
    while (!this.hasCurrent()) {
      const pending = this.pending;
      if (pending === undefined) return false;
      const page = await pending;
      this.page = page.rows;
      this.at = 0;
      this.pending = page.resumeKey === undefined ? undefined : this.request(page.resumeKey);
    }
    return true;
  }

  private request(from: Uint8Array | undefined): Promise<SlicePage> | undefined {
    if (this.stop.stopped) return undefined;
    let page: Promise<SlicePage>;
    try {
      page = this.fetch(this.slice, from);
    } catch (error) {
      page = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // A prefetched page may fail after the caller stopped reading: never an unhandled rejection.
    page.catch(() => undefined);
    return page;
  }
}

/** A binary min-heap of cursors by their current key, then router order. */
class CursorHeap {
  private readonly items: SliceCursor[] = [];

  peek(): SliceCursor | undefined {
    return this.items[0];
  }

  push(cursor: SliceCursor): void {
    this.items.push(cursor);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): void {
    const last = this.items.pop();
    if (last === undefined || this.items.length === 0) return;
    this.items[0] = last;
    this.fixTop();
  }

  /** Restores the order after the top cursor moved to its next row. */
  fixTop(): void {
    const n = this.items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < n && this.less(l, least)) least = l;
      if (r < n && this.less(r, least)) least = r;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private less(i: number, j: number): boolean {
    const a = this.items[i];
    const b = this.items[j];
    if (a === undefined || b === undefined) return false;
    const c = compareBytes(a.current().key, b.current().key);
    return c < 0 || (c === 0 && a.order < b.order);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    if (a === undefined || b === undefined) return;
    this.items[i] = b;
    this.items[j] = a;
  }
}

/** `rows` (key order) with `own` (key order) laid over: puts replace or add, deletes hide. */
async function* overlaid(
  rows: AsyncGenerator<KeyValue, void, undefined>,
  own: readonly KeyMutation[],
): AsyncGenerator<KeyValue, void, undefined> {
  let next = 0;
  try {
    for await (const row of rows) {
      for (; next < own.length; next++) {
        const m = own[next];
        if (m === undefined) break;
        const c = compareBytes(m.key, row.key);
        if (c > 0) break;
        if (m.op === 'put') yield { key: m.key, value: m.value };
        if (c === 0) break;
      }
      const mine = own[next];
      if (mine !== undefined && compareBytes(mine.key, row.key) === 0) {
        next++;
        continue;
      }
      yield row;
    }
    for (; next < own.length; next++) {
      const m = own[next];
      if (m?.op === 'put') yield { key: m.key, value: m.value };
    }
  } finally {
    await rows.return();
  }
}
