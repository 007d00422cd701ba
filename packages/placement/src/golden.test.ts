import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { applyChanges } from './applyChanges';
import { formatChange } from './changes';
import { formatNodeLoad, formatPlacement, formatSlice } from './format';
import { hashDistributionKey } from './hash/distributionKey';
import { formatHash } from './hashSpace';
import { planInitialPlacement } from './initialPlacement';
import type { ClusterNode, LoadReport, NodeState, Placement, SliceLoad } from './model';
import { planRebalance } from './rebalance';
import { planRepair } from './repair';
import { sliceFor, splitSlice } from './sliceMap';
import type { DataDrivenCase } from './test/datadriven';
import { intArg, runDataDrivenFile } from './test/datadriven';
import { validatePlacement } from './validate';

const testdata = resolve(import.meta.dirname, '../testdata');

/** The state a golden file builds up, case by case. */
interface Scenario {
  nodes: ClusterNode[];
  placement: Placement;
  load: LoadReport | undefined;
}

const states = new Set<NodeState>(['up', 'draining', 'down', 'removed']);

function parseNode(line: string): ClusterNode {
  const m = /^n(\d+)\s+zone=(\S+)(?:\s+state=(\S+))?$/.exec(line.trim());
  const state = (m?.[3] ?? 'up') as NodeState;
  if (m === null || !states.has(state)) throw new Error(`bad node line: ${line}`);
  return { id: Number(m[1]), zone: m[2] ?? '', state };
}

function validation(s: Scenario): string[] {
  const violations = validatePlacement(s.placement, s.nodes);
  return violations.length === 0
    ? ['valid']
    : violations.map((v) => `violation ${v.rule}: ${v.message}`);
}

function run(s: Scenario, c: DataDrivenCase): string {
  switch (c.command) {
    case 'cluster':
      s.nodes = c.input.map(parseNode);
      s.placement = { representations: [] };
      s.load = undefined;
      return formatNodeLoad(s.placement, s.nodes).join('\n');
    case 'add-nodes':
      s.nodes = [...s.nodes, ...c.input.map(parseNode)];
      return formatNodeLoad(s.placement, s.nodes, s.load).join('\n');
    case 'set-state': {
      const state = c.args.get('state') as NodeState;
      const zone = c.args.get('zone');
      const node = c.args.has('node') ? intArg(c, 'node') : undefined;
      s.nodes = s.nodes.map((n) =>
        n.id === node || (zone !== undefined && n.zone === zone) ? { ...n, state } : n,
      );
      return [...formatNodeLoad(s.placement, s.nodes, s.load), ...validation(s)].join('\n');
    }
    case 'place': {
      const rep = planInitialPlacement(
        {
          id: intArg(c, 'id'),
          name: c.args.get('name') ?? `rep${intArg(c, 'id')}`,
          ...(c.args.has('replicas') ? { replicas: intArg(c, 'replicas') } : {}),
          ...(c.args.has('loggers') ? { loggers: intArg(c, 'loggers') } : {}),
          ...(c.args.has('learners') ? { learners: intArg(c, 'learners') } : {}),
          ...(c.args.has('slices') ? { sliceCount: intArg(c, 'slices') } : {}),
        },
        s.nodes,
        { existing: s.placement, ...(s.load === undefined ? {} : { load: s.load }) },
      );
      s.placement = { representations: [...s.placement.representations, rep] };
      return [
        ...formatPlacement({ representations: [rep] }),
        ...formatNodeLoad(s.placement, s.nodes, s.load),
        ...validation(s),
      ].join('\n');
    }
    case 'load': {
      const load = new Map<number, SliceLoad>();
      for (const line of c.input) {
        const m = /^slice=(\d+)\s+bytes=(\d+)\s+reads=(\d+)$/.exec(line.trim());
        if (m === null) throw new Error(`bad load line: ${line}`);
        load.set(Number(m[1]), { bytes: Number(m[2]), readsPerSec: Number(m[3]) });
      }
      s.load = load;
      return formatNodeLoad(s.placement, s.nodes, s.load).join('\n');
    }
    case 'show':
      return formatPlacement(s.placement).join('\n');
    case 'nodes':
      return formatNodeLoad(s.placement, s.nodes, s.load).join('\n');
    case 'validate':
      return validation(s).join('\n');
    case 'repair': {
      const changes = planRepair(
        s.placement,
        s.nodes,
        s.load === undefined ? {} : { load: s.load },
      );
      s.placement = applyChanges(s.placement, changes);
      return [
        ...(changes.length === 0 ? ['no changes'] : changes.map(formatChange)),
        ...formatNodeLoad(s.placement, s.nodes, s.load),
        ...validation(s),
      ].join('\n');
    }
    case 'rebalance': {
      const changes = planRebalance(s.placement, s.nodes, {
        ...(s.load === undefined ? {} : { load: s.load }),
        ...(c.args.has('max-changes') ? { maxChanges: intArg(c, 'max-changes') } : {}),
      });
      s.placement = applyChanges(s.placement, changes);
      return [
        ...(changes.length === 0 ? ['no changes'] : changes.map(formatChange)),
        ...formatNodeLoad(s.placement, s.nodes, s.load),
        ...validation(s),
      ].join('\n');
    }
    case 'split': {
      const at = c.args.get('at');
      const result = splitSlice(
        s.placement,
        intArg(c, 'slice'),
        at === undefined ? undefined : BigInt(at),
      );
      s.placement = result.placement;
      return [
        `lower=${result.lower} upper=${result.upper}`,
        ...formatPlacement(s.placement),
        ...validation(s),
      ].join('\n');
    }
    case 'slice-for': {
      const rep = s.placement.representations.find((r) => r.name === c.args.get('name'));
      if (rep === undefined)
        throw new Error(`line ${c.line}: no representation ${c.args.get('name') ?? ''}`);
      return c.input
        .map(
          (h) =>
            `${formatHash(BigInt(h.trim()))} -> ${formatSlice(sliceFor(rep, BigInt(h.trim())))}`,
        )
        .join('\n');
    }
    case 'hash': {
      // Input: one key per line, columns separated by '|', each column UTF-8.
      const columns = intArg(c, 'columns', 1);
      const utf8 = new TextEncoder();
      return c.input
        .map((line) => {
          const key = line.split('|').map((col) => utf8.encode(col));
          return `${line} -> ${formatHash(hashDistributionKey(key, columns))}`;
        })
        .join('\n');
    }
    default:
      throw new Error(`line ${c.line}: unknown command '${c.command}'`);
  }
}

describe('golden placement scenarios (testdata/*.txt)', () => {
  const files = readdirSync(testdata)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  it.each(files)('%s', (file) => {
    const scenario: Scenario = { nodes: [], placement: { representations: [] }, load: undefined };
    runDataDrivenFile(join(testdata, file), (c) => run(scenario, c));
  });
});
