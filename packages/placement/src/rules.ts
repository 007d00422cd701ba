/**
 * The placement rules that validation and the planners share, so that a planner never aims
 * at a different target than the validator checks.
 */
import type { ReplicationFactor, SliceMember } from './model';

/**
 * Members each slice should have given `upNodes` nodes that can hold one. One member per node
 * means a small cluster cannot honour the whole factor; data replicas come first, then
 * loggers (they complete the voting quorum), then learners.
 */
export function expectedMembers(factor: ReplicationFactor, upNodes: number): ReplicationFactor {
  const replicas = Math.min(factor.replicas, upNodes);
  const loggers = Math.min(factor.loggers, upNodes - replicas);
  const learners = Math.min(factor.learners, upNodes - replicas - loggers);
  return { replicas, loggers, learners };
}

export interface ZoneSpread {
  readonly replicaZones: number;
  readonly memberZones: number;
}

export function zoneSpread(members: readonly SliceMember[]): ZoneSpread {
  const replicaZones = new Set<string>();
  const memberZones = new Set<string>();
  for (const m of members) {
    memberZones.add(m.zone);
    if (m.role === 'replica') replicaZones.add(m.zone);
  }
  return { replicaZones: replicaZones.size, memberZones: memberZones.size };
}

/**
 * A slice with k members uses min(k, zones) distinct zones, and its data replicas on their
 * own do too: losing one zone then never loses every copy of the data.
 */
export function zoneSpreadOk(members: readonly SliceMember[], zoneCount: number): boolean {
  const spread = zoneSpread(members);
  const replicas = members.filter((m) => m.role === 'replica').length;
  return (
    spread.replicaZones >= Math.min(replicas, zoneCount) &&
    spread.memberZones >= Math.min(members.length, zoneCount)
  );
}

/** Roles that hold a copy of the data (and so count towards a node's bytes). */
export function holdsData(role: SliceMember['role']): boolean {
  return role !== 'logger';
}

/**
 * How many zones short of the rule a slice is: [for its data replicas, for all members].
 * Zero on both counts exactly when zoneSpreadOk.
 */
export function zoneDeficit(members: readonly SliceMember[], zoneCount: number): [number, number] {
  const spread = zoneSpread(members);
  const replicas = members.filter((m) => m.role === 'replica').length;
  return [
    Math.max(0, Math.min(replicas, zoneCount) - spread.replicaZones),
    Math.max(0, Math.min(members.length, zoneCount) - spread.memberZones),
  ];
}
