import { ReplicaError } from '../node/errors';
import type { NodeId, Transport } from '../runtime/transport';
import { ControlCodecError, decodeControlCommand, encodeControlSnapshot } from './control-codec';
import type { ControlMember } from './control-member';
import type {
  ControlAnswer,
  ControlFailure,
  ControlMessage,
  ControlOperation,
} from './control-protocol';

export interface ControlServiceOptions {
  /** Requests being served at once; beyond it new ones are refused with BUSY (default 10 000). */
  readonly maxInFlight?: number;
  /** Largest timestamp batch one request may ask for (default 10 000). */
  readonly maxTimestampBatch?: number;
}

/**
 * The control plane's client-facing side on one member: answers requests from the member's
 * state when it is the serving leader (holds the lease and applied an entry of its term), and
 * refuses with NOT_LEADER (hint included) or LEASE_UNAVAILABLE otherwise. Stateless beyond the
 * in-flight count.
 */
export class ControlService {
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxTimestampBatch: number;

  constructor(
    private readonly member: ControlMember,
    private readonly transport: Transport<ControlMessage>,
    options: ControlServiceOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.maxTimestampBatch = options.maxTimestampBatch ?? 10_000;
    transport.onMessage((from, message) => {
      if (message.kind === 'controlRequest') this.serve(from, message.requestId, message.body);
    });
  }

  close(): void {
    this.transport.close();
  }

  private serve(from: NodeId, requestId: number, body: ControlOperation): void {
    const reply = (outcome: Extract<ControlMessage, { kind: 'controlResponse' }>['outcome']) => {
      this.transport.send(from, { kind: 'controlResponse', requestId, outcome });
    };
    if (this.inFlight >= this.maxInFlight) {
      reply({ ok: false, failure: { code: 'BUSY', message: 'too many requests', leaderHint: 0 } });
      return;
    }
    this.inFlight++;
    this.run(body).then(
      (answer) => {
        this.inFlight--;
        reply({ ok: true, answer });
      },
      (error: unknown) => {
        this.inFlight--;
        reply({ ok: false, failure: this.toFailure(error) });
      },
    );
  }

  private async run(body: ControlOperation): Promise<ControlAnswer> {
    // Everything is answered by the serving leader only: a follower's state may be stale, and
    // a client that read an old slice map from one would not know it.
    if (!this.member.isServingLeader) {
      const hint = this.member.leaderHint;
      if (hint !== this.member.nodeId) {
        throw new ReplicaError('NOT_LEADER', `control member ${this.member.nodeId} does not lead`, {
          leaderHint: hint,
        });
      }
      throw new ReplicaError('LEASE_UNAVAILABLE', 'control plane leader not serving yet', {
        leaderHint: hint,
      });
    }
    switch (body.op) {
      case 'timestamps': {
        const count = body.count;
        if (!Number.isSafeInteger(count) || count < 1 || count > this.maxTimestampBatch) {
          throw new BadRequest(`timestamp count must be 1..${this.maxTimestampBatch}`);
        }
        const batch = await this.member.allocateTimestamps(count);
        return { op: 'timestamps', first: batch.first, count: batch.count };
      }
      case 'heartbeat': {
        const { nodeId, zone, address } = body;
        if (!Number.isSafeInteger(nodeId) || nodeId < 1 || typeof zone !== 'string') {
          throw new BadRequest('heartbeat needs a node id and a zone');
        }
        const node = await this.member.heartbeat({
          nodeId,
          zone,
          address: typeof address === 'string' ? address : '',
          ...(Array.isArray(body.replicas) ? { replicas: body.replicas } : {}),
          ...(typeof body.busyMs === 'number' && Number.isFinite(body.busyMs) && body.busyMs >= 0
            ? { busyMs: body.busyMs }
            : {}),
        });
        return { op: 'heartbeat', node };
      }
      case 'command': {
        const command = decodeControlCommand(body.command);
        // Time inside commands is the leader's (see ControlState): never trust a client's.
        const stamped =
          command.kind === 'registerNode' || command.kind === 'setNodeState'
            ? { ...command, atMs: this.member.nowMs() }
            : command;
        return { op: 'command', result: await this.member.propose(stamped) };
      }
      case 'positions':
        return { op: 'positions', nodes: this.member.replicaPositions() };
      case 'state': {
        const state = this.member.current;
        const version = state.stateVersion;
        const snapshot =
          version === body.knownVersion ? undefined : encodeControlSnapshot(state.snapshot());
        return { op: 'state', version, snapshot };
      }
    }
  }

  private toFailure(error: unknown): ControlFailure {
    if (error instanceof ReplicaError) {
      return { code: error.code, message: error.message, leaderHint: error.leaderHint };
    }
    if (error instanceof BadRequest || error instanceof ControlCodecError) {
      return { code: 'BAD_REQUEST', message: error.message, leaderHint: 0 };
    }
    if (error instanceof Error && error.name === 'OracleUnavailableError') {
      return { code: 'UNAVAILABLE', message: error.message, leaderHint: 0 };
    }
    return {
      code: 'INTERNAL',
      message: error instanceof Error ? error.message : String(error),
      leaderHint: 0,
    };
  }
}

class BadRequest extends Error {
  override readonly name = 'BadRequest';
}
