import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEventRecord, AuditQuery } from '@tessera/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningTessera } from '../src/app';
import { hashToken, sessionTtlSeconds } from '../src/auth/auth-service';
import { sessionCookieName } from '../src/http/cookies';
import type { Browser } from './helpers';
import {
  adminPassword,
  makeDataDir,
  rawMutation,
  rawQuery,
  removeDataDir,
  sessionFromSetCookie,
  signIn,
  startServer,
  TestClock,
  trpcError,
} from './helpers';

const viewerPassword = 'viewer-password-1';
const operatorPassword = 'operator-password-1';

let dataDir: string;
let running: RunningTessera;
let url: string;
let admin: Browser;
const clock = new TestClock();

async function audit(query: Partial<AuditQuery> = {}): Promise<AuditEventRecord[]> {
  return (await admin.client.audit.list.query({ limit: 500, ...query })).events;
}

function cookieHeader(token: string): Record<string, string> {
  return { cookie: `${sessionCookieName}=${encodeURIComponent(token)}` };
}

beforeAll(async () => {
  dataDir = await makeDataDir();
  running = await startServer(dataDir, adminPassword, clock.now);
  url = running.api.url;
  admin = await signIn(url, 'admin', adminPassword);
  await admin.client.users.create.mutate({
    loginName: 'vic',
    password: viewerPassword,
    role: 'viewer',
  });
  await admin.client.users.create.mutate({
    loginName: 'ollie',
    password: operatorPassword,
    role: 'operator',
  });
});

afterAll(async () => {
  await running.close();
  await removeDataDir(dataDir);
});

describe('bootstrap of the admin account', () => {
  it('uses the given admin password and writes no password file', async () => {
    expect(running.bootstrap).toEqual({ kind: 'from-env' });
    await expect(stat(join(dataDir, 'initial-admin-password'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(await admin.client.auth.me.query()).toMatchObject({ loginName: 'admin', role: 'admin' });
    const [event] = await audit({ action: 'bootstrap.admin' });
    expect(event).toMatchObject({
      actor: '-',
      target: 'admin',
      outcome: 'ok',
      detail: 'password from TESSERA_ADMIN_PASSWORD',
    });
    expect(JSON.stringify(event)).not.toContain(adminPassword);
  });

  it('generates a password into a 0600 file when none is given, and keeps it on restart', async () => {
    const dir = await makeDataDir();
    try {
      const first = await startServer(dir, undefined);
      let generated: string;
      try {
        expect(first.bootstrap.kind).toBe('generated');
        if (first.bootstrap.kind !== 'generated') return;
        generated = first.bootstrap.password;
        const file = join(dir, 'initial-admin-password');
        expect(first.bootstrap.file).toBe(file);
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        const content = (await readFile(file, 'utf8')).trim();
        expect(content).toBe(generated);
        expect(content.length).toBeGreaterThanOrEqual(20);
        const browser = await signIn(first.api.url, 'admin', content);
        expect(await browser.client.auth.me.query()).toMatchObject({
          loginName: 'admin',
          role: 'admin',
        });
      } finally {
        await first.close();
      }

      // A second start on the same directory finds the admin: nothing is recreated, and a
      // password given now is ignored.
      const second = await startServer(dir, 'a-different-password');
      try {
        expect(second.bootstrap).toEqual({ kind: 'existing' });
        expect((await readFile(join(dir, 'initial-admin-password'), 'utf8')).trim()).toBe(
          generated,
        );
        expect(await second.db.user.count()).toBe(1);
        expect(await second.db.auditEvent.count({ where: { action: 'bootstrap.admin' } })).toBe(1);
        const res = await rawMutation(second.api.url, 'auth.login', {
          loginName: 'admin',
          password: 'a-different-password',
        });
        expect(res.status).toBe(401);
        const browser = await signIn(second.api.url, 'admin', generated);
        expect(await browser.client.auth.me.query()).toMatchObject({ loginName: 'admin' });
      } finally {
        await second.close();
      }
    } finally {
      await removeDataDir(dir);
    }
  });
});

describe('sign-in', () => {
  it('answers a wrong password with 401 and audits the failure', async () => {
    const res = await rawMutation(
      url,
      'auth.login',
      { loginName: 'vic', password: 'not-the-password' },
      { 'x-forwarded-for': '198.51.100.10' },
    );
    expect(res.status).toBe(401);
    expect(sessionFromSetCookie(res)).toBeNull();
    const [event] = await audit({ action: 'auth.login', outcome: 'failed' });
    expect(event).toMatchObject({
      actor: 'vic',
      action: 'auth.login',
      target: 'vic',
      outcome: 'failed',
      remote: '198.51.100.10',
    });
    expect(JSON.stringify(event)).not.toContain('not-the-password');
  });

  it('answers an unknown login name like a wrong password', async () => {
    const res = await rawMutation(
      url,
      'auth.login',
      { loginName: 'nobody-here', password: 'whatever-it-is' },
      { 'x-forwarded-for': '198.51.100.11' },
    );
    expect(res.status).toBe(401);
    const [event] = await audit({ action: 'auth.login', actor: 'nobody-here' });
    expect(event).toMatchObject({ outcome: 'failed', remote: '198.51.100.11' });
  });

  it('sets an HttpOnly, SameSite=Lax session cookie and audits the sign-in', async () => {
    const res = await rawMutation(
      url,
      'auth.login',
      { loginName: 'vic', password: viewerPassword },
      { 'x-forwarded-for': '198.51.100.12' },
    );
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const attributes = cookies[0]!.split(';').map((a) => a.trim());
    expect(attributes[0]).toMatch(new RegExp(`^${sessionCookieName}=[A-Za-z0-9_-]{40,}$`));
    expect(attributes).toContain('HttpOnly');
    expect(attributes).toContain('SameSite=Lax');
    expect(attributes).toContain('Path=/');
    expect(attributes).toContain(`Max-Age=${sessionTtlSeconds}`);

    // Only the token's hash is stored.
    const token = sessionFromSetCookie(res)!;
    expect(await running.db.loginSession.count({ where: { tokenHash: token } })).toBe(0);
    const session = await running.db.loginSession.findUnique({
      where: { tokenHash: hashToken(token) },
    });
    expect(session).toMatchObject({ remoteAddr: '198.51.100.12' });

    const [event] = await audit({ action: 'auth.login', actor: 'vic', outcome: 'ok' });
    expect(event).toMatchObject({ target: 'vic', remote: '198.51.100.12', detail: '' });
  });

  it('rejects an empty login name or password with 400 before checking anything', async () => {
    const res = await rawMutation(url, 'auth.login', { loginName: ' ', password: '' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { json: { data: { fieldErrors: unknown } } } };
    expect(body.error.json.data.fieldErrors).toEqual({
      loginName: ['Enter your login name'],
      password: ['Enter your password'],
    });
  });
});

describe('authorization', () => {
  it('answers protected procedures with 401 without a session', async () => {
    for (const path of ['server.info', 'server.health', 'users.list']) {
      expect((await rawQuery(url, path, undefined)).status, path).toBe(401);
    }
    expect((await rawQuery(url, 'audit.list', { limit: 10 })).status).toBe(401);
    // A cookie nobody issued counts as no session.
    expect(
      (await rawQuery(url, 'server.info', undefined, cookieHeader('forged-token'))).status,
    ).toBe(401);
    const me = await rawQuery(url, 'auth.me', undefined);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ result: { data: { json: null } } });
  });

  it('answers a mutation without a session with 401 and audits it as denied', async () => {
    const res = await rawMutation(
      url,
      'users.create',
      { loginName: 'intruder', password: 'intruder-password', role: 'admin' },
      { 'x-forwarded-for': '198.51.100.20' },
    );
    expect(res.status).toBe(401);
    expect(await running.db.user.count({ where: { loginName: 'intruder' } })).toBe(0);
    const [event] = await audit({ action: 'users.create', outcome: 'denied' });
    expect(event).toMatchObject({
      actor: '-',
      target: 'intruder',
      remote: '198.51.100.20',
      detail: 'Sign in to use the console API.',
    });
    expect(JSON.stringify(event)).not.toContain('intruder-password');
  });

  it('audits a mutation whose body is missing, without failing inside the audit (regression)', async () => {
    const res = await rawMutation(url, 'users.remove', undefined, {
      'x-forwarded-for': '198.51.100.21',
    });
    expect(res.status).toBe(401);
    const body = JSON.stringify(await res.json());
    expect(body).not.toContain('stack');
    const [event] = await audit({ action: 'users.remove', outcome: 'denied' });
    expect(event).toMatchObject({ actor: '-', target: 'user #?', remote: '198.51.100.21' });
  });

  it('answers a viewer with 403 on operator and admin procedures and audits the denied mutation', async () => {
    const vic = await signIn(url, 'vic', viewerPassword, '198.51.100.30');
    expect((await rawQuery(url, 'server.info', undefined, vic.headers())).status).toBe(200);
    expect((await rawQuery(url, 'users.list', undefined, vic.headers())).status).toBe(200);
    expect((await rawQuery(url, 'audit.list', { limit: 5 }, vic.headers())).status).toBe(403);

    const listErr = await trpcError(vic.client.audit.list.query({ limit: 5 }));
    expect(listErr).toMatchObject({
      httpStatus: 403,
      code: 'FORBIDDEN',
      message: 'This action needs the operator role; vic is viewer.',
    });

    const createErr = await trpcError(
      vic.client.users.create.mutate({
        loginName: 'vic2',
        password: 'vic2-password',
        role: 'admin',
      }),
    );
    expect(createErr).toMatchObject({ httpStatus: 403, code: 'FORBIDDEN' });
    const raw = await rawMutation(url, 'users.remove', { id: 1 }, vic.headers());
    expect(raw.status).toBe(403);
    expect(await running.db.user.count({ where: { loginName: 'vic2' } })).toBe(0);
    expect(await running.db.user.count({ where: { id: 1 } })).toBe(1);

    const denied = await audit({ actor: 'vic', outcome: 'denied' });
    expect(denied.map((e) => [e.action, e.target, e.remote])).toEqual([
      ['users.remove', 'user #1', '198.51.100.30'],
      ['users.create', 'vic2', '198.51.100.30'],
    ]);
    expect(denied[1]!.detail).toBe('This action needs the admin role; vic is viewer.');
    // Denied queries are not mutations: they leave no audit event.
    expect(await audit({ actor: 'vic', action: 'audit.list' })).toEqual([]);
  });

  it('lets an operator read the audit trail but not manage users', async () => {
    const ollie = await signIn(url, 'ollie', operatorPassword, '198.51.100.40');
    const page = await ollie.client.audit.list.query({ limit: 3 });
    expect(page.events).toHaveLength(3);
    expect(page.nextBeforeId).toBe(page.events[2]!.id);
    expect(page.events[0]!.at).toBeInstanceOf(Date);
    expect((await rawQuery(url, 'audit.list', { limit: 1 }, ollie.headers())).status).toBe(200);
    const err = await trpcError(ollie.client.users.setRole.mutate({ id: 1, role: 'viewer' }));
    expect(err).toMatchObject({ httpStatus: 403, code: 'FORBIDDEN' });
    const [event] = await audit({ actor: 'ollie', action: 'users.setRole' });
    expect(event).toMatchObject({ outcome: 'denied', target: 'user #1' });
  });
});

describe('sign-out', () => {
  it('clears the cookie, ends the session and audits it', async () => {
    const vic = await signIn(url, 'vic', viewerPassword, '198.51.100.50');
    const token = vic.token!;
    expect((await rawQuery(url, 'server.info', undefined, cookieHeader(token))).status).toBe(200);

    const res = await rawMutation(url, 'auth.logout', undefined, cookieHeader(token));
    expect(res.status).toBe(200);
    const [cleared] = res.headers.getSetCookie();
    expect(cleared).toBe(`${sessionCookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);

    expect((await rawQuery(url, 'server.info', undefined, cookieHeader(token))).status).toBe(401);
    expect(await running.db.loginSession.count({ where: { tokenHash: hashToken(token) } })).toBe(0);
    expect(await vic.client.auth.me.query()).toBeNull();
    // Signing out again without a session is refused.
    expect((await rawMutation(url, 'auth.logout', undefined, cookieHeader(token))).status).toBe(
      401,
    );

    const [event] = await audit({ actor: 'vic', action: 'auth.logout', outcome: 'ok' });
    expect(event).toMatchObject({ target: '', remote: '127.0.0.1' });
  });

  it('signs out through the tRPC client, leaving other sessions of the user alive', async () => {
    const one = await signIn(url, 'ollie', operatorPassword);
    const two = await signIn(url, 'ollie', operatorPassword);
    const oneToken = one.token!;
    expect(await one.client.auth.logout.mutate()).toEqual({ ok: true });
    expect(one.token).toBeNull();
    expect((await rawQuery(url, 'server.info', undefined, cookieHeader(oneToken))).status).toBe(
      401,
    );
    expect(await two.client.auth.me.query()).toMatchObject({ loginName: 'ollie' });
  });
});

describe('login rate limiting', () => {
  it('refuses the 6th attempt after 5 failures, even with the right password, until the lockout ends', async () => {
    await admin.client.users.create.mutate({
      loginName: 'limited',
      password: 'limited-password',
      role: 'viewer',
    });
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    for (let i = 1; i <= 5; i++) {
      const res = await rawMutation(
        url,
        'auth.login',
        { loginName: 'limited', password: `guess-${i}` },
        attacker,
      );
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const sixth = await rawMutation(
      url,
      'auth.login',
      { loginName: 'limited', password: 'limited-password' },
      attacker,
    );
    expect(sixth.status).toBe(429);
    expect(sessionFromSetCookie(sixth)).toBeNull();
    const body = (await sixth.json()) as { error: { json: { message: string } } };
    expect(body.error.json.message).toBe('Too many failed sign-ins. Try again in 30 s.');

    const events = await audit({ action: 'auth.login', actor: 'limited' });
    expect(events.map((e) => e.outcome)).toEqual([
      'denied',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(events[0]).toMatchObject({ remote: '203.0.113.66', detail: 'rate limited for 30s' });

    // The name is locked from any address, and the address for any name.
    const otherAddress = await rawMutation(
      url,
      'auth.login',
      { loginName: 'limited', password: 'limited-password' },
      { 'x-forwarded-for': '203.0.113.67' },
    );
    expect(otherAddress.status).toBe(429);
    const otherName = await rawMutation(
      url,
      'auth.login',
      { loginName: 'vic', password: viewerPassword },
      attacker,
    );
    expect(otherName.status).toBe(429);
    // Others are not affected.
    const bystander = await rawMutation(
      url,
      'auth.login',
      { loginName: 'vic', password: viewerPassword },
      { 'x-forwarded-for': '203.0.113.68' },
    );
    expect(bystander.status).toBe(200);

    // After the lockout the right password works again.
    clock.advance(31_000);
    const later = await rawMutation(
      url,
      'auth.login',
      { loginName: 'limited', password: 'limited-password' },
      attacker,
    );
    expect(later.status).toBe(200);
    expect(sessionFromSetCookie(later)).not.toBeNull();
  });

  it('does not trust X-Forwarded-For for anything but the first address', async () => {
    const res = await rawMutation(
      url,
      'auth.login',
      { loginName: 'vic', password: 'wrong-password-xff' },
      { 'x-forwarded-for': ' 192.0.2.77 , 10.0.0.1' },
    );
    expect(res.status).toBe(401);
    const [event] = await audit({ action: 'auth.login', actor: 'vic', outcome: 'failed' });
    expect(event!.remote).toBe('192.0.2.77');
  });
});

describe('session lifetime', () => {
  // Runs last: it moves the server's clock past every session's expiry.
  it('expires a session after its lifetime', async () => {
    const vic = await signIn(url, 'vic', viewerPassword, '198.51.100.90');
    expect(await vic.client.auth.me.query()).toMatchObject({ loginName: 'vic' });
    clock.advance(sessionTtlSeconds * 1000 - 60_000);
    expect(await vic.client.auth.me.query()).toMatchObject({ loginName: 'vic' });
    clock.advance(61_000);
    expect(await vic.client.auth.me.query()).toBeNull();
    expect((await rawQuery(url, 'server.info', undefined, vic.headers())).status).toBe(401);
  });
});
