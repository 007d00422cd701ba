import type {
  CommandResult,
  GetResult,
  MvccCommand,
  ScanOptions,
  ScanResult,
  SpaceMissing,
  TxnStatus,
} from '@tessera/storage';
import type { ReplicaErrorCode } from '../node/errors';

/**
 * The client-facing protocol of a data node: what a transaction coordinator (and later the SQL
 * gateway) asks a slice's leader. One request names one replication group; the answer comes
 * from that group's member on the addressed node.
 *
 * Writes are MVCC commands replicated as one log entry (`propose`); reads are served by a
 * leader holding its lease. The protocol is request/response over an unreliable `Transport`:
 * a response can be lost, so a client that times out does not know whether a proposal applied.
 */
export type KvOperation =
  | { readonly op: 'propose'; readonly commands: readonly MvccCommand[] }
  | { readonly op: 'get'; readonly readTs: number; readonly key: Uint8Array }
  | {
      /**
       * With `options.program`, the leader runs the program over the rows next to the data
       * (with the processors its DataNode registered) and answers its outputs, or
       * `programRefused` — an answer, not a failure: the client does not retry it.
       */
      readonly op: 'scan';
      readonly readTs: number;
      readonly startKey: Uint8Array | undefined;
      readonly endKey: Uint8Array | undefined;
      readonly options: ScanOptions;
      /**
       * The group's distribution-hash range in the requester's slice map, as decimal strings
       * [start, end): the group refuses the scan (WRONG_SLICE) when a split has narrowed its
       * range below it. Absent: not checked.
       */
      readonly sliceRange?: { readonly start: string; readonly end: string };
    }
  | { readonly op: 'txnStatus'; readonly primary: Uint8Array; readonly startTs: number };

/** The value each operation answers with. */
export interface KvAnswers {
  readonly propose: readonly CommandResult[];
  readonly get: GetResult;
  readonly scan: ScanResult;
  readonly txnStatus: TxnStatus | SpaceMissing;
}

export type KvAnswer = KvAnswers[keyof KvAnswers];

/** Refusals of the service itself, besides the replica's own codes. */
export type KvErrorCode = ReplicaErrorCode | 'BUSY';

export interface KvFailure {
  readonly code: KvErrorCode;
  readonly message: string;
  /** NOT_LEADER: the node the member believes leads (0 when unknown). */
  readonly leaderHint: number;
}

export type KvMessage =
  | {
      readonly kind: 'kvRequest';
      readonly requestId: number;
      readonly groupId: number;
      readonly body: KvOperation;
    }
  | {
      readonly kind: 'kvResponse';
      readonly requestId: number;
      readonly outcome:
        | { readonly ok: true; readonly answer: KvAnswer }
        | { readonly ok: false; readonly failure: KvFailure };
    };
