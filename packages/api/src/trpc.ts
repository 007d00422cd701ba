import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import type { ApiContext, AuditOutcome } from './context';
import type { Role } from './roles';
import { roleAtLeast } from './roles';

export interface ApiMeta {
  /**
   * How a mutation appears in the audit trail. `self` means the procedure records its own
   * events (login, where the actor is the name being tried). Otherwise `target` names what the
   * mutation acted on; the default is the input with secrets redacted. `detail`, when given,
   * describes a success from its result (what was created: `node 4 in zone b`); a failure's
   * detail is always its error message.
   */
  readonly audit?:
    | 'self'
    | {
        readonly target: (input: unknown) => string;
        readonly detail?: (data: unknown) => string;
      };
}

const t = initTRPC
  .context<ApiContext>()
  .meta<ApiMeta>()
  .create({
    transformer: superjson,
    // Stack traces name files and lines of the server; callers get the message and code only.
    isDev: false,
    errorFormatter({ shape, error }) {
      return {
        ...shape,
        data: {
          ...shape.data,
          // zod issues flattened so the console can show a readable message per field.
          fieldErrors:
            error.cause instanceof z.ZodError ? z.flattenError(error.cause).fieldErrors : null,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every mutation, allowed or not, leaves an AuditEvent (issue 2: "every mutation is audited"). */
const audited = t.middleware(async ({ ctx, type, path, meta, next, getRawInput }) => {
  const result = await next();
  if (type !== 'mutation' || meta?.audit === 'self') return result;
  const input = await getRawInput().catch(() => undefined);
  const target = auditTarget(meta, input);
  let outcome: AuditOutcome = 'ok';
  let detail = '';
  if (!result.ok) {
    const code = result.error.code;
    outcome = code === 'UNAUTHORIZED' || code === 'FORBIDDEN' ? 'denied' : 'failed';
    detail = result.error.message;
  } else if (meta?.audit?.detail !== undefined) {
    detail = successDetail(meta.audit.detail, result.data);
  }
  await ctx.services.audit.record({
    actor: ctx.user?.loginName ?? '-',
    action: path,
    target,
    outcome,
    detail,
    remote: ctx.remote,
  });
  return result;
});

export const publicProcedure = t.procedure.use(audited);

function requireRole(required: Role) {
  return t.middleware(({ ctx, next }) => {
    const user = ctx.user;
    if (user === null) {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to use the console API.' });
    }
    if (!roleAtLeast(user.role, required)) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `This action needs the ${required} role; ${user.loginName} is ${user.role}.`,
      });
    }
    return next({ ctx: { ...ctx, user } });
  });
}

export const viewerProcedure = publicProcedure.use(requireRole('viewer'));
export const operatorProcedure = publicProcedure.use(requireRole('operator'));
export const adminProcedure = publicProcedure.use(requireRole('admin'));

/**
 * The audit target of a mutation. Input has not been validated yet when this runs (a refused
 * call is audited too), so a target function may see anything; if it throws, the generic
 * description is used rather than losing the audit event.
 */
function auditTarget(meta: ApiMeta | undefined, input: unknown): string {
  if (meta?.audit === undefined || meta.audit === 'self') return describeInput(input);
  try {
    return meta.audit.target(input);
  } catch {
    return describeInput(input);
  }
}

const secretKey = /pass|secret|token/i;

/** A success's audit detail; a detail function that throws leaves it empty, never the event. */
function successDetail(describe: (data: unknown) => string, data: unknown): string {
  try {
    return describe(data);
  } catch {
    return '';
  }
}

/** A short, secret-free description of a mutation's input for the audit trail. */
export function describeInput(input: unknown): string {
  if (input === undefined || input === null) return '';
  const text = JSON.stringify(input, (key, value: unknown) =>
    key !== '' && secretKey.test(key) ? '***' : value,
  );
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
