// A worker thread running one sqllogictest file (or the rest of it) for the pool: it reports
// each record as it starts and as it ends, so the pool can stop a record that hangs — even one
// that never yields — by terminating the thread, and resume after it in a new one.

import { parentPort, workerData } from 'node:worker_threads';
import { readSltScript } from './records.js';
import type { RecordResult } from './runner.js';
import { runScript, tesseraEngine } from './runner.js';

export interface WorkerInput {
  readonly path: string;
  readonly file: string;
  readonly startAt: number;
  readonly replaySkip: readonly number[];
  readonly limit: number | undefined;
}

export type WorkerMessage =
  | {
      readonly type: 'start';
      readonly index: number;
      readonly line: number;
      readonly kind: 'statement' | 'query';
      readonly sql: string;
      /** Records skipped by their conditions so far in this run. */
      readonly skippedBefore: number;
    }
  | { readonly type: 'result'; readonly result: RecordResult }
  | {
      readonly type: 'done';
      readonly skipped: number;
      readonly halted: boolean;
      readonly limited: boolean;
    }
  | { readonly type: 'fatal'; readonly message: string };

async function main(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  const post = (m: WorkerMessage) => {
    port.postMessage(m);
  };
  let skipped = 0;
  try {
    const records = readSltScript(input.path, input.file);
    const report = await runScript(input.file, records, tesseraEngine, {
      startAt: input.startAt,
      replaySkip: new Set(input.replaySkip),
      ...(input.limit === undefined ? {} : { limit: input.limit }),
      onSkip: () => {
        skipped++;
      },
      onRecordStart: (index) => {
        const r = records[index];
        if (r?.kind === 'statement' || r?.kind === 'query') {
          post({
            type: 'start',
            index,
            line: r.line,
            kind: r.kind,
            sql: r.sql,
            skippedBefore: skipped,
          });
        }
      },
      onRecordDone: (result) => {
        post({ type: 'result', result });
      },
    });
    post({
      type: 'done',
      skipped: report.skipped,
      halted: report.halted,
      limited: report.limited,
    });
  } catch (error) {
    post({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });
  }
}

if (parentPort !== null) await main(parentPort, workerData as WorkerInput);
