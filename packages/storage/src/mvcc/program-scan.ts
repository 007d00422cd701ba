import { bytesEqual } from '../bytes';
import type { KvReader } from '../engine/kv-engine';
import { assertTs, parseRecordKey, recordKind, userRange } from '../keys/key-layout';
import { newGroup, resolveGroup, resumeAfter } from './reads';
import type {
  Lock,
  ProgramRefused,
  ScanOptions,
  ScanProcessor,
  ScanProgramRun,
  ScanProgramSpec,
  ScanResult,
} from './types';

/**
 * A scan that runs a program next to the data (TiKV's coprocessor): the same pass over the
 * records as `scanAt`, but each visible row is fed to `run.row` instead of being collected, and
 * the answer is the program's output.
 *
 *   records ─► group per user key ─► resolveGroup ─┬─ lock ───► locks[]
 *                                                  └─ row ────► run.row(key, value) ─► finish()
 *
 * - `limit` bounds the work of one request: visible rows examined plus locks met. Keys with no
 *   visible version are read through without counting (as in `scanAt`).
 * - The scan stops early when `row` answers true (the program's LIMIT is met); `resumeKey`
 *   then points after that key, as when the budget runs out.
 * - Once a lock is met the outputs are no answer (the caller resolves and re-sends), so rows
 *   are no longer fed to the program; the scan goes on collecting locks within the budget, and
 *   answers `rows: []`.
 * - The processor is foreign code: anything its `open`, `row` or `finish` throws becomes a
 *   `programRefused` answer. Only those calls are guarded — a corrupt record still throws
 *   StorageInvariantError out of the store.
 *
 * Kept apart from `scanAt` so that the plain scan's loop stays exactly as fast as before.
 */
export function scanProgramAt(
  reader: KvReader,
  prefix: Uint8Array,
  startKey: Uint8Array | undefined,
  endKey: Uint8Array | undefined,
  readTs: number,
  options: ScanOptions,
  spec: ScanProgramSpec,
  processor: ScanProcessor | undefined,
): ScanResult {
  assertTs(readTs, 'readTs');
  if (processor === undefined) {
    return refused(`no scan processor '${spec.processor}' on this node`);
  }
  let run: ScanProgramRun;
  try {
    run = processor.open(spec.program);
  } catch (error) {
    return refused(reasonOf(error));
  }
  const reverse = options.reverse === true;
  const limit = Math.max(1, options.limit);
  const locks: Lock[] = [];
  let examined = 0;
  let refusal: ProgramRefused | undefined;
  let groupKey: Uint8Array | undefined;
  let group = newGroup();

  /** Resolves the finished key's group; true when the scan must stop after it. */
  const visit = (key: Uint8Array): boolean => {
    const outcome = resolveGroup(group, key, readTs);
    if (outcome === undefined) return false;
    examined++;
    if ('lock' in outcome) {
      locks.push(outcome.lock);
    } else if (locks.length === 0) {
      try {
        if (run.row(key, outcome.row.value)) return true;
      } catch (error) {
        refusal = refused(reasonOf(error));
        return true;
      }
    }
    return examined >= limit;
  };

  let resumeKey: Uint8Array | undefined;
  for (const entry of reader.range({ ...userRange(prefix, startKey, endKey), reverse })) {
    const parsed = parseRecordKey(entry.key);
    if (groupKey !== undefined && !bytesEqual(groupKey, parsed.userKey)) {
      if (visit(groupKey)) {
        resumeKey = resumeAfter(groupKey, reverse);
        break;
      }
      group = newGroup();
    }
    groupKey = parsed.userKey;
    if (parsed.kind === recordKind.lock) group.lock = entry.value;
    else if (parsed.kind === recordKind.version)
      group.versions.push({ ts: parsed.ts, value: entry.value });
  }
  // The range is exhausted (no resume key), even if the last key stopped the program.
  if (resumeKey === undefined && groupKey !== undefined) visit(groupKey);
  if (refusal !== undefined) return refusal;
  if (locks.length > 0) return { kind: 'rows', rows: [], locks, resumeKey };
  try {
    const rows = run.finish().map((out) => ({ key: out.key, value: out.value, commitTs: 0 }));
    return { kind: 'rows', rows, locks, resumeKey };
  } catch (error) {
    return refused(reasonOf(error));
  }
}

function refused(reason: string): ProgramRefused {
  return { kind: 'programRefused', reason };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
