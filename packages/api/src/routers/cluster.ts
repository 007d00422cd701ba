import { TRPCError } from '@trpc/server';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { ClusterNodeOpResult } from '../context';
import { operatorProcedure, viewerProcedure } from '../trpc';

const liveIntervalMs = 1000;

const nodeInput = z.object({ nodeId: z.number().int().positive() });

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

function unwrap(nodeId: number, result: ClusterNodeOpResult): { nodeId: number } {
  switch (result.kind) {
    case 'done':
      return { nodeId };
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

  /** Server-sent events: the overview once a second, while subscribed. */
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
      unwrap(input.nodeId, await ctx.services.cluster.killNode(input.nodeId)),
    ),

  /** Brings a killed data node back from its own disk. Audited. */
  restartNode: operatorProcedure
    .meta({ audit: byNode })
    .input(nodeInput)
    .mutation(async ({ ctx, input }) =>
      unwrap(input.nodeId, await ctx.services.cluster.restartNode(input.nodeId)),
    ),
} satisfies TRPCRouterRecord;
