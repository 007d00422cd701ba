import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ApiContext, ApiServices, AuditEventRecord, SessionUser } from './context';
import type { Role } from './roles';
import {
  adminProcedure,
  createCallerFactory,
  describeInput,
  operatorProcedure,
  router,
  viewerProcedure,
} from './trpc';

/** An audit service that keeps events in memory: the middleware's real sink in these tests. */
function auditSink() {
  const events: Omit<AuditEventRecord, 'id' | 'at'>[] = [];
  return {
    events,
    service: {
      record: (e: Omit<AuditEventRecord, 'id' | 'at'>) => {
        events.push(e);
        return Promise.resolve();
      },
      list: () => Promise.reject(new Error('not used in these tests')),
    },
  };
}

const testRouter = router({
  look: viewerProcedure.query(() => 'seen'),
  act: operatorProcedure.input(z.object({ name: z.string() })).mutation(({ input }) => input.name),
  manage: adminProcedure
    .meta({ audit: { target: (input) => `thing ${String((input as { id: number }).id)}` } })
    .input(z.object({ id: z.number(), password: z.string() }))
    .mutation(() => 'managed'),
  fail: operatorProcedure.mutation(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'already there' });
  }),
});

function callerAs(role: Role | null) {
  const sink = auditSink();
  const user: SessionUser | null = role ? { id: 1, loginName: `${role}-user`, role } : null;
  const ctx: ApiContext = {
    user,
    sessionToken: null,
    remote: '192.0.2.7',
    services: { audit: sink.service } as unknown as ApiServices,
    setSessionCookie: () => undefined,
  };
  return { caller: createCallerFactory(testRouter)(ctx), events: sink.events };
}

describe('role procedures', () => {
  it('refuse a caller without a session with UNAUTHORIZED', async () => {
    const { caller } = callerAs(null);
    await expect(caller.look()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuse a viewer on an operator procedure with FORBIDDEN, naming the role needed', async () => {
    const { caller } = callerAs('viewer');
    await expect(caller.look()).resolves.toBe('seen');
    await expect(caller.act({ name: 'x' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'This action needs the operator role; viewer-user is viewer.',
    });
  });

  it('let an admin through every level', async () => {
    const { caller } = callerAs('admin');
    await expect(caller.act({ name: 'x' })).resolves.toBe('x');
    await expect(caller.manage({ id: 3, password: 'p' })).resolves.toBe('managed');
  });
});

describe('audit middleware', () => {
  it('records every mutation once with its outcome, and no query', async () => {
    const { caller, events } = callerAs('operator');
    await caller.look();
    await caller.act({ name: 'pump' });
    await expect(caller.manage({ id: 9, password: 'secret-1' })).rejects.toThrow();
    await expect(caller.fail()).rejects.toThrow('already there');
    expect(events).toEqual([
      {
        actor: 'operator-user',
        action: 'act',
        target: '{"name":"pump"}',
        outcome: 'ok',
        detail: '',
        remote: '192.0.2.7',
      },
      {
        actor: 'operator-user',
        action: 'manage',
        target: 'thing 9',
        outcome: 'denied',
        detail: 'This action needs the admin role; operator-user is operator.',
        remote: '192.0.2.7',
      },
      {
        actor: 'operator-user',
        action: 'fail',
        target: '',
        outcome: 'failed',
        detail: 'already there',
        remote: '192.0.2.7',
      },
    ]);
  });

  it('falls back to the generic description when a target function throws', async () => {
    const { caller, events } = callerAs(null);
    await expect(
      caller.manage(undefined as unknown as { id: number; password: string }),
    ).rejects.toThrow();
    expect(events).toMatchObject([{ action: 'manage', target: '', outcome: 'denied', actor: '-' }]);
  });
});

describe('describeInput', () => {
  it('redacts secrets at any depth and keeps the rest', () => {
    expect(describeInput({ loginName: 'a', password: 'p', nested: { apiToken: 't', x: 1 } })).toBe(
      '{"loginName":"a","password":"***","nested":{"apiToken":"***","x":1}}',
    );
  });

  it('truncates long inputs to 200 characters', () => {
    const text = describeInput({ sql: 'x'.repeat(500) });
    expect(text).toHaveLength(200);
    expect(text.endsWith('...')).toBe(true);
  });

  it('describes no input as empty', () => {
    expect(describeInput(undefined)).toBe('');
    expect(describeInput(null)).toBe('');
  });
});
