import { concatBytes, keySuccessor } from '../bytes';
import { invariant } from '../errors';
import type { KvEngine } from '../engine/kv-engine';
import { BatchView } from '../engine/write-batch';
import type { WriteBatch } from '../engine/write-batch';
import { generationPrefix, parseRecordKey } from '../keys/key-layout';
import type { SpaceMeta } from './records';
import { allocateGeneration, generationEnd, readSpaceMeta, writeSpaceMeta } from './space-catalog';
import { SpaceWriter } from './space-writer';

/**
 * Splitting a space in two (a slice split): every record of every user key that `movesKey`
 * picks — committed versions, locks (write intents) and rollback markers alike, so reads at
 * old timestamps and the resolution of in-flight transactions work on the new space — moves
 * from the parent into a new space, in the caller's one batch, together with the parent's
 * applied index. So the move is atomic with the Raft entry that ordered it: a crash leaves
 * either the parent before the entry or both spaces after it.
 *
 * Deterministic: records are visited in key order and the outcome depends only on the stored
 * state and `movesKey`, so every replica applying the same entry ends with the same spaces.
 *
 * The parent's records are read in bounded pages through the batch (earlier entries of the
 * same cycle are in it, uncommitted), each page materialised before it is written: a BatchView
 * is never iterated while its batch changes. The whole move still sits in one batch in memory:
 * splitting a slice of gigabytes needs a streaming move (not built).
 */
export interface SplitSpaceRequest {
  /** The parent space. */
  readonly from: number;
  /**
   * The new space; must not exist. Undefined: the moved records are only deleted (this node
   * holds no data of the new group, or already has its copy from elsewhere).
   */
  readonly to: number | undefined;
  /** Whether a user key moves to the new space. Must be a pure function of the key. */
  readonly movesKey: (userKey: Uint8Array) => boolean;
  /** The parent's apply position: the Raft entry that ordered the split. */
  readonly entry: { readonly index: number; readonly term: number };
  /** The new space's applied position (its Raft group starts from a snapshot there). */
  readonly start: { readonly index: number; readonly term: number };
}

export type SplitSpaceResult =
  | {
      readonly kind: 'split';
      /** Records (versions, locks, markers) and bytes moved into the new space. */
      readonly movedRecords: number;
      readonly movedBytes: number;
    }
  | { readonly kind: 'spaceNotFound'; readonly space: number }
  | { readonly kind: 'spaceExists'; readonly space: number };

const PAGE_RECORDS = 1_024;

export function splitSpace(
  engine: KvEngine,
  batch: WriteBatch,
  request: SplitSpaceRequest,
): SplitSpaceResult {
  const view = new BatchView(engine, batch);
  const parent = readSpaceMeta(view, request.from);
  if (parent === undefined) return { kind: 'spaceNotFound', space: request.from };
  const to = request.to;
  if (to !== undefined && readSpaceMeta(view, to) !== undefined) {
    return { kind: 'spaceExists', space: to };
  }
  invariant(
    request.entry.index > parent.appliedIndex && request.entry.term >= parent.appliedTerm,
    'APPLIED_INDEX_REGRESSED',
    () =>
      `space ${request.from}: split at ${request.entry.index}/${request.entry.term} ` +
      `applied after ${parent.appliedIndex}/${parent.appliedTerm}`,
  );
  invariant(
    parent.stagingGen === 0,
    'SPACE_STATE',
    () => `space ${request.from}: split while a snapshot import is staged`,
  );
  const childGen = to === undefined ? 0 : allocateGeneration(view, batch);
  const fromPrefix = generationPrefix(request.from, parent.gen);
  const toPrefix = to === undefined ? undefined : generationPrefix(to, childGen);
  const end = generationEnd(fromPrefix);
  const removed = new SpaceWriter(view, batch);
  const added = new SpaceWriter(view, batch);
  const discarded = { recordsDelta: 0, bytesDelta: 0 };
  let cursor = fromPrefix;
  for (;;) {
    const page = [...view.range({ start: cursor, end, limit: PAGE_RECORDS })];
    for (const { key, value } of page) {
      if (!request.movesKey(parseRecordKey(key).userKey)) continue;
      // Copies: the page's buffers may be the engine's, and the batch keeps what it is given.
      if (toPrefix !== undefined) {
        added.put(concatBytes(toPrefix, key.subarray(fromPrefix.length)), value.slice());
      } else {
        discarded.recordsDelta++;
        discarded.bytesDelta += key.length + value.length;
      }
      removed.delete(key.slice());
    }
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE_RECORDS) break;
    cursor = keySuccessor(last.key);
  }
  const nextParent: SpaceMeta = {
    ...parent,
    appliedIndex: request.entry.index,
    appliedTerm: request.entry.term,
    records: parent.records + removed.recordsDelta,
    bytes: parent.bytes + removed.bytesDelta,
  };
  invariant(
    nextParent.records >= 0 &&
      nextParent.bytes >= 0 &&
      added.recordsDelta + discarded.recordsDelta === -removed.recordsDelta,
    'CORRUPT_RECORD',
    () => `space ${request.from}: split accounting is off`,
  );
  writeSpaceMeta(batch, request.from, nextParent);
  if (to === undefined) {
    return {
      kind: 'split',
      movedRecords: discarded.recordsDelta,
      movedBytes: discarded.bytesDelta,
    };
  }
  writeSpaceMeta(batch, to, {
    gen: childGen,
    stagingGen: 0,
    appliedIndex: request.start.index,
    appliedTerm: request.start.term,
    // Versions below the parent's safe point may be gone: the same holds for the new space.
    gcSafePointTs: parent.gcSafePointTs,
    records: added.recordsDelta,
    bytes: added.bytesDelta,
    stagingRecords: 0,
    stagingBytes: 0,
    // An upper bound, which is all it promises (the newest commit the space may hold).
    maxCommitTs: parent.maxCommitTs,
  });
  return { kind: 'split', movedRecords: added.recordsDelta, movedBytes: added.bytesDelta };
}
