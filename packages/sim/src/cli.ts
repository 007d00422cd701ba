/**
 * `npm run sim -- --seed N [--steps M | --ms M] [--no-faults] [--coordinator-crashes P]
 * [--node-loss | --zone-loss | --node-add | --drain | --split | --rerank]` runs one simulated
 * cluster (see sim/run-simulation.ts) and prints its report; `--seeds A-B` runs a range.
 * `--steps` counts steps of the fault schedule (200–600 simulated ms of traffic, then at most
 * one fault); `--ms` bounds the simulated time of traffic instead (default 5000).
 * `--coordinator-crashes P` makes each committing coordinator die with probability P (the CI
 * tests use 0.05). `--node-loss` runs the node-loss scenario (sim/node-loss.ts: a node dies
 * for good, its slices must be re-ranked and led on live nodes); the other flags run the
 * issue-5 scenarios (sim/scenario.ts, one file each). A failing seed prints its findings and
 * the command to replay it; the exit code is 1 if any seed failed.
 */
import { parseArgs } from 'node:util';
import { runSimulation } from './sim/run-simulation';
import type { ScenarioName } from './sim/scenario';
import { scenarioNames } from './sim/scenario';
import { scenarios } from './sim/scenarios';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    ms: { type: 'string', default: '5000' },
    steps: { type: 'string' },
    'no-faults': { type: 'boolean', default: false },
    'coordinator-crashes': { type: 'string', default: '0' },
    'node-loss': { type: 'boolean', default: false },
    ...Object.fromEntries(
      scenarioNames.map((name) => [name, { type: 'boolean' as const, default: false }]),
    ),
  },
});

const chosen = scenarioNames.filter((name) => (values as Record<string, unknown>)[name] === true);
if (chosen.length + (values['node-loss'] ? 1 : 0) > 1) {
  throw new Error('run one scenario at a time');
}
const scenarioName: ScenarioName | undefined = chosen[0];
const scenario = scenarioName === undefined ? undefined : scenarios[scenarioName];

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
const coordinatorCrashChance = Number(values['coordinator-crashes']);
if (!(coordinatorCrashChance >= 0 && coordinatorCrashChance <= 1)) {
  throw new Error(
    `--coordinator-crashes takes a probability in [0, 1], got '${values['coordinator-crashes']}'`,
  );
}
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
    coordinatorCrashChance,
    ...(scenario === undefined ? {} : { scenario }),
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
      (report.scenario === undefined ? '' : `${report.scenario.line}, `) +
      `${Math.round(s.simulatedMs / 1000)} s simulated in ${wallMs} ms`,
  );
  if (!report.ok) {
    failed++;
    for (const v of report.violations) console.log(`  ${v.replaceAll('\n', '\n  ')}`);
    const length = steps === undefined ? `--ms ${durationMs}` : `--steps ${steps}`;
    const flag = values['node-loss']
      ? ' --node-loss'
      : scenarioName === undefined
        ? ''
        : ` --${scenarioName}`;
    const noFaults = values['no-faults'] ? ' --no-faults' : '';
    const coordinator =
      coordinatorCrashChance > 0 ? ` --coordinator-crashes ${coordinatorCrashChance}` : '';
    console.log(
      `  replay: npm run sim -- --seed ${seed} ${length}${flag}${noFaults}${coordinator}`,
    );
  }
}
console.log(`${seedList().length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
