/**
 * `npm run sim -- --seed N [--steps M | --ms M] [--no-faults] [--node-loss]` runs one
 * simulated cluster (see sim/run-simulation.ts) and prints its report; `--seeds A-B` runs a
 * range. `--steps` counts steps of the fault schedule (200–600 simulated ms of traffic, then at
 * most one fault); `--ms` bounds the simulated time of traffic instead (default 5000).
 * `--node-loss` runs the node-loss scenario (sim/node-loss.ts: a node dies for good, its slices
 * must be re-ranked and led on live nodes). A failing seed prints its findings and the command
 * to replay it; the exit code is 1 if any seed failed.
 */
import { parseArgs } from 'node:util';
import { runSimulation } from './sim/run-simulation';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    ms: { type: 'string', default: '5000' },
    steps: { type: 'string' },
    'no-faults': { type: 'boolean', default: false },
    'node-loss': { type: 'boolean', default: false },
  },
});

function seedList(): number[] {
  if (values.seeds !== undefined) {
    const match = /^(\d+)-(\d+)$/.exec(values.seeds);
    if (match === null) throw new Error(`--seeds takes A-B, got '${values.seeds}'`);
    const [from, to] = [Number(match[1]), Number(match[2])];
    return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  }
  return [Number(values.seed ?? '1')];
}

const durationMs = Number(values.ms);
const steps = values.steps === undefined ? undefined : Number(values.steps);
if (steps !== undefined && !(Number.isSafeInteger(steps) && steps >= 0)) {
  throw new Error(`--steps takes a whole number, got '${values.steps ?? ''}'`);
}
if (!(Number.isFinite(durationMs) && durationMs >= 0)) {
  throw new Error(`--ms takes a number of milliseconds, got '${values.ms}'`);
}
let failed = 0;
for (const seed of seedList()) {
  const started = performance.now();
  const report = await runSimulation({
    seed,
    durationMs,
    faults: !values['no-faults'],
    nodeLoss: values['node-loss'],
    ...(steps === undefined ? {} : { steps }),
  });
  const s = report.stats;
  const wallMs = Math.round(performance.now() - started);
  console.log(
    `seed ${seed}: ${report.ok ? 'ok' : 'FAIL'} — ${s.committed} committed, ${s.failed} failed, ` +
      `${s.unknown} unknown, ${s.reads} snapshot reads, ${s.crashes} crashes ` +
      `(${s.diskLosses} with disk loss), ${s.controlCrashes} control-plane crashes, ` +
      `${s.snapshotsInstalled} snapshots installed, ${s.partitions} partitions, ${s.messagesDropped} messages dropped, ` +
      `${s.registerOps} register ops (${s.registerReads} reads, ${s.registerWrites} writes ok), ` +
      `${s.reranks} slices re-ranked, ${s.replacements} replicas replaced, ` +
      (report.nodeLoss === undefined
        ? ''
        : `n${report.nodeLoss.node} lost, the slices it ranked (${report.nodeLoss.slices}) led ` +
          `on live nodes after ${report.nodeLoss.rerankMs ?? '∞'} ms, its members ` +
          `(${report.nodeLoss.replicated} slices) replaced after ${report.nodeLoss.rereplicateMs ?? '∞'} ms, `) +
      `${Math.round(s.simulatedMs / 1000)} s simulated in ${wallMs} ms`,
  );
  if (!report.ok) {
    failed++;
    for (const v of report.violations) console.log(`  ${v.replaceAll('\n', '\n  ')}`);
    const length = steps === undefined ? `--ms ${durationMs}` : `--steps ${steps}`;
    const scenario = values['node-loss'] ? ' --node-loss' : '';
    console.log(`  replay: npm run sim -- --seed ${seed} ${length}${scenario}`);
  }
}
console.log(`${seedList().length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
