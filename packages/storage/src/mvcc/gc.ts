import { bytesEqual, keySuccessor } from '../bytes';
import { assertTs, parseRecordKey, recordKind, userRange } from '../keys/key-layout';
import type { ParsedRecordKey } from '../keys/key-layout';
import { decodeVersion } from './records';
import type { SpaceWriter } from './space-writer';
import type { GcCommand, GcResult } from './types';

/**
 * One bounded step of MVCC garbage collection below `safePointTs`. For each user key:
 *
 * - versions newer than the safe point stay;
 * - the newest version at or below the safe point stays (a reader at the safe point sees it),
 *   unless it is a tombstone: then it goes too, as nothing at or after the safe point can see
 *   anything older than it;
 * - every older version goes;
 * - rollback markers of txns that started at or below the safe point go (the store refuses a
 *   prewrite at or below the safe point, so nothing is left for them to guard);
 * - locks stay: the txn layer resolves locks before it advances the safe point.
 *
 * At most `maxRecords` records are examined; the result says where to resume. A key with
 * more records than that is only partly collected per pass, so size `maxRecords` above the
 * version count of the hottest key.
 */
interface Rec {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly parsed: ParsedRecordKey;
}

export function gcStep(prefix: Uint8Array, writer: SpaceWriter, cmd: GcCommand): GcResult {
  assertTs(cmd.safePointTs, 'gc safePointTs');
  const limit = Math.max(1, cmd.maxRecords);
  const range = userRange(prefix, cmd.fromKey, undefined);
  const records: Rec[] = [];
  for (const e of writer.view.range({ ...range, limit })) {
    records.push({ key: e.key, value: e.value, parsed: parseRecordKey(e.key) });
  }
  const groups = groupByUserKey(records);
  const truncated = records.length === limit;
  let resumeKey: Uint8Array | undefined;
  if (truncated) {
    const last = groups.at(-1)?.[0]?.parsed.userKey;
    if (groups.length > 1) {
      // The last key may be cut short: leave it whole for the next step.
      groups.pop();
      resumeKey = last;
    } else if (last !== undefined) {
      // One key fills the whole budget. Collect what was read (its newest records) and move
      // past it, so every step makes progress; the rest of its history waits for the next
      // pass over the space.
      resumeKey = keySuccessor(last);
    }
  }
  let deleted = 0;
  for (const group of groups) deleted += collectKey(writer, group, cmd.safePointTs);
  return { kind: 'gc', deletedRecords: deleted, resumeKey };
}

function collectKey(writer: SpaceWriter, group: readonly Rec[], safePointTs: number): number {
  let deleted = 0;
  let keptOne = false;
  for (const rec of group) {
    const { kind, ts } = rec.parsed;
    if (kind === recordKind.lock) continue;
    if (kind === recordKind.rollback) {
      if (ts <= safePointTs) {
        writer.delete(rec.key);
        deleted++;
      }
      continue;
    }
    if (ts > safePointTs) continue;
    if (!keptOne) {
      keptOne = true;
      if (decodeVersion(rec.value).op === 'put') continue;
    }
    writer.delete(rec.key);
    deleted++;
  }
  return deleted;
}

function groupByUserKey(records: readonly Rec[]): Rec[][] {
  const groups: Rec[][] = [];
  let current: Rec[] = [];
  for (const rec of records) {
    const head = current[0];
    if (head !== undefined && !bytesEqual(head.parsed.userKey, rec.parsed.userKey)) {
      groups.push(current);
      current = [];
    }
    current.push(rec);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
