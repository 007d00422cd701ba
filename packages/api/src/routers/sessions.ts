import { TRPCError } from '@trpc/server';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { operatorProcedure, viewerProcedure } from '../trpc';

const killInput = z.object({
  id: z.number().int().positive(),
  scope: z.enum(['connection', 'query']).default('connection'),
});

export const sessionsRouter = {
  /** The SQL connections of this server's gateway, as SHOW PROCESSLIST lists them. */
  list: viewerProcedure.query(({ ctx }) => ctx.services.sessions.list()),

  /** KILL CONNECTION (or QUERY) id. Operators and admins; audited. */
  kill: operatorProcedure
    .meta({
      audit: {
        target: (input) => {
          const o = typeof input === 'object' && input !== null ? input : {};
          const id = (o as Record<string, unknown>).id;
          const scope = (o as Record<string, unknown>).scope;
          return `${scope === 'query' ? 'query of ' : ''}session ${typeof id === 'number' ? String(id) : '?'}`;
        },
      },
    })
    .input(killInput)
    .mutation(({ ctx, input }) => {
      if (!ctx.services.sessions.kill(input.id, input.scope)) {
        throw new TRPCError({
          code: 'NOT_FOUND',
          message: `No session ${input.id}: it may have ended already.`,
        });
      }
      return { id: input.id, scope: input.scope };
    }),
} satisfies TRPCRouterRecord;
