import type { DbAccountRef, Role, UserChangeResult, UserService, UserSummary } from '@tessera/api';
import { isRole } from '@tessera/api';
import { hashPassword } from '../auth/password';
import type { ConsoleDb } from './console-db';

interface UserRow {
  id: number;
  loginName: string;
  role: string;
  disabled: boolean;
  createdAt: Date;
  dbAccountUser: string | null;
  dbAccountHost: string | null;
}

/** The row's database account: both columns set, or none mapped. */
export function dbAccountOf(row: {
  dbAccountUser: string | null;
  dbAccountHost: string | null;
}): DbAccountRef | null {
  if (row.dbAccountUser === null || row.dbAccountHost === null) return null;
  return { user: row.dbAccountUser, host: row.dbAccountHost };
}

export function toRole(value: string): Role {
  if (!isRole(value)) throw new Error(`user row with unknown role '${value}'`);
  return value;
}

function summary(row: UserRow, activeSessions: number): UserSummary {
  return {
    id: row.id,
    loginName: row.loginName,
    role: toRole(row.role),
    disabled: row.disabled,
    createdAt: row.createdAt,
    activeSessions,
    dbAccount: dbAccountOf(row),
  };
}

export function createUserService(db: ConsoleDb, now: () => Date): UserService {
  const activeSessions = async (userId: number) =>
    db.loginSession.count({ where: { userId, expiresAt: { gt: now() } } });

  /** An admin may not remove or demote the last enabled admin: the console would lock itself out. */
  const wouldLoseLastAdmin = async (id: number) => {
    const admins = await db.user.findMany({ where: { role: 'admin', disabled: false } });
    return admins.length === 1 && admins[0]?.id === id;
  };

  return {
    async list() {
      const rows = await db.user.findMany({ orderBy: { loginName: 'asc' } });
      return Promise.all(rows.map(async (r) => summary(r, await activeSessions(r.id))));
    },

    async create(loginName, password, role): Promise<UserChangeResult> {
      const existing = await db.user.findUnique({ where: { loginName } });
      if (existing) return { kind: 'conflict', message: `User ${loginName} already exists.` };
      const row = await db.user.create({
        data: { loginName, role, passwordHash: await hashPassword(password) },
      });
      return { kind: 'ok', user: summary(row, 0) };
    },

    async update(id, change): Promise<UserChangeResult> {
      const row = await db.user.findUnique({ where: { id } });
      if (!row) return { kind: 'not-found' };
      const demotes = change.role !== undefined && change.role !== 'admin';
      if (
        (demotes || change.disabled === true) &&
        row.role === 'admin' &&
        (await wouldLoseLastAdmin(id))
      ) {
        return {
          kind: 'conflict',
          message: 'The last enabled admin cannot be demoted or disabled.',
        };
      }
      const updated = await db.user.update({
        where: { id },
        data: {
          ...(change.role !== undefined ? { role: change.role } : {}),
          ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
          ...(change.password !== undefined
            ? { passwordHash: await hashPassword(change.password) }
            : {}),
          ...(change.dbAccount !== undefined
            ? {
                dbAccountUser: change.dbAccount?.user ?? null,
                dbAccountHost: change.dbAccount?.host ?? null,
              }
            : {}),
        },
      });
      // A disabled user, or one whose password was reset, is signed out everywhere.
      if (change.disabled === true || change.password !== undefined) {
        await db.loginSession.deleteMany({ where: { userId: id } });
      }
      return { kind: 'ok', user: summary(updated, await activeSessions(id)) };
    },

    async remove(id): Promise<UserChangeResult> {
      const row = await db.user.findUnique({ where: { id } });
      if (!row) return { kind: 'not-found' };
      if (row.role === 'admin' && (await wouldLoseLastAdmin(id))) {
        return { kind: 'conflict', message: 'The last enabled admin cannot be removed.' };
      }
      await db.user.delete({ where: { id } });
      return { kind: 'ok', user: summary(row, 0) };
    },
  };
}
