import { TRPCError } from '@trpc/server';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { UserChangeResult, UserSummary } from '../context';
import { roleSchema } from '../roles';
import { adminProcedure, viewerProcedure } from '../trpc';

export const passwordSchema = z
  .string()
  .min(10, 'Use at least 10 characters')
  .max(1024, 'Use at most 1024 characters');

export const loginNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'Use letters, digits and _ . @ - only');

const idInput = z.object({ id: z.number().int().positive() });

function unwrap(result: UserChangeResult): UserSummary {
  switch (result.kind) {
    case 'ok':
      return result.user;
    case 'not-found':
      throw new TRPCError({ code: 'NOT_FOUND', message: 'No such user.' });
    case 'conflict':
      throw new TRPCError({ code: 'CONFLICT', message: result.message });
  }
}

/** Reads one field of a not-yet-validated input for the audit trail. */
function field(input: unknown, name: string): string {
  if (typeof input !== 'object' || input === null) return '?';
  const value = (input as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
}

const byId = { target: (input: unknown) => `user #${field(input, 'id')}` };

export const usersRouter = {
  list: viewerProcedure.query(({ ctx }) => ctx.services.users.list()),

  create: adminProcedure
    .meta({ audit: { target: (input) => field(input, 'loginName') } })
    .input(z.object({ loginName: loginNameSchema, password: passwordSchema, role: roleSchema }))
    .mutation(async ({ ctx, input }) =>
      unwrap(await ctx.services.users.create(input.loginName, input.password, input.role)),
    ),

  setRole: adminProcedure
    .meta({ audit: byId })
    .input(idInput.extend({ role: roleSchema }))
    .mutation(async ({ ctx, input }) =>
      unwrap(await ctx.services.users.update(input.id, { role: input.role })),
    ),

  setDisabled: adminProcedure
    .meta({ audit: byId })
    .input(idInput.extend({ disabled: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      if (input.id === ctx.user.id && input.disabled) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'You cannot disable yourself.' });
      }
      return unwrap(await ctx.services.users.update(input.id, { disabled: input.disabled }));
    }),

  resetPassword: adminProcedure
    .meta({ audit: byId })
    .input(idInput.extend({ password: passwordSchema }))
    .mutation(async ({ ctx, input }) =>
      unwrap(await ctx.services.users.update(input.id, { password: input.password })),
    ),

  /**
   * Maps the user to the database account the SQL page runs their statements as ('app'@'%'),
   * or clears it (null). The account itself is managed with CREATE USER / GRANT.
   */
  setDbAccount: adminProcedure
    .meta({ audit: byId })
    .input(
      idInput.extend({
        dbAccount: z
          .object({
            user: z
              .string()
              .min(1, 'Name a database user.')
              .max(32, 'A MySQL user name has at most 32 characters.'),
            host: z.string().min(1).max(255).default('%'),
          })
          .nullable(),
      }),
    )
    .mutation(async ({ ctx, input }) =>
      unwrap(await ctx.services.users.update(input.id, { dbAccount: input.dbAccount })),
    ),

  remove: adminProcedure
    .meta({ audit: byId })
    .input(idInput)
    .mutation(async ({ ctx, input }) => {
      if (input.id === ctx.user.id) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'You cannot remove yourself.' });
      }
      return unwrap(await ctx.services.users.remove(input.id));
    }),
} satisfies TRPCRouterRecord;
