import { TRPCError } from '@trpc/server';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure, viewerProcedure } from '../trpc';
import { passwordSchema } from './users';

export const loginInput = z.object({
  loginName: z.string().trim().min(1, 'Enter your login name').max(64),
  password: z.string().min(1, 'Enter your password').max(1024),
});

export const authRouter = {
  /** The only procedure that works without a session. Records its own audit events. */
  login: publicProcedure
    .meta({ audit: 'self' })
    .input(loginInput)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.services.auth.login(input.loginName, input.password, ctx.remote);
      const event = { actor: input.loginName, action: 'auth.login', target: input.loginName };
      switch (result.kind) {
        case 'ok':
          ctx.setSessionCookie(result.cookie);
          await ctx.services.audit.record({
            ...event,
            outcome: 'ok',
            detail: '',
            remote: ctx.remote,
          });
          return result.user;
        case 'bad-credentials':
          await ctx.services.audit.record({
            ...event,
            outcome: 'failed',
            detail: 'wrong login name or password',
            remote: ctx.remote,
          });
          throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Wrong login name or password.' });
        case 'rate-limited':
          await ctx.services.audit.record({
            ...event,
            outcome: 'denied',
            detail: `rate limited for ${result.retryAfterSeconds}s`,
            remote: ctx.remote,
          });
          throw new TRPCError({
            code: 'TOO_MANY_REQUESTS',
            message: `Too many failed sign-ins. Try again in ${result.retryAfterSeconds} s.`,
          });
      }
    }),

  logout: viewerProcedure.meta({ audit: { target: () => '' } }).mutation(async ({ ctx }) => {
    if (ctx.sessionToken !== null) await ctx.services.auth.logout(ctx.sessionToken);
    ctx.setSessionCookie(null);
    return { ok: true as const };
  }),

  /** The signed-in user, or null: lets the console decide whether to show the login page. */
  me: publicProcedure.query(({ ctx }) => ctx.user),

  changePassword: viewerProcedure
    .meta({ audit: { target: () => 'own password' } })
    .input(z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }))
    .mutation(async ({ ctx, input }) => {
      const ok = await ctx.services.auth.changePassword(
        ctx.user.id,
        input.currentPassword,
        input.newPassword,
      );
      if (!ok) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'The current password is wrong.' });
      }
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
