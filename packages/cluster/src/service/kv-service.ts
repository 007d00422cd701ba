import type { DataNode } from '../node/data-node';
import { ReplicaError } from '../node/errors';
import type { NodeId, Transport } from '../runtime/transport';
import { copyGet, copyScan, copyStatus } from './copy-out';
import type { KvAnswer, KvFailure, KvMessage, KvOperation } from './kv-protocol';

export interface KvServiceOptions {
  /** Requests being served at once; beyond it new ones are refused with BUSY (default 10 000). */
  readonly maxInFlight?: number;
}

/**
 * The node side of the KV protocol: answers requests for the groups this data node hosts by
 * calling the group's replica. It holds no state of its own beyond the in-flight count, so a
 * restarted node serves again as soon as its replicas recover.
 */
export class KvService {
  private inFlight = 0;
  private readonly maxInFlight: number;

  constructor(
    private readonly node: DataNode,
    private readonly transport: Transport<KvMessage>,
    options: KvServiceOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 10_000;
    transport.onMessage((from, message) => {
      if (message.kind === 'kvRequest') this.serve(from, message);
    });
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Stops answering (the node is going away); answers still being computed are dropped. */
  close(): void {
    this.transport.close();
  }

  private serve(from: NodeId, request: Extract<KvMessage, { kind: 'kvRequest' }>): void {
    const reply = (outcome: Extract<KvMessage, { kind: 'kvResponse' }>['outcome']) => {
      this.transport.send(from, { kind: 'kvResponse', requestId: request.requestId, outcome });
    };
    if (this.inFlight >= this.maxInFlight) {
      reply({
        ok: false,
        failure: { code: 'BUSY', message: 'too many requests in flight', leaderHint: 0 },
      });
      return;
    }
    const replica = this.node.replica(request.groupId);
    if (replica === undefined || this.node.isClosed) {
      reply({
        ok: false,
        failure: {
          code: 'NO_SUCH_REPLICA',
          message: `node ${this.node.nodeId} hosts no replica of group ${request.groupId}`,
          leaderHint: 0,
        },
      });
      return;
    }
    this.inFlight++;
    run(replica, request.body).then(
      (answer) => {
        this.inFlight--;
        reply({ ok: true, answer });
      },
      (err: unknown) => {
        this.inFlight--;
        reply({ ok: false, failure: toFailure(err) });
      },
    );
  }
}

async function run(
  replica: NonNullable<ReturnType<DataNode['replica']>>,
  body: KvOperation,
): Promise<KvAnswer> {
  switch (body.op) {
    case 'propose':
      return replica.propose(body.commands);
    case 'get':
      return copyGet(await replica.read(body.readTs, body.key));
    case 'scan': {
      const range = body.sliceRange;
      const expectBounds =
        range === undefined ? undefined : { start: BigInt(range.start), end: BigInt(range.end) };
      return copyScan(
        await replica.scan(body.readTs, body.startKey, body.endKey, {
          ...body.options,
          ...(expectBounds === undefined ? {} : { expectBounds }),
        }),
      );
    }
    case 'txnStatus':
      return copyStatus(await replica.txnStatus(body.primary, body.startTs));
  }
}

/** Replica errors keep their code; anything else is an internal failure of this node. */
function toFailure(err: unknown): KvFailure {
  if (err instanceof ReplicaError) {
    return { code: err.code, message: err.message, leaderHint: err.leaderHint };
  }
  return {
    code: 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
    leaderHint: 0,
  };
}
