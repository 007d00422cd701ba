import { invariant } from './errors';
import type { NodeId } from './types';

/**
 * One single-server membership change, carried as the data of a `confChange` entry.
 *
 * Tessera uses single-server changes (Raft thesis §4.1), not joint consensus: each change
 * adds or removes at most one member of the quorum set (voters ∪ loggers), so any majority of
 * the old set overlaps any majority of the new one. It takes effect when the entry is applied
 * (after commit), and the leader allows only one unapplied change at a time.
 *
 * - addVoter: a new member, or promotion of a learner.
 * - addLogger: a new log-only voter, or a learner turned into one.
 * - addLearner: a new non-voting member, or demotion of a voter.
 * - removeNode: removal of any member.
 */
export type ConfChangeType = 'addVoter' | 'addLogger' | 'addLearner' | 'removeNode';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

const confChangeTypes: readonly ConfChangeType[] = [
  'addVoter',
  'addLogger',
  'addLearner',
  'removeNode',
];

export function encodeConfChange(change: ConfChange): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ type: change.type, nodeId: change.nodeId }));
}

/** Decodes what encodeConfChange wrote; anything else is a corrupted log. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(data));
  invariant(typeof parsed === 'object' && parsed !== null, 'conf change is not an object');
  const { type, nodeId } = parsed as { type?: unknown; nodeId?: unknown };
  const known = confChangeTypes.find((t) => t === type);
  invariant(known !== undefined, `unknown conf change type ${String(type)}`);
  invariant(isNodeId(nodeId), `conf change node id ${String(nodeId)} is invalid`);
  return { type: known, nodeId };
}

export function isNodeId(value: unknown): value is NodeId {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
