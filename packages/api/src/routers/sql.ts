import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { viewerProcedure } from '../trpc';

/** Statement text as the SQL page sends it: up to 1 MB. */
const sqlText = z
  .string()
  .max(1_000_000, 'A statement text has at most 1,000,000 characters.')
  .refine((s) => s.trim() !== '', 'Type a statement to run.');

const databaseName = z
  .string()
  .min(1)
  .max(64, 'A database name has at most 64 characters.')
  .nullable()
  .default(null);

export const sqlRouter = {
  /**
   * Runs statements as the signed-in user's mapped database account (the database's own
   * privileges decide what is allowed), on a fresh session: a transaction lasts as long as the
   * text. Audited (target: the start of the text); kept in the user's query history.
   */
  run: viewerProcedure
    .meta({
      audit: {
        target: (input) => {
          const sql =
            typeof input === 'object' && input !== null
              ? (input as Record<string, unknown>).sql
              : undefined;
          if (typeof sql !== 'string') return '?';
          const flat = sql.replace(/\s+/g, ' ').trim();
          return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
        },
      },
    })
    .input(
      z.object({
        sql: sqlText,
        database: databaseName,
        maxRows: z.number().int().min(1).max(10_000).default(1000),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.sql.run(ctx.user, input)),

  /** The signed-in user's own statements, newest first, paged back by id. */
  history: viewerProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(200).default(50),
          beforeId: z.number().int().positive().optional(),
        })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) => ctx.services.sql.history(ctx.user, input)),
} satisfies TRPCRouterRecord;
