import { createHash, randomBytes } from 'node:crypto';
import type { AuthService, LoginResult, SessionUser } from '@tessera/api';
import type { ConsoleDb } from '../store/console-db';
import { toRole } from '../store/user-service';
import type { LoginLimiter } from './login-limiter';
import { hashPassword, verifyPassword } from './password';

export const sessionTtlSeconds = 12 * 60 * 60;
/** lastSeenAt is refreshed at most this often, so reads do not turn into writes. */
const touchIntervalMs = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionAuthenticator {
  /** The user behind a session cookie, or null when it is unknown, expired or disabled. */
  authenticate(token: string): Promise<{ user: SessionUser } | null>;
}

export function createAuthService(
  db: ConsoleDb,
  limiter: LoginLimiter,
  now: () => Date,
): AuthService & SessionAuthenticator {
  // Verifying against a dummy hash keeps an unknown login name as slow as a wrong password.
  const dummyHash = hashPassword('tessera-timing-equaliser');

  return {
    async login(loginName, password, remote): Promise<LoginResult> {
      const wait = limiter.retryAfterSeconds(loginName, remote);
      if (wait > 0) return { kind: 'rate-limited', retryAfterSeconds: wait };
      const user = await db.user.findUnique({ where: { loginName } });
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
      if (!user || !ok || user.disabled) {
        limiter.recordFailure(loginName, remote);
        return { kind: 'bad-credentials' };
      }
      limiter.recordSuccess(loginName, remote);
      const token = randomBytes(32).toString('base64url');
      await db.loginSession.create({
        data: {
          tokenHash: hashToken(token),
          userId: user.id,
          expiresAt: new Date(now().getTime() + sessionTtlSeconds * 1000),
          remoteAddr: remote,
        },
      });
      // Expired sessions are swept on sign-in; the table stays small without a timer.
      await db.loginSession.deleteMany({ where: { expiresAt: { lte: now() } } });
      return {
        kind: 'ok',
        user: { id: user.id, loginName: user.loginName, role: toRole(user.role) },
        cookie: { token, maxAgeSeconds: sessionTtlSeconds },
      };
    },

    async logout(token) {
      await db.loginSession.deleteMany({ where: { tokenHash: hashToken(token) } });
    },

    async changePassword(userId, currentPassword, newPassword) {
      const user = await db.user.findUnique({ where: { id: userId } });
      if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) return false;
      await db.user.update({
        where: { id: userId },
        data: { passwordHash: await hashPassword(newPassword) },
      });
      return true;
    },

    async authenticate(token) {
      const session = await db.loginSession.findUnique({
        where: { tokenHash: hashToken(token) },
        include: { user: true },
      });
      const at = now();
      if (!session || session.expiresAt <= at || session.user.disabled) return null;
      if (at.getTime() - session.lastSeenAt.getTime() > touchIntervalMs) {
        await db.loginSession.update({ where: { id: session.id }, data: { lastSeenAt: at } });
      }
      const { user } = session;
      return { user: { id: user.id, loginName: user.loginName, role: toRole(user.role) } };
    },
  };
}
