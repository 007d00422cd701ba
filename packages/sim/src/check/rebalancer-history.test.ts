import type { RebalancerActivity } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import {
  checkHotRerank,
  checkReplacedOff,
  checkRerankBeforeReplace,
  loadReranksOff,
} from './rebalancer-history';

let nextId = 1;
function entry(
  action: RebalancerActivity['action'],
  sliceId: number,
  from: number,
  to: number,
  reason: string,
): RebalancerActivity {
  return {
    id: nextId++,
    atMs: 1_000 * nextId,
    action,
    sliceId,
    representation: 'sim',
    from,
    to,
    reason,
    state: 'done',
    bytes: 0,
    durationMs: 0,
  };
}

describe('checkRerankBeforeReplace', () => {
  const ranked = new Map([
    [0, 1],
    [3, 4],
  ]);

  it('accepts re-ranks of every slice before their replacements', () => {
    const history = [
      entry('rerank', 0, 1, 2, 'node 1 down'),
      entry('rerank', 3, 4, 5, 'node 4 down'),
      entry('add', 0, 1, 6, 'node 1 down'),
      entry('add', 3, 4, 6, 'node 4 down'),
    ];
    expect(checkRerankBeforeReplace(history, ranked)).toEqual([]);
  });

  it('reports a replacement that started before the re-rank, and a missing re-rank', () => {
    const add = entry('add', 0, 1, 6, 'node 1 down');
    const rerank = entry('rerank', 0, 1, 2, 'node 1 down');
    expect(checkRerankBeforeReplace([add, rerank], ranked)).toEqual([
      `slice 0: add #${add.id} (n1 → n6) came before its rerank #${rerank.id} off n1`,
      'slice 3: no rerank off n4 in the rebalancer history',
    ]);
  });
});

describe('checkHotRerank', () => {
  it('accepts a re-rank off the hot node for load', () => {
    const history = [entry('rerank', 2, 1, 3, 'hot: n1 serves 900 reads/s, n3 100')];
    expect(loadReranksOff(history, 1)).toHaveLength(1);
    expect(checkHotRerank(history, 1)).toEqual([]);
  });

  it("does not count failure re-ranks or a move's hand-over as load re-ranks", () => {
    const history = [
      entry('rerank', 2, 1, 3, 'node 1 down'),
      entry('rerank', 4, 1, 2, 'node 1 draining'),
      entry('rerank', 5, 1, 2, 'n1 hands over to n2 before it leaves the slice'),
      entry('rerank', 6, 2, 1, 'hot: n2 serves 900 reads/s, n1 100'),
    ];
    expect(loadReranksOff(history, 1)).toEqual([]);
    expect(checkHotRerank(history, 1)[0]).toMatch(
      /^no slice was re-ranked off the hot node n1 for load \(4 other re-ranks: slice 2 n1 → n3 "node 1 down"/,
    );
  });

  it('reports data moved, and a re-rank onto the hot node itself', () => {
    const move = entry('move', 2, 1, 4, 'balance: n1 holds 900 bytes, n4 100');
    const self = entry('rerank', 3, 1, 1, 'hot: n1 serves 900 reads/s, n1 900');
    const history = [entry('rerank', 2, 1, 3, 'hot: n1 serves 900 reads/s, n3 100'), self, move];
    expect(checkHotRerank(history, 1)).toEqual([
      `rerank #${self.id} of slice 3 moves n1 to itself`,
      `the history holds move #${move.id} of slice 2 (n1 → n4, "balance: n1 holds 900 bytes, n4 100"): data moved`,
    ]);
  });
});

describe('checkReplacedOff', () => {
  const held = new Map([
    [0, 1],
    [2, 1],
  ]);

  it('accepts a replacement, and a move that was under way when the node died', () => {
    const history = [
      entry('add', 0, 1, 4, 'node 1 down'),
      entry('move', 2, 1, 5, 'balance: n1 holds 900 bytes, n5 100'),
      entry('remove', 0, 1, 4, 'node 1 down'),
      entry('remove', 2, 1, 5, 'moved to n5'),
    ];
    expect(checkReplacedOff(history, held)).toEqual([]);
  });

  it('reports a copy that never finished, and a member never removed', () => {
    const running = { ...entry('add', 0, 1, 4, 'node 1 down'), state: 'running' as const };
    const history = [running, entry('add', 2, 1, 5, 'node 1 down')];
    expect(checkReplacedOff(history, held)).toEqual([
      'slice 0: no done add or move off, no remove of n1',
      'slice 2: no remove of n1',
    ]);
  });
});
