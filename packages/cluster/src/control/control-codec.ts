import type { ControlCommand, ControlSnapshot } from './control-state';

/**
 * Control-plane commands and snapshots as bytes for the Raft log: JSON, with bigints (hash
 * ranges, split points) tagged as `{"$big":"<hex>"}` because JSON has no 64-bit integers.
 * The control plane's traffic is small (membership and placement changes, window
 * reservations), so readability of the log wins over compactness here.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class ControlCodecError extends Error {
  override readonly name = 'ControlCodecError';
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $big: value.toString(16) } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '$big' in value) {
    const hex = value.$big;
    if (typeof hex !== 'string' || !/^[0-9a-f]+$/.test(hex)) {
      throw new ControlCodecError(`bad bigint in control record: ${JSON.stringify(value)}`);
    }
    return BigInt(`0x${hex}`);
  }
  return value;
}

function decode(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes), reviver) as unknown;
  } catch (err) {
    if (err instanceof ControlCodecError) throw err;
    throw new ControlCodecError('undecodable control record', { cause: err });
  }
}

const commandKinds = new Set<ControlCommand['kind']>([
  'registerNode',
  'setNodeState',
  'createRepresentation',
  'dropRepresentation',
  'applyPlacementChanges',
  'splitSlice',
  'beginSplit',
  'finishSplit',
  'reserveTsoWindow',
  'allocateIds',
  'createDatabase',
  'dropDatabase',
  'createTable',
  'dropTable',
  'renameTable',
  'alterTable',
  'allocateAutoIncrement',
  'createUser',
  'dropUser',
  'alterUser',
  'grant',
  'revoke',
]);

export function encodeControlCommand(command: ControlCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command, replacer));
}

/** Checks the shape that matters for dispatch; `ControlState.apply` validates the rest. */
export function decodeControlCommand(bytes: Uint8Array): ControlCommand {
  const value = decode(bytes);
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !commandKinds.has(kind as ControlCommand['kind'])) {
    throw new ControlCodecError(`not a control command: ${String(kind)}`);
  }
  return value as ControlCommand;
}

export function encodeControlSnapshot(snapshot: ControlSnapshot): Uint8Array {
  return encoder.encode(JSON.stringify(snapshot, replacer));
}

export function decodeControlSnapshot(bytes: Uint8Array): ControlSnapshot {
  const value = decode(bytes) as Partial<ControlSnapshot> | null;
  if (
    value === null ||
    typeof value.version !== 'number' ||
    !Array.isArray(value.nodes) ||
    typeof value.placement !== 'object' ||
    !Array.isArray(value.sliceEpochs) ||
    typeof value.tsoWindowEndMs !== 'number' ||
    !Array.isArray(value.counters) ||
    (value.activity !== undefined && !Array.isArray(value.activity)) ||
    (value.splits !== undefined && !Array.isArray(value.splits))
  ) {
    throw new ControlCodecError('not a control snapshot');
  }
  return value as ControlSnapshot;
}
