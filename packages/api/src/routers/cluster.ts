import { TRPCError } from '@trpc/server';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { ClusterNodeOpResult } from '../context';
import { operatorProcedure, viewerProcedure } from '../trpc';

/** The live overview's pace: a change shows in the console within about half a second. */
const liveIntervalMs = 500;

const nodeInput = z.object({ nodeId: z.number().int().positive() });

/**
 * A zone name: 1..64 letters, digits, `_`, `.` and `-`, starting with a letter or digit — the
 * rule of `zoneNameProblem` in @tessera/sql (which ALTER CLUSTER and the embedded cluster
 * apply; this package does not depend on the engine).
 */
const zoneName = z
  .string()
  .min(1, 'A zone name cannot be empty.')
  .max(64, 'A zone name has at most 64 characters.')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'A zone name is letters, digits, _, . and -, starting with a letter or digit.',
  );

const addNodeInput = z.object({ zone: zoneName.optional() });

/** The audit target of a node operation (its input is not validated yet when audited). */
const byNode = {
  target: (input: unknown) => {
    const id =
      typeof input === 'object' && input !== null
        ? (input as Record<string, unknown>).nodeId
        : undefined;
    return `node ${typeof id === 'number' ? String(id) : '?'}`;
  },
};

/** The audit target of an add (the node has no id yet): the zone asked for. */
const byZone = {
  target: (input: unknown) => {
    const zone =
      typeof input === 'object' && input !== null
        ? (input as Record<string, unknown>).zone
        : undefined;
    return typeof zone === 'string' ? `zone ${zone.slice(0, 64)}` : 'zone (fewest nodes)';
  },
  detail: (data: unknown) => {
    const added = data as { nodeId: number; zone: string };
    return `node ${String(added.nodeId)} in zone ${added.zone}`;
  },
};

function unwrap(
  verb: 'kill' | 'restart' | 'drain' | 'remove',
  nodeId: number,
  result: ClusterNodeOpResult,
): { nodeId: number } {
  switch (result.kind) {
    case 'done':
      return { nodeId };
    case 'added':
      return { nodeId: result.nodeId };
    case 'refused':
      throw new TRPCError({
        code: 'CONFLICT',
        message: `Cannot ${verb} data node ${nodeId}: ${result.reason}.`,
      });
    case 'notHosted':
      throw new TRPCError({
        code: 'NOT_IMPLEMENTED',
        message: 'This server does not run the data nodes.',
      });
    case 'unknownNode':
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `No data node ${nodeId}; the data nodes are ${result.nodes.join(', ') || 'none'}.`,
      });
    case 'notRunning':
      throw new TRPCError({ code: 'CONFLICT', message: `Data node ${nodeId} is not running.` });
    case 'alreadyRunning':
      throw new TRPCError({ code: 'CONFLICT', message: `Data node ${nodeId} is already running.` });
  }
}

export const clusterRouter = {
  /** The control plane, nodes, tables and slices, as this process sees them now. */
  overview: viewerProcedure.query(({ ctx }) => ctx.services.cluster.overview()),

  /**
   * The rebalancer's history, newest first: `limit` entries (default 100), older than
   * `beforeId` when given, to page back through the last 1000 the control plane keeps.
   */
  rebalancerActivity: viewerProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(1000).default(100),
          beforeId: z.number().int().positive().optional(),
          slice: z.number().int().nonnegative().optional(),
        })
        .default({ limit: 100 }),
    )
    .query(({ ctx, input }) =>
      ctx.services.cluster.rebalancerActivity({
        limit: input.limit,
        ...(input.beforeId === undefined ? {} : { beforeId: input.beforeId }),
        ...(input.slice === undefined ? {} : { slice: input.slice }),
      }),
    ),

  /** Server-sent events: the overview twice a second, while subscribed. */
  live: viewerProcedure.subscription(async function* ({ ctx, signal }) {
    while (signal?.aborted !== true) {
      yield ctx.services.cluster.overview();
      await ctx.services.server.sleep(liveIntervalMs, signal);
    }
  }),

  /** Simulates the crash of a data node (embedded cluster; its disk is kept). Audited. */
  killNode: operatorProcedure
    .meta({ audit: byNode })
    .input(nodeInput)
    .mutation(async ({ ctx, input }) =>
      unwrap('kill', input.nodeId, await ctx.services.cluster.killNode(input.nodeId)),
    ),

  /**
   * Starts one more data node (embedded cluster: in process) in `zone`, or in the zone with the
   * fewest nodes; answers its id once the control plane registered it. The rebalancer then
   * moves slices to it. Audited (target: the zone; detail: the new node).
   */
  addNode: operatorProcedure
    .meta({ audit: byZone })
    .input(addNodeInput)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.services.cluster.addNode(input.zone);
      switch (result.kind) {
        case 'added':
          return { nodeId: result.nodeId, zone: result.zone };
        case 'notHosted':
          throw new TRPCError({
            code: 'NOT_IMPLEMENTED',
            message:
              'This server does not run the data nodes: start a data-node process (tessera data-node --join), it joins the cluster by itself.',
          });
        case 'refused':
          throw new TRPCError({
            code: 'CONFLICT',
            message: `Cannot add a data node: ${result.reason}.`,
          });
        case 'done':
        case 'unknownNode':
        case 'notRunning':
        case 'alreadyRunning':
          throw new TRPCError({
            code: 'INTERNAL_SERVER_ERROR',
            message: `Adding a data node answered '${result.kind}'.`,
          });
      }
    }),

  /**
   * Marks a node draining: the rebalancer moves its replicas to the other nodes, in the
   * background (watch the overview or the activity history). Audited.
   */
  drainNode: operatorProcedure
    .meta({ audit: byNode })
    .input(nodeInput)
    .mutation(async ({ ctx, input }) =>
      unwrap('drain', input.nodeId, await ctx.services.cluster.drainNode(input.nodeId)),
    ),

  /**
   * Removes a node from the cluster for good (refused with CONFLICT while it still holds data:
   * drain it first); the embedded cluster stops it. Audited.
   */
  removeNode: operatorProcedure
    .meta({ audit: byNode })
    .input(nodeInput)
    .mutation(async ({ ctx, input }) =>
      unwrap('remove', input.nodeId, await ctx.services.cluster.removeNode(input.nodeId)),
    ),

  /** Brings a killed data node back from its own disk. Audited. */
  restartNode: operatorProcedure
    .meta({ audit: byNode })
    .input(nodeInput)
    .mutation(async ({ ctx, input }) =>
      unwrap('restart', input.nodeId, await ctx.services.cluster.restartNode(input.nodeId)),
    ),
} satisfies TRPCRouterRecord;
