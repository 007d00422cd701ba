import type { TRPCRouterRecord } from '@trpc/server';
import { viewerProcedure } from '../trpc';

const liveIntervalMs = 1000;

export const serverRouter = {
  info: viewerProcedure.query(({ ctx }) => ctx.services.server.info()),

  health: viewerProcedure.query(async ({ ctx }) => {
    const checks = await ctx.services.server.health();
    return { ok: checks.every((c) => c.ok), checks };
  }),

  /** Server-sent events: the process's info and health once a second, while subscribed. */
  live: viewerProcedure.subscription(async function* ({ ctx, signal }) {
    while (signal?.aborted !== true) {
      const checks = await ctx.services.server.health();
      yield { info: ctx.services.server.info(), ok: checks.every((c) => c.ok), checks };
      await ctx.services.server.sleep(liveIntervalMs, signal);
    }
  }),
} satisfies TRPCRouterRecord;
