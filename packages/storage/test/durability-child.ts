// Child process of lmdb-durability.test.ts: commits batches through LmdbEngine forever, with
// several commits in flight (so they share fsyncs), and prints "ack <n>" for each batch whose
// commit promise resolved (durable). The parent SIGKILLs it mid-stream.
import { LmdbEngine } from '../src/index';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: durability-child <dir>');
const engine = LmdbEngine.open({ path });
const keysPerBatch = 4;
const inFlightMax = 8;
const encoder = new TextEncoder();

let next = 0;
function commitOne(): Promise<void> {
  const n = next++;
  const batch = engine.newBatch();
  for (let k = 0; k < keysPerBatch; k++) {
    batch.put(
      encoder.encode(`b${String(n).padStart(8, '0')}/${k}`),
      encoder.encode(`value ${n}.${k}`),
    );
  }
  return engine.commit(batch).then(() => {
    process.stdout.write(`ack ${n}\n`);
  });
}

async function lane(): Promise<never> {
  for (;;) await commitOne();
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: inFlightMax }, lane));
