import type { TRPCRouterRecord } from '@trpc/server';
import { viewerProcedure } from '../trpc';

const liveIntervalMs = 1000;

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
} satisfies TRPCRouterRecord;
