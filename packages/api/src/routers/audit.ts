import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { operatorProcedure } from '../trpc';

export const auditRouter = {
  /** Newest first, paged backwards by id. Operators and admins see the trail. */
  list: operatorProcedure
    .input(
      z.object({
        limit: z.number().int().min(1).max(500).default(100),
        /** Id of the oldest event already shown: the page continues below it. */
        cursor: z.number().int().positive().nullish(),
        actor: z.string().trim().max(64).optional(),
        action: z.string().trim().max(128).optional(),
        outcome: z.enum(['ok', 'denied', 'failed']).optional(),
      }),
    )
    .query(({ ctx, input }) => {
      const { cursor, ...filters } = input;
      return ctx.services.audit.list({ ...filters, beforeId: cursor ?? undefined });
    }),
} satisfies TRPCRouterRecord;
