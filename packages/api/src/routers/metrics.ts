import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { viewerProcedure } from '../trpc';

const since = z.object({ sinceMs: z.number().int().nonnegative().optional() }).default({});

/**
 * The server's time series (sampled once a second, the last 15 minutes), its cluster events and
 * the hotspots now. The console polls `cluster` / `slice` with the `at` of the last sample it
 * holds, so each poll carries only the new samples.
 */
export const metricsRouter = {
  cluster: viewerProcedure
    .input(since)
    .query(({ ctx, input }) => ctx.services.metrics.cluster({ sinceMs: input.sinceMs })),

  slice: viewerProcedure
    .input(
      z.object({
        sliceId: z.number().int().nonnegative(),
        sinceMs: z.number().int().nonnegative().optional(),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.services.metrics.slice(input.sliceId, { sinceMs: input.sinceMs }),
    ),

  events: viewerProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(500).default(50),
          beforeId: z.number().int().positive().optional(),
          slice: z.number().int().nonnegative().optional(),
        })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) => ctx.services.metrics.events(input)),

  hotspots: viewerProcedure.query(({ ctx }) => ctx.services.metrics.hotspots()),
} satisfies TRPCRouterRecord;
